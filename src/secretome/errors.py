"""The exception and warning tree of secretome.

::

    SecretomeError                 base; the CLI catches it, prints one line and exits 1
    ├── InputError (ValueError)    bad input: names file, row/record, field and value; exit 2
    │   └── StoreError             a missing, corrupt or unwritable store or output
    ├── NotLandedError             a command whose engine is not available yet; exit 1
    └── NumericalError (ArithmeticError)
        └── ConvergenceError       an iterative solver stopped without converging

    SecretomeWarning (UserWarning) something was changed for the user and recorded in ``notes``

Anything else that escapes is a bug: the CLI shows its traceback only with ``--debug``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ConvergenceError",
    "InputError",
    "NotLandedError",
    "NumericalError",
    "SecretomeError",
    "SecretomeWarning",
    "StoreError",
    "check_choice",
]

_MISSING = object()


class SecretomeError(Exception):
    """Base class of every error secretome raises on purpose."""


class InputError(SecretomeError, ValueError):
    """Bad input, located as precisely as the caller knows it.

    The message reads ``file 'a.csv', row 7, field 'vi': must be > 0 (got -0.01)``:
    rows and records are 1-based because users read them against their spreadsheet.

    >>> str(InputError("must be > 0", file="a.csv", row=7, field="vi", value=-0.01))
    "file 'a.csv', row 7, field 'vi': must be > 0 (got -0.01)"
    >>> str(InputError("unknown preset", field="--preset", value="rabit"))
    "field '--preset': unknown preset (got 'rabit')"
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
        parts = []
        if file is not None:
            parts.append(f"file {str(file)!r}")
        if row is not None:
            parts.append(f"row {row}")
        if record is not None:
            parts.append(f"record {record!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        message = f"{', '.join(parts)}: {reason}" if parts else reason
        if value is not _MISSING:
            message += f" (got {value!r})"
        super().__init__(message)
        self.reason = reason
        self.file = file
        self.row = row
        self.record = record
        self.field = field
        self.value = None if value is _MISSING else value


class StoreError(InputError):
    """The evidence store or an output location cannot be used (missing, corrupt, unwritable)."""


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
