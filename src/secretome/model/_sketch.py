"""Quantiles of many arrays of values, streamed in chunks with memory bounded in the number of arrays.

A virtual cohort gives one value per subject for every (time, readout) cell; the bands are quantiles over
subjects. Holding every subject's values grows without bound, so they are summarised as they arrive by a
deterministic mergeable sketch (Manku, Rajagopalan & Lindsay 1998): values are kept exactly in a buffer of
*capacity* per level; when a level fills, it is sorted and every other value (alternately the odd and even
ones) moves up one level with twice the weight. One such compaction at level ``l`` moves any rank by at
most ``2**l``, and the sum over compactions is reported as a bound on the rank error. With no more values
than *capacity* nothing is compacted and the quantiles are exactly numpy's (linear interpolation).

Every cell receives the same number of values (one per subject), so one sketch structure serves all cells
and each compaction is a single sort along the subject axis. Memory: fewer than *capacity* rows of cells
per level (twice that while a level is compacted) and ``floor(log2(count / capacity)) + 2`` levels, so it
grows with the logarithm of the count; each kept block owns its rows (a strided view of a sorted block
would keep the whole block alive), and the final quantiles gather it a block of cells at a time rather
than copying it whole.

References
----------
.. [1] Manku GS, Rajagopalan S, Lindsay BG (1998). Approximate medians and other quantiles in one pass and
   with limited memory. SIGMOD Rec 27(2):426-435. https://doi.org/10.1145/276305.276342
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["QuantileSketch"]


class QuantileSketch:
    """Streamed quantiles over the first axis of arrays of a fixed cell shape.

    >>> sketch = QuantileSketch((2,), capacity=8)
    >>> for start in range(0, 20, 5):
    ...     _ = sketch.add(np.arange(start, start + 5, dtype=float)[:, None] * [1.0, -1.0])
    >>> sketch.count, sketch.rank_error  # two compactions at level 0, one at level 1
    (20, 4)
    >>> sketch.quantiles([0.5]).tolist()  # exact: 9.5 and -9.5, within 4 ranks
    [[9.0, -10.0]]
    >>> QuantileSketch((1,)).add(np.arange(5.0)[:, None]).quantiles([0.5]).tolist()
    [[2.0]]
    """

    def __init__(self, shape: Sequence[int], capacity: int = 2048) -> None:
        self.shape = tuple(shape)
        self.capacity = capacity
        self.count = 0
        self.rank_error = 0  # bound on the rank error of any quantile, in values
        self._levels: list[list[np.ndarray]] = [[]]
        self._sizes = [0]
        self._flips = [0]

    @property
    def exact(self) -> bool:
        """Whether no values were compacted (the quantiles are then exact)."""
        return self.rank_error == 0

    def add(self, values: np.ndarray) -> QuantileSketch:
        """Add ``values`` of shape ``(m, *shape)``: one row per subject."""
        values = np.asarray(values, dtype=float).reshape(-1, *self.shape)
        self.count += values.shape[0]
        self._push(0, values)
        return self

    def _push(self, level: int, values: np.ndarray) -> None:
        if level == len(self._levels):
            self._levels.append([])
            self._sizes.append(0)
            self._flips.append(0)
        self._levels[level].append(values)
        self._sizes[level] += values.shape[0]
        while self._sizes[level] >= self.capacity:
            held = np.concatenate(self._levels[level])
            full, rest = held[: self.capacity], held[self.capacity :]
            self._levels[level] = [rest.copy()] if rest.shape[0] else []
            self._sizes[level] = rest.shape[0]
            offset = self._flips[level]
            self._flips[level] ^= 1  # alternate odd and even survivors, so the errors do not add up one way
            self.rank_error += 2**level
            full.sort(axis=0)  # in place: held is this compaction's own concatenation
            self._push(level + 1, full[offset::2].copy())

    def quantiles(self, q: Sequence[float]) -> np.ndarray:
        """The quantiles *q* of every cell, shape ``(len(q), *shape)``."""
        q = np.asarray(q, dtype=float)
        if self.exact:
            return np.quantile(np.concatenate(self._levels[0]), q, axis=0)
        cells = int(np.prod(self.shape, dtype=int))
        parts = [(v.reshape(v.shape[0], cells), 2**level) for level, chunks in enumerate(self._levels) for v in chunks]
        weights = np.concatenate([np.full(v.shape[0], w, dtype=float) for v, w in parts])
        out = np.empty((q.size, cells))
        # A block of cells at a time, gathered from every level: the sort's temporaries stay a few MB
        # whatever the number of cells, and the sketch is never copied whole.
        block = max(1, 2**20 // weights.size)
        for start in range(0, cells, block):
            values = np.concatenate([v[:, start : start + block] for v, _ in parts])
            out[:, start : start + block] = _weighted_quantiles(values, weights, q, self.count)
        return out.reshape(q.size, *self.shape)


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: np.ndarray, count: int) -> np.ndarray:
    """Quantiles *q* of each column of *values*, each row standing for *weights* of the *count* values."""
    order = np.argsort(values, axis=0)
    ordered = np.take_along_axis(values, order, axis=0)
    w = weights[order]
    # Each value stands for w consecutive ranks; place it at their centre (0-based), as numpy's linear
    # method places an unweighted value at its own rank.
    centre = np.cumsum(w, axis=0) - (w + 1.0) / 2.0
    columns = np.arange(values.shape[1])
    out = np.empty((q.size, values.shape[1]))
    for i, target in enumerate(q * (count - 1)):
        above = np.clip((centre < target).sum(axis=0), 1, values.shape[0] - 1)
        lo, hi = centre[above - 1, columns], centre[above, columns]
        frac = np.clip((target - lo) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0)
        below = ordered[above - 1, columns]
        out[i] = below + frac * (ordered[above, columns] - below)
    return out
