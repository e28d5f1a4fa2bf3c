"""Cached model artefacts: virtual-cohort bands and sensitivity tables the report reuses.

A cohort of 1000 subjects per preset takes minutes; the report must build in under a minute when
warm. Each artefact is a CSV named by what made it (the preset's full declaration, the settings and
the secretome version, hashed), so a changed model or setting never reads a stale file: it is looked
up in the user's cache folder (``$SECRETOME_CACHE_DIR``, else ``$XDG_CACHE_HOME/secretome``, else
``~/.cache/secretome``), then among the artefacts shipped with the package
(``secretome/report/artefacts``, written by ``tools/make_report_artefacts.py``), and computed and
cached only when neither has it.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from secretome._files import atomic_write_text
from secretome.errors import OutputError

__all__: list[str] = []

BUNDLED = Path(__file__).with_name("artefacts")


def cache_dir() -> Path:
    """The user's cache folder for secretome artefacts (not created here)."""
    if os.environ.get("SECRETOME_CACHE_DIR"):
        return Path(os.environ["SECRETOME_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "secretome"


def artefact_name(kind: str, preset: str, *parts: object) -> str:
    """``<kind>-<preset>-<hash>.csv``; the hash covers every part (declarations, settings, version)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]
    return f"{kind}-{preset}-{digest}.csv"


def cached_frame(name: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The artefact *name* from the user cache or the package, else ``compute()`` it and cache it."""
    for folder in (cache_dir(), BUNDLED):
        path = folder / name
        if path.is_file():
            return pd.read_csv(path)
    frame = compute()
    _store(cache_dir() / name, frame)
    return frame


def _store(path: Path, frame: pd.DataFrame) -> None:
    # A cache that cannot be written only costs time on the next run, so it never fails the report.
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, buffer.getvalue())
    except (OSError, OutputError):
        return
