"""Refits of a model on subsets of its studies (leave-one-out, influence, cumulative): one that fails is a row of NA.

metafor's ``leave1out``, ``influence`` and ``cumul`` run each refit in ``try()`` and return NA for one that stops,
whatever the error; one such subset must not end the whole diagnostic (e.g. dat.nielweise2007, REML, where the
cumulative fits of the first 7, 8 and 12 studies do not converge; or a subset in which tau^2 = 0 meets a sampling
variance of 0, where ``rma`` stops on the weight 1/0).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

from secretome.errors import ConvergenceError, InputError, NumericalError, SecretomeWarning
from secretome.meta._notes import quiet_refit

__all__ = ["FIT_FIELDS", "fit_columns", "refits"]

T = TypeVar("T")

FIT_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2")
"""The per-fit statistics a sequence of refits keeps (metafor's ``leave1out`` and ``cumul`` columns)."""


def refits(fits: Sequence[Callable[[], T]], labels: Sequence[str], *, what: str) -> list[T | None]:
    """Run each of *fits*; one that stops gives ``None``, and one warning names the refits that did.

    A refit stops as metafor's ``rma`` would: it does not converge (:class:`ConvergenceError`, or another
    :class:`NumericalError`) or refuses its subset (:class:`InputError`, e.g. tau^2 = 0 with a sampling variance
    of 0); metafor's ``try()`` turns either into NA. Any other exception is a bug and propagates. The refits' own
    warnings are not passed on, as metafor's ``leave1out``, ``influence`` and ``cumul`` refit under
    ``suppressWarnings``: what they would say (a sampling variance of 0, Q not computable) the model on all studies
    says once.
    """
    done: list[T | None] = []
    failed: dict[str, list[str]] = {}
    for fit, label in zip(fits, labels, strict=True):
        try:
            with quiet_refit():
                done.append(fit())
        except (InputError, NumericalError) as error:
            done.append(None)
            reason = "did not converge" if isinstance(error, ConvergenceError) else _stopped(error)
            failed.setdefault(reason, []).append(label)
    if failed:
        which = "; ".join(f"the refits {', '.join(names)} {reason}" for reason, names in failed.items())
        warnings.warn(f"{what}: {which}; their rows are NA (as metafor's)", SecretomeWarning, stacklevel=3)
    return done


def _stopped(error: InputError | NumericalError) -> str:
    """Why a refit stopped: the reason alone, without the row its message names (a position in the subset, not in
    the caller's table)."""
    return f"stopped ({error.reason if isinstance(error, InputError) else error})"


def fit_columns(fits: Sequence[object | None]) -> dict[str, tuple[float, ...]]:
    """The :data:`FIT_FIELDS` of each fit, NaN for a refit that failed (``None``) and for a statistic it could not
    compute (``None``: Q, I^2 and H^2 with a sampling variance of 0, metafor's NA)."""
    return {f: tuple(_number(None if fit is None else getattr(fit, f)) for fit in fits) for f in FIT_FIELDS}


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)
