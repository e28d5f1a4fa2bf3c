"""The notes a model fit records and warns about, once each (metafor's warnings, kept in the result)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

from secretome.errors import SecretomeWarning

__all__ = ["quiet_refit", "warn_note"]


def warn_note(notes: list[str], text: str, *, stacklevel: int = 3) -> None:
    """Append *text* to *notes* and warn it, by default at the caller of the model function that called this."""
    notes.append(text)
    warnings.warn(text, SecretomeWarning, stacklevel=stacklevel)


@contextlib.contextmanager
def quiet_refit() -> Iterator[None]:
    """Silence the warnings of the refits an analysis makes, as metafor's ``suppressWarnings`` around its ``rma.uni``
    calls (``leave1out``, ``influence``, ``cumul``, ``trimfill``, ``selmodel``): the model on all studies said them.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecretomeWarning)
        yield
