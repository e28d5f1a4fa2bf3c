"""Streamed quantiles: exact up to the capacity, and within the stated rank error beyond it."""

from __future__ import annotations

import numpy as np
import pytest

from secretome.model._sketch import QuantileSketch

Q = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]


def test_up_to_the_capacity_the_quantiles_are_numpys():
    values = np.random.default_rng(0).lognormal(size=(300, 4, 3))
    sketch = QuantileSketch((4, 3), capacity=512)
    for start in range(0, 300, 37):
        sketch.add(values[start : start + 37])
    assert sketch.exact
    np.testing.assert_array_equal(sketch.quantiles(Q), np.quantile(values, Q, axis=0))


@pytest.mark.parametrize("n", [1000, 5003, 20000])
def test_beyond_it_every_quantile_is_within_the_rank_bound(n):
    rng = np.random.default_rng(n)
    values = np.column_stack([rng.normal(size=n), rng.exponential(size=n), np.arange(n, dtype=float)[::-1]])
    sketch = QuantileSketch((3,), capacity=256)
    for start in range(0, n, 64):
        sketch.add(values[start : start + 64])
    assert not sketch.exact
    assert sketch.rank_error < 0.03 * n  # the bound itself: about n log2(n / capacity) / (2 capacity)
    estimate = sketch.quantiles(Q)
    ordered = np.sort(values, axis=0)
    for i, q in enumerate(Q):
        # The estimate lies between the exact order statistics rank_error (+1 for interpolation) away.
        lo = max(0, int(np.floor(q * (n - 1))) - sketch.rank_error - 1)
        hi = min(n - 1, int(np.ceil(q * (n - 1))) + sketch.rank_error + 1)
        assert np.all(ordered[lo] <= estimate[i])
        assert np.all(estimate[i] <= ordered[hi])
