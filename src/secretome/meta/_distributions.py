"""Tail probabilities and quantiles of the normal, t and chi-square distributions, from ``scipy.special``.

Each function is what the ``scipy.stats`` method of the same name computes: scipy's ``norm``, ``t`` and
``chi2`` call these very ``scipy.special`` functions (``scipy/stats/_continuous_distns.py``, ``norm_gen``,
``t_gen``, ``chi2_gen``), so the numbers are the same to the last bit; the two ends where scipy.stats' own
support handling differs are handled as it does (tests/meta/test_distributions.py). Why not ``scipy.stats``
itself: importing it takes about 0.6 s of CPU (it parses its distributions' docstrings at import), more than
the rest of a small ``secretome meta`` run, and the random-effects fit needs only these seven functions
(the start-up budget of issue 12; benchmarks/cli_startup.py).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["chi2_isf", "chi2_ppf", "chi2_sf", "norm_isf", "norm_sf", "t_isf", "t_sf"]


def norm_sf(x):
    """Upper tail of the standard normal, ``scipy.stats.norm.sf(x)``."""
    return special.ndtr(-x)


def norm_isf(q):
    """Upper-tail quantile of the standard normal, ``scipy.stats.norm.isf(q)``."""
    return -special.ndtri(q)


def t_sf(x, df):
    """Upper tail of Student's t with *df* degrees of freedom, ``scipy.stats.t.sf(x, df)``."""
    return special.stdtr(df, -x)


def t_isf(q, df):
    """Upper-tail quantile of Student's t, ``scipy.stats.t.isf(q, df)``."""
    # stdtrit(df, 0) is +inf where the quantile 0 is -inf; scipy.stats maps q = 0 to the upper end itself.
    return np.where(np.asarray(q) == 0, np.inf, -special.stdtrit(df, q))[()]


def chi2_sf(x, df):
    """Upper tail of the chi-square distribution, ``scipy.stats.chi2.sf(x, df)``."""
    # Below the support chdtrc is NaN and scipy.stats 1: clipping at 0 gives 1 there and leaves NaN as NaN.
    return special.chdtrc(df, np.maximum(x, 0.0))


def chi2_isf(q, df):
    """Upper-tail quantile of the chi-square distribution, ``scipy.stats.chi2.isf(q, df)``."""
    return special.chdtri(df, q)


def chi2_ppf(p, df):
    """Quantile of the chi-square distribution, ``scipy.stats.chi2.ppf(p, df)`` for ``0 < p < 1``."""
    return 2 * special.gammaincinv(df / 2, p)
