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


def test_what_it_holds_is_under_a_capacity_per_level_and_pins_no_larger_block():
    # 20,000 values through capacity 256: level l > 0 first receives values after 256 * 2**(l - 1) of them,
    # so levels 0-7. Each kept array owns its rows (a strided view of a sorted block would keep the whole
    # block alive, doubling the memory).
    sketch = QuantileSketch((5,), capacity=256)
    for start in range(0, 20_000, 64):
        sketch.add(np.random.default_rng(start).normal(size=(64, 5)))
    held = [chunk for level in sketch._levels for chunk in level]
    assert all(chunk.base is None or chunk.base.nbytes == chunk.nbytes for chunk in held)
    assert all(sum(chunk.shape[0] for chunk in level) < 256 for level in sketch._levels)
    assert len(sketch._levels) == 8
