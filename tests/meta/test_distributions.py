"""The scipy.special tails and quantiles are scipy.stats' own, to the last bit, on and off the usual range."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from secretome.meta._distributions import chi2_isf, chi2_ppf, chi2_sf, norm_isf, norm_sf, t_isf, t_sf

X = np.array([-np.inf, -40.0, -3.7, -1.0, -0.0, 0.0, 1e-300, 0.3, 1.959963984540054, 8.5, 40.0, 1e300, np.inf, np.nan])
Q = np.array([0.0, 1e-300, 1e-12, 0.005, 0.025, 0.05, 0.3, 0.5, 0.8, 0.975, 1 - 1e-12, 1.0, np.nan])
DF = [1, 2, 3, 7.5, 29, 1000]


def test_normal_tail_and_quantile_are_scipy_stats():
    np.testing.assert_array_equal(norm_sf(X), stats.norm.sf(X))
    np.testing.assert_array_equal(norm_isf(Q), stats.norm.isf(Q))


@pytest.mark.parametrize("df", DF)
def test_t_tail_and_quantile_are_scipy_stats(df):
    np.testing.assert_array_equal(t_sf(X, df), stats.t.sf(X, df))
    np.testing.assert_array_equal(t_isf(Q, df), stats.t.isf(Q, df))


@pytest.mark.parametrize("df", DF)
def test_chi_square_tail_and_quantiles_are_scipy_stats(df):
    x = np.abs(X)  # the support; below it both give 1 (sf), checked on X itself
    np.testing.assert_array_equal(chi2_sf(x, df), stats.chi2.sf(x, df))
    np.testing.assert_array_equal(chi2_sf(X, df), stats.chi2.sf(X, df))
    np.testing.assert_array_equal(chi2_isf(Q, df), stats.chi2.isf(Q, df))
    np.testing.assert_array_equal(chi2_ppf(Q, df), stats.chi2.ppf(Q, df))


def test_scalars_stay_scalars_as_in_scipy_stats():
    assert float(chi2_sf(12.0407, 6)) == float(stats.chi2.sf(12.0407, 6))
    assert float(norm_isf(0.025)) == float(stats.norm.isf(0.025))
