"""Weighted least squares of one model: the fixed-effects step of a meta-regression.

Shared by :func:`meta_regression`, Egger's regression test and the regression plot's bands.
"""

from __future__ import annotations

from secretome.meta._columns import FloatArray
from secretome.meta._tau2 import Projection

__all__: list[str] = []


def weighted_least_squares(y: FloatArray, w: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """Weighted least squares: coefficients, (X'WX)^-1 and the weighted RSS (= y'Py)."""
    proj = Projection(w, x)
    return proj.beta(y), proj.xtwx_inv, proj.quad(y)
