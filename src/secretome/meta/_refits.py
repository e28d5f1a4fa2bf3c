"""Refits of a model on subsets of its studies (leave-one-out, cumulative): a refit that fails is a row of NA.

metafor's ``leave1out`` and ``cumul`` catch a refit that does not converge and return NA for it,
with a warning; one such subset must not end the whole diagnostic (e.g. dat.nielweise2007, REML,
where the cumulative fits of the first 7, 8 and 12 studies do not converge).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

from secretome.errors import ConvergenceError, SecretomeWarning

__all__ = ["FIT_FIELDS", "fit_columns", "refits"]

T = TypeVar("T")

FIT_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2")
"""The per-fit statistics a sequence of refits keeps (metafor's ``leave1out`` and ``cumul`` columns)."""


def refits(fits: Sequence[Callable[[], T]], labels: Sequence[str], *, what: str) -> list[T | None]:
    """Run each of *fits*; one that raises :class:`ConvergenceError` gives ``None`` and is named in one warning.

    The refits' own warnings are not passed on, as metafor's ``leave1out``, ``influence`` and ``cumul`` refit under
    ``suppressWarnings``: what they would say (a sampling variance of 0, Q not computable) the model on all studies
    says once.
    """
    done: list[T | None] = []
    failed = []
    for fit, label in zip(fits, labels, strict=True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SecretomeWarning)
                done.append(fit())
        except ConvergenceError:
            done.append(None)
            failed.append(label)
    if failed:
        warnings.warn(
            f"{what}: the refits {', '.join(failed)} did not converge; their rows are NA (as metafor's)",
            SecretomeWarning,
            stacklevel=3,
        )
    return done


def fit_columns(fits: Sequence[object | None]) -> dict[str, tuple[float, ...]]:
    """The :data:`FIT_FIELDS` of each fit, NaN for a refit that failed (``None``) and for a statistic it could not
    compute (``None``: Q, I^2 and H^2 with a sampling variance of 0, metafor's NA)."""
    return {f: tuple(_number(None if fit is None else getattr(fit, f)) for fit in fits) for f in FIT_FIELDS}


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)
