"""Virtual subjects: assumed parameters drawn from their prior ranges."""

from __future__ import annotations

import numpy as np

from secretome._limits import MAX_SUBJECTS, check_seed, check_subjects
from secretome.model._spec import Model

__all__ = ["draw_subjects"]


def draw_subjects(model: Model, n: int, *, seed: int = 0, maximum: int = MAX_SUBJECTS) -> dict[str, np.ndarray]:
    """Draw *n* values of every assumed parameter from its prior; sourced parameters stay fixed.

    A prior with a positive lower bound is sampled log-uniformly (rate constants and half-saturation
    constants vary over orders of magnitude); one starting at 0 is sampled uniformly.

    Parameters
    ----------
    model : Model
        The model whose assumed parameters are drawn.
    n : int
        Number of subjects (>= 1).
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    maximum : int
        The largest *n* accepted: :data:`~secretome._limits.MAX_SUBJECTS` for draws that are simulated
        whole, :data:`~secretome._limits.MAX_COHORT_SUBJECTS` for a cohort, which streams them.

    Returns
    -------
    dict of str to ndarray
        ``parameters=`` for :func:`secretome.model.simulate`.

    >>> from secretome.model import preset
    >>> draws = draw_subjects(preset("rat-mia"), 3)
    >>> len(draws["k_G"]), bool(np.all((draws["k_G"] >= 0.005) & (draws["k_G"] <= 0.5)))
    (3, True)
    """
    check_subjects(n, maximum=maximum)
    check_seed(seed)
    rng = np.random.default_rng(seed)
    draws = {}
    for p in model.parameters:
        if not p.assumed or p.prior is None:
            continue
        low, high = p.prior
        if low > 0:
            draws[p.name] = np.exp(rng.uniform(np.log(low), np.log(high), size=n))
        else:
            draws[p.name] = rng.uniform(low, high, size=n)
    return draws
