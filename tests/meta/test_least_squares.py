"""weighted_least_squares against numpy's least squares on the rescaled system sqrt(W) X b = sqrt(W) y."""

from __future__ import annotations

import numpy as np
import pytest

from secretome.meta._least_squares import weighted_least_squares


def test_matches_ordinary_least_squares_of_the_rescaled_system():
    rng = np.random.default_rng(12)
    x = np.column_stack([np.ones(9), rng.normal(size=9), rng.normal(size=9)])
    y, w = rng.normal(size=9), rng.uniform(0.5, 4.0, size=9)
    root = np.sqrt(w)
    expected, rss, _, _ = np.linalg.lstsq(root[:, None] * x, root * y, rcond=None)
    beta, xtwx_inv, quad = weighted_least_squares(y, w, x)
    assert beta == pytest.approx(expected, rel=1e-10)
    assert quad == pytest.approx(rss[0], rel=1e-10)
    assert xtwx_inv == pytest.approx(np.linalg.inv(x.T @ (w[:, None] * x)), rel=1e-10)
