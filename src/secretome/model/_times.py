"""Output time grids, checked once at the edge."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from secretome.errors import InputError

__all__ = ["output_times"]


def output_times(times: ArrayLike | None, t_end: float) -> np.ndarray:
    """*times* as a checked grid (at least two finite increasing times in ``[0, t_end]``); default 201 points.

    >>> output_times(None, 10.0)[[0, -1]].tolist()
    [0.0, 10.0]
    """
    if times is None:
        return np.linspace(0.0, t_end, 201)
    grid = np.asarray(times, dtype=float)
    if grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)) or np.any(np.diff(grid) <= 0):
        raise InputError("must be at least two finite, increasing times", field="times")
    if grid[0] < 0 or grid[-1] > t_end:
        raise InputError(f"times must lie in [0, {t_end:g}]", field="times", value=[float(grid[0]), float(grid[-1])])
    return grid
