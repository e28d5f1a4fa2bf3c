"""The exception and warning tree of secretome.

::

    SecretomeError                 base; the CLI catches it, prints one line and exits 1
    ├── InputError (ValueError)    bad input: names file, row/record, field and value; exit 2
    │   └── StoreError             a missing or corrupt store, or a value it cannot hold
    ├── OutputError                an output file or folder that cannot be written; exit 1
    ├── StoreBusyError             the store stayed locked by another writer past the busy timeout; exit 1
    ├── NotLandedError             a command whose engine is not available yet; exit 1
    └── NumericalError (ArithmeticError)
        └── ConvergenceError       an iterative solver stopped without converging

    SecretomeWarning (UserWarning) something was changed for the user and recorded in ``notes``

Anything else that escapes is a bug: the CLI shows its traceback only with ``--debug``.

Messages stay one line whatever the input: a value, field, record or file name longer than
:data:`MAX_SHOWN` characters is cut in the middle and its length given, so that a 10 MB cell is not
echoed in a 10 MB error line.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "MAX_SHOWN",
    "ConvergenceError",
    "InputError",
    "NotLandedError",
    "NumericalError",
    "OutputError",
    "SecretomeError",
    "SecretomeWarning",
    "StoreBusyError",
    "StoreError",
    "check_choice",
    "shorten",
]

_MISSING = object()

MAX_SHOWN = 200
"""The longest text (file, record, field or value, as printed) an error message shows whole."""


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """*text* on one line, cut in the middle beyond *limit* characters (its length said).

    >>> shorten("x" * 1000, 20)
    'xxxxxxxx ... xxxxxxxx (1000 characters)'
    >>> shorten("two\\nlines")
    'two lines'
    """
    text = " ".join(text.splitlines())
    if len(text) <= limit:
        return text
    keep = max(limit // 2 - 2, 1)
    return f"{text[:keep]} ... {text[-keep:]} ({len(text)} characters)"


def _located(reason: str, *, file: object, row: int | None, record: object, field: object, value: object) -> str:
    parts = []
    if file is not None:
        parts.append(f"file {shorten(repr(str(file)))}")
    if row is not None:
        parts.append(f"row {row}")
    if record is not None:
        parts.append(f"record {shorten(repr(record))}")
    if field is not None:
        parts.append(f"field {shorten(repr(field))}")
    message = f"{', '.join(parts)}: {reason}" if parts else reason
    if value is not _MISSING:
        message += f" (got {shorten(repr(value))})"
    return shorten(message, 5 * MAX_SHOWN)


class SecretomeError(Exception):
    """Base class of every error secretome raises on purpose."""


class InputError(SecretomeError, ValueError):
    """Bad input, located as precisely as the caller knows it.

    The message reads ``file 'a.csv', row 7, field 'vi': must be > 0 (got -0.01)``:
    rows and records are 1-based because users read them against their spreadsheet.

    >>> str(InputError("must be > 0", file="a.csv", row=7, field="vi", value=-0.01))
    "file 'a.csv', row 7, field 'vi': must be > 0 (got -0.01)"
    >>> str(InputError("unknown preset", field="preset", value="rabit"))
    "field 'preset': unknown preset (got 'rabit')"
    """

    def __init__(
        self,
        reason: str,
        *,
        file: object = None,
        row: int | None = None,
        record: str | None = None,
        field: str | None = None,
        value: object = _MISSING,
    ) -> None:
        super().__init__(_located(reason, file=file, row=row, record=record, field=field, value=value))
        self.reason = reason
        self.file = file
        self.row = row
        self.record = record
        self.field = field
        self.value = None if value is _MISSING else value


class StoreError(InputError):
    """The evidence store cannot be used (missing, corrupt, at another schema revision) or refuses a value."""


class StoreBusyError(SecretomeError):
    """Another process held the store's write lock for longer than the busy timeout; nothing was written."""


class OutputError(SecretomeError):
    """An output file or folder cannot be written: not bad input but a failure of the place (exit 1).

    >>> str(OutputError("cannot write (No space left on device)", file="out.csv"))
    "file 'out.csv': cannot write (No space left on device)"
    """

    def __init__(self, reason: str, *, file: object = None) -> None:
        super().__init__(_located(reason, file=file, row=None, record=None, field=None, value=_MISSING))
        self.reason = reason
        self.file = file


class NotLandedError(SecretomeError):
    """A command whose engine has not been built yet; it never prints made-up output."""


class NumericalError(SecretomeError, ArithmeticError):
    """Numerical trouble (k too small, zero variance, overflow) reported instead of a NaN."""


class ConvergenceError(NumericalError):
    """An iterative estimator stopped before converging; the message gives its facts and a remedy."""


class SecretomeWarning(UserWarning):
    """Something was changed for the user (metafor-style notes), e.g. a fallback estimator."""


def check_choice(name: str, value: object, allowed: Iterable[object], *, owner: str | None = None) -> None:
    """Raise :class:`InputError` unless *value* is one of *allowed* (scikit-learn's message template).

    >>> check_choice("method", "REML", ["DL", "REML"])
    >>> check_choice("method", "reml2", ["DL", "REML"], owner="random_effects")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'method': must be one of 'DL', 'REML' in random_effects (got 'reml2')
    """
    allowed = tuple(allowed)
    if value not in allowed:
        where = f" in {owner}" if owner else ""
        raise InputError(f"must be one of {', '.join(repr(a) for a in allowed)}{where}", field=name, value=value)
