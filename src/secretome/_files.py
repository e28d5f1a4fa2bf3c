"""Writing output files whole or not at all.

Every file secretome writes goes through here: the content is written to a temporary file beside
the target and moved into place, so a failure never leaves a half-written file behind, and an
unwritable location is an input error that names the path.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from secretome.errors import StoreError

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* atomically; return the path.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> atomic_write_bytes(target, b"ok").read_bytes()
    b'ok'
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise StoreError("the folder does not exist", file=str(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StoreError(f"cannot write here ({exc.strerror})", file=str(target)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StoreError(f"cannot write ({exc.strerror})", file=str(target)) from exc
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically; return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))
