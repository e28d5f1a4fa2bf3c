"""The model matrix of a fitted meta-regression, rebuilt from its moderators and checked against the fit.

A :class:`~secretome.meta.MetaRegressionResult` keeps its coefficients and fitted values but not
its model matrix; :func:`robust` and the Baujat and QQ plots need it, so the caller passes the
moderators again and they must reproduce the fitted values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from secretome.errors import InputError
from secretome.meta._columns import FloatArray, as_column
from secretome.meta._results import MetaRegressionResult

__all__: list[str] = []


def regression_design(fit: MetaRegressionResult, mods: ArrayLike | pd.DataFrame | None) -> FloatArray:
    """The intercept and the moderators *mods* as the model matrix of *fit* (k x p), checked: X b = fitted."""
    k = len(fit.yi)
    if mods is None:
        raise InputError("a meta-regression needs its moderators again (mods=)", field="mods")
    raw = mods.to_numpy(dtype=object) if isinstance(mods, pd.DataFrame) else np.asarray(mods, dtype=object)
    raw = raw.reshape(-1, 1) if raw.ndim == 1 else raw
    if raw.shape != (k, fit.p - 1):
        raise InputError(f"needs {k} rows and {fit.p - 1} columns; got shape {raw.shape}", field="mods")
    columns = [as_column(raw[:, j], fit.coef_names[j + 1]) for j in range(raw.shape[1])]
    x = np.column_stack([np.ones(k), *columns])
    if not np.allclose(x @ np.array(fit.beta), fit.fitted, rtol=1e-8, atol=1e-10):
        raise InputError("these moderators do not reproduce the model's fitted values", field="mods")
    return x
