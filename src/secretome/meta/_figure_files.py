"""A plot's file: its format read from the file name, and the figure saved as bytes and, whole, to the file.

Shared by every plot of the meta engine (forest, funnel and regression plots, GOSH, albatross,
profile-likelihood and the diagnostic plots), so that each accepts the same names and writes the
same way: SVG or PDF, no dates in the file (the same result gives the same bytes), and through
:func:`secretome._files.atomic_write_bytes` (whole or not at all).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from secretome._files import atomic_write_bytes
from secretome.errors import InputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_format", "save_figure"]

_FORMATS = {".svg": "svg", ".pdf": "pdf"}


def plot_format(path: str | Path | None, what: str) -> str:
    """The format of the *what* plot to write at *path*: ``"svg"`` or ``"pdf"`` (``"svg"`` without a path).

    >>> plot_format("forest.PDF", "forest")
    'pdf'
    >>> plot_format("forest.png", "forest")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'path': the forest plot is written as .svg or .pdf (got 'forest.png')
    """
    if path is None:
        return "svg"
    fmt = _FORMATS.get(Path(path).suffix.lower(), "")
    if not fmt:
        raise InputError(f"the {what} plot is written as .svg or .pdf", field="path", value=str(path))
    return fmt


def save_figure(fig: Figure, fmt: str, path: str | Path | None) -> bytes:
    """*fig* as *fmt* bytes, also written to *path* when one is given."""
    buffer = io.BytesIO()
    # No dates in the files, so the same result gives the same bytes.
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else {"CreationDate": None})
    data = buffer.getvalue()
    if path is not None:
        atomic_write_bytes(path, data)
    return data
