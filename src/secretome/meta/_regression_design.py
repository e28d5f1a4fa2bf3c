"""The model matrix of a meta-regression: built from the moderators, or taken from a fitted model.

:func:`model_matrix` builds it for a fit (meta-regression, multilevel model, permutation test,
regression plot). A :class:`~secretome.meta.MetaRegressionResult` keeps it (``design``, after any
redundant moderator was dropped); :func:`robust` and the Baujat and QQ plots take it from there, as
metafor's take ``model.matrix(res)``, through :func:`regression_design`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from secretome.errors import InputError, SecretomeWarning
from secretome.meta._columns import FloatArray, as_column
from secretome.meta._results import MetaRegressionResult
from secretome.meta._tau2 import EQUAL_METHODS

__all__ = ["REDUNDANT", "TOO_MANY_PARAMETERS", "model_matrix", "regression_design"]

REDUNDANT = "Redundant predictors dropped from the model."
"""metafor's warning (``rma.uni``, ``rma.mv``) when it drops moderators collinear with the columns before them."""

TOO_MANY_PARAMETERS = "Number of parameters to be estimated is larger than the number of observations."
"""metafor's ``rma.uni`` error for a model with no more studies than parameters (tau^2 counts for one)."""


def regression_design(fit: MetaRegressionResult, mods: ArrayLike | pd.DataFrame | None = None) -> FloatArray:
    """The model matrix of *fit* (k x p, its ``design``), as metafor's ``model.matrix(res)``.

    *mods*, when given, must be the moderators *fit* kept (p - 1 columns) and reproduce its fitted values.
    """
    x = np.array(fit.design, dtype=np.float64)
    if mods is None:
        return x
    k = len(fit.yi)
    raw = mods.to_numpy(dtype=object) if isinstance(mods, pd.DataFrame) else np.asarray(mods, dtype=object)
    raw = raw.reshape(-1, 1) if raw.ndim == 1 else raw
    if raw.shape != (k, fit.p - 1):
        raise InputError(f"needs {k} rows and {fit.p - 1} columns; got shape {raw.shape}", field="mods")
    columns = [as_column(raw[:, j], fit.coef_names[j + 1]) for j in range(raw.shape[1])]
    given = np.column_stack([np.ones(k), *columns])
    if not np.allclose(given @ np.array(fit.beta), fit.fitted, rtol=1e-8, atol=1e-10):
        raise InputError("these moderators do not reproduce the model's fitted values", field="mods")
    return x


def model_matrix(
    mods: ArrayLike | pd.DataFrame | None,
    k: int,
    names: Sequence[str] | None,
    said: list[tuple[str, str]] | None = None,
    *,
    method: str | None = None,
    multilevel: bool = False,
) -> tuple[FloatArray, tuple[str, ...]]:
    """The model matrix: an intercept, then the moderators (each column checked like yi).

    Without *mods*, the intercept alone. Redundant (collinear) moderators are dropped with metafor's
    warning ("Redundant predictors dropped from the model."), given at once; all of them (each collinear
    with the intercept) leave the intercept alone, the model metafor then fits; a fit that passes *said*
    gets instead that sentence paired with a note naming the dropped columns (which metafor's warning
    does not give), to warn in metafor's order among its other warnings (:func:`warn_note`).
    :class:`InputError` for no more studies than coefficients: in metafor's words
    (:data:`TOO_MANY_PARAMETERS`) where ``rma.uni`` with *method* stops too (p + 1 > k with tau^2, p > k for
    EE/FE, whose saturated fit at k = p it gives). A *multilevel* model (``rma.mv``, which has no such check)
    may have as many coefficients as studies; a design without *method* (a follow-up of a fit) may not.
    """
    if mods is None:
        return _checked(np.ones((k, 1)), ("intrcpt",), said, method, multilevel)
    if isinstance(mods, pd.DataFrame):
        given = [str(c) for c in mods.columns]
        raw = mods.to_numpy(dtype=object)
    else:
        raw = np.asarray(mods, dtype=object)
        raw = raw.reshape(-1, 1) if raw.ndim == 1 else raw
        given = [f"mod{j}" for j in range(1, raw.shape[1] + 1)]
    if raw.ndim != 2 or raw.shape[0] != k:
        raise InputError(f"needs one row per study ({k}); got shape {raw.shape}", field="mods")
    labels = list(given if names is None else names)
    if len(labels) != raw.shape[1]:
        raise InputError(f"has {len(labels)} names for {raw.shape[1]} moderators", field="names")
    columns = [as_column(raw[:, j], labels[j]) for j in range(raw.shape[1])]
    return _checked(np.column_stack([np.ones(k), *columns]), ("intrcpt", *labels), said, method, multilevel)


def _checked(
    x: FloatArray,
    coef_names: tuple[str, ...],
    said: list[tuple[str, str]] | None,
    method: str | None,
    multilevel: bool,
) -> tuple[FloatArray, tuple[str, ...]]:
    if np.linalg.matrix_rank(x) < x.shape[1]:
        # metafor drops redundant predictors with a warning (they are NA in lm's pivoted QR): each column
        # that adds no rank to the ones before it, left to right, so the intercept always stays.
        keep: list[int] = []
        for j in range(x.shape[1]):
            if np.linalg.matrix_rank(x[:, [*keep, j]]) > len(keep):
                keep.append(j)
        dropped = [coef_names[j] for j in range(x.shape[1]) if j not in keep]
        # With every moderator dropped, the intercept is left alone: metafor fits that model (int.only) as well.
        # metafor's sentence as it is (it names no column); the names go to the fit's notes.
        if said is None:
            warnings.warn(REDUNDANT, SecretomeWarning, stacklevel=4)
        else:
            said.append(
                (REDUNDANT, f"dropped as redundant (collinear with the columns before them): {', '.join(dropped)}")
            )
        x, coef_names = x[:, keep], tuple(coef_names[j] for j in keep)
    k, p = x.shape
    # rma.uni's check, in its words: p + 1 > k stops a random-effects model, p > k an EE/FE one, whose saturated fit
    # (k = p, QE on 0 df) metafor gives. rma.mv has no such check (with redundant columns dropped, p <= k).
    equal = method in EQUAL_METHODS
    if (k < p or (k == p and not equal)) if method is not None else (k <= p and not multilevel):
        reason = TOO_MANY_PARAMETERS if method is not None else f"needs more studies than coefficients ({p})"
        if said:
            # The fit stops here, before it would warn: metafor has dropped the predictors, and said so, first.
            warnings.warn(REDUNDANT, SecretomeWarning, stacklevel=4)
        raise InputError(reason, field="yi", value=k)
    return x, coef_names
