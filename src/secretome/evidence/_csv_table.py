"""Reading a CSV file that people fill by hand (extraction sheets, screening decisions) into rows of text.

Python's csv module stops at a cell over 131,072 characters with its own error, and a header that
names a column twice would let the later cell silently win (or lose). Here both, and every other
malformation the csv module finds, are an :class:`~secretome.errors.InputError` naming the file
and the 1-based row, as a spreadsheet numbers it (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from secretome._limits import MAX_FIELD_CHARS
from secretome.errors import InputError

__all__ = ["check_header", "read_csv_table"]


def check_header(header: list[str], file: str) -> None:
    """An :class:`InputError` if *header* names a column twice (a spreadsheet's header is row 1)."""
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise InputError("the header names this column twice", file=file, row=1, field=name, value=name)
        seen.add(name)


def read_csv_table(path: str | Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty rows (1-based row number, cells) of the CSV file at *path*.

    Raises
    ------
    InputError
        Unreadable or not UTF-8, a cell longer than :data:`~secretome._limits.MAX_FIELD_CHARS`,
        malformed CSV, or a header naming a column twice.

    >>> import tempfile, pathlib
    >>> sheet = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = sheet.write_text("a,b,a\\n1,2,3\\n")
    >>> read_csv_table(sheet)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: file '.../s.csv', row 1, field 'a': the header names this column twice (got 'a')
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=file) from exc
    reader = csv.reader(io.StringIO(text))
    # The module-wide limit is raised to ours so that we, not the csv module, say what went wrong.
    if csv.field_size_limit() < MAX_FIELD_CHARS + 1:
        csv.field_size_limit(MAX_FIELD_CHARS + 1)
    records: list[list[str]] = []
    try:
        for cells in reader:
            long = next((c for c in cells if len(c) > MAX_FIELD_CHARS), None)
            if long is not None:
                reason = f"a cell is longer than {MAX_FIELD_CHARS} characters"
                raise InputError(reason, file=file, row=len(records) + 1, value=long)
            if any("\x00" in c for c in cells):  # a store on PostgreSQL could not hold it
                nul = next(c for c in cells if "\x00" in c)
                raise InputError("a cell holds a NUL character", file=file, row=len(records) + 1, value=nul)
            records.append(cells)
    except csv.Error as exc:
        raise InputError(f"not valid CSV ({exc})", file=file, row=len(records) + 1) from None
    if not records:
        return [], []
    header = [c.strip() for c in records[0]]
    check_header(header, file)
    # Rows are numbered as a spreadsheet shows them: one per record, a multi-line cell included.
    return header, [(number, cells) for number, cells in enumerate(records[1:], start=2) if cells]
