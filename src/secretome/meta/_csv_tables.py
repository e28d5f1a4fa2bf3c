"""Reading the user's CSV table for a meta-analysis: one reader for the model and the effect-size tables.

Used by :func:`secretome.meta.meta_from_csv` (and the follow-ups) and by the effect-size tables
(Mantel-Haenszel, Peto, combined p-values), so that each refuses the same files the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from secretome.errors import InputError

__all__ = ["read_csv_table", "require_columns"]


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """The CSV table at *path*, its cells as pandas reads them, except that True/False stay text.

    A repeated column name, a missing file or a file that is not CSV is an :class:`InputError` naming the file.
    """
    try:
        # The header alone first: pandas renames a repeated column (yi, yi.1), and the first would silently win.
        names = list(pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0])
        if repeated := next((n for i, n in enumerate(names) if n in names[:i]), None):
            # No row number: the model's errors count data rows, in which the header is not row 1.
            raise InputError("the header names this column twice", file=path, field=repeated, value=repeated)
        frame = pd.read_csv(path)
        # pandas reads a column of True/False as booleans, which become 1/0 as numbers: keep them as the text
        # they were, so that a yi of "True" is "not a number" and a subgroup is labelled as written.
        for name in frame.select_dtypes(include="bool").columns:
            frame[name] = frame[name].map({True: "True", False: "False"})
        return frame
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot be read as CSV: {exc}", file=path) from None


def require_columns(frame: pd.DataFrame, names: Iterable[str], file: object) -> None:
    """Each of *names* is a column of *frame*; else an :class:`InputError` naming *file*, the name and the columns.

    A header read as one column that holds ``;`` or a tab is a file separated by it (a spreadsheet saved with a
    decimal comma writes ``;``), and the message says so rather than only listing one odd column.

    >>> require_columns(pd.DataFrame(columns=["yi;vi"]), ["yi"], "a.csv")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: file 'a.csv', field 'yi': no such column; the columns are 'yi;vi' (the header is \
separated by ';': save the table as comma-separated CSV)
    """
    columns = [str(c) for c in frame.columns]
    one = columns[0] if len(columns) == 1 else ""
    separator = next((s for s in (";", "\t") if s in one), None)
    hint = f" (the header is separated by {separator!r}: save the table as comma-separated CSV)" if separator else ""
    for name in names:
        if name not in frame.columns:
            have = ", ".join(repr(c) for c in columns)
            raise InputError(f"no such column; the columns are {have}{hint}", file=file, field=name)
