"""Profile likelihoods: the threshold against a published table; a quadratic whose profile is known in closed form,
and the refit from a profile."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

from secretome.model._profile_likelihood import chi2_threshold, profile_fit


def _residuals(x: np.ndarray) -> np.ndarray:
    # chi^2 = (x0 + x1 - 2)^2 + (x0 - x1)^2: minimum 0 at (1, 1); profiling x0 (x1 refitted) gives
    # 2 (x0 - 1)^2, so the 95% pointwise interval of x0 is 1 +- sqrt(3.841 / 2).
    return np.array([x[0] + x[1] - 2.0, x[0] - x[1]])


LO, HI = np.array([-5.0, -5.0]), np.array([5.0, 5.0])


def test_a_fit_stopped_short_is_refitted_from_its_profile_and_profiled_again():
    stopped = OptimizeResult(x=np.array([0.0, 2.0]), cost=0.5 * 4.0)  # chi^2 4, far from the optimum
    best, sides, notes = profile_fit(_residuals, stopped, LO, HI, (3.841,))
    assert 2.0 * best.cost == pytest.approx(0.0, abs=1e-8)
    assert best.x == pytest.approx([1.0, 1.0], abs=1e-4)
    assert len(notes) == 1
    assert "refitted from that point" in notes[0]
    (down, up) = sides[0]
    half = math.sqrt(3.841 / 2.0)
    assert down[1][0] == pytest.approx(1.0 - half, abs=0.05)  # linear interpolation between profile steps
    assert up[1][0] == pytest.approx(1.0 + half, abs=0.05)


def test_a_fit_at_the_optimum_is_profiled_once_without_notes():
    optimum = OptimizeResult(x=np.array([1.0, 1.0]), cost=0.0)
    best, _, notes = profile_fit(_residuals, optimum, LO, HI, (3.841,))
    assert best is optimum
    assert notes == []


def test_refits_stop_at_the_limit_and_say_the_estimates_are_not_the_optimum():
    stopped = OptimizeResult(x=np.array([0.0, 2.0]), cost=2.0)
    _, _, notes = profile_fit(_residuals, stopped, LO, HI, (3.841,), restarts=0)
    assert len(notes) == 1
    assert "not the optimum" in notes[0]


@pytest.mark.parametrize(("level", "df", "tabled"), [(0.95, 1, 3.841), (0.95, 2, 5.991), (0.99, 1, 6.635)])
def test_threshold_is_the_tabled_chi_square_quantile(level, df, tabled):
    # NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.4 (upper-tail critical values of chi-square).
    assert chi2_threshold(level, df) == pytest.approx(tabled, abs=5e-4)
