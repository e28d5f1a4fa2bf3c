"""The notes a model fit records and warns about, once each (metafor's warnings, kept in the result)."""

from __future__ import annotations

import warnings

from secretome.errors import SecretomeWarning

__all__ = ["warn_note"]


def warn_note(notes: list[str], text: str, *, stacklevel: int = 3) -> None:
    """Append *text* to *notes* and warn it, by default at the caller of the model function that called this."""
    notes.append(text)
    warnings.warn(text, SecretomeWarning, stacklevel=stacklevel)
