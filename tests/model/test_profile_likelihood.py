"""The profile-likelihood threshold is the chi-square quantile, against a published table."""

from __future__ import annotations

import pytest

from secretome.model._profile_likelihood import chi2_threshold


@pytest.mark.parametrize(("level", "df", "tabled"), [(0.95, 1, 3.841), (0.95, 2, 5.991), (0.99, 1, 6.635)])
def test_threshold_is_the_tabled_chi_square_quantile(level, df, tabled):
    # NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.4 (upper-tail critical values of chi-square).
    assert chi2_threshold(level, df) == pytest.approx(tabled, abs=5e-4)
