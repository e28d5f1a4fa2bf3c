"""The notes a model fit records and warns about, once each (metafor's warnings, kept in the result)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

from secretome.errors import SecretomeWarning

__all__ = ["quiet_refit", "warn_note"]


def warn_note(notes: list[str], text: str, detail: str = "", *, stacklevel: int = 3) -> None:
    """Append *text* to *notes* and warn it, by default at the caller of the model function that called this.

    *text* is the warning as metafor words it; a *detail* (the rows or columns it is about, which metafor's
    sentence does not name) follows it in *notes* only, so that the warnings stay metafor's, one for one.
    """
    notes.append(text)
    if detail:
        notes.append(detail)
    warnings.warn(text, SecretomeWarning, stacklevel=stacklevel)


@contextlib.contextmanager
def quiet_refit() -> Iterator[None]:
    """Silence the warnings of the refits an analysis makes, as metafor's ``suppressWarnings`` around its ``rma.uni``
    calls (``leave1out``, ``influence``, ``cumul``, ``trimfill``, ``selmodel``): the model on all studies said them.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecretomeWarning)
        yield
