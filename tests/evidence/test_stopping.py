"""Stopping rules, checked on gain curves whose statistics are worked out by hand from the papers' formulas."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from secretome.errors import InputError
from secretome.evidence import first_stop, hypergeometric_stop, knee_stop


def test_knee_slope_ratio_by_hand():
    # 20 includes first, then 280 excludes: the knee is at rank 20 and
    # rho = (20 / 20) / ((20 - 20 + 1) / (300 - 20)) = 280 >= 156 - 20 (Cormack & Grossman 2016).
    decision = knee_stop(np.r_[np.ones(20), np.zeros(280)], 1000)
    assert decision.statistic == pytest.approx(280.0)
    assert decision.threshold == 136.0
    assert decision.stop
    # No include since the knee: nothing is expected among the 700 records left.
    assert decision.estimated_recall == 1.0


def test_knee_waits_for_150_records_and_a_steep_enough_knee():
    # rho = 280 again, but only 140 records screened (20 + 120): too early.
    assert not knee_stop(np.r_[np.ones(20), np.zeros(120)], 1000).stop
    # 10 includes, 90 excludes, then one include in every 20 records for 100 records: the knee is at
    # rank 10 (farthest above the chord to (200, 15)), rho = (10 / 10) / ((15 - 10 + 1) / (200 - 10)) = 31.7 < 141.
    y = np.r_[np.ones(10), np.zeros(90), np.tile([0] * 19 + [1], 5)]
    decision = knee_stop(y, 1000)
    assert decision.statistic == pytest.approx(190 / 6)
    assert not decision.stop
    # Extrapolated: 5 includes in the 190 records since the knee, 800 records left.
    assert decision.estimated_recall == pytest.approx(15 / (15 + 800 * 5 / 190))


def test_hypergeometric_p_value_by_hand():
    # 20 includes, then 580 excludes, of 1000. The best sample is the 580 excludes: the urn held
    # 1000 - 20 = 980 records and, were recall below 0.95, at least floor(20 / 0.95 - 20 + 1) = 2 includes;
    # P(0 of them among 580 draws) = C(400, 2) / C(980, 2) (Callaghan & Müller-Hansen 2020).
    decision = hypergeometric_stop(np.r_[np.ones(20), np.zeros(580)], 1000)
    assert decision.statistic == pytest.approx(comb(400, 2) / comb(980, 2), rel=1e-12)
    assert not decision.stop


def test_hypergeometric_stops_when_the_sample_rules_out_low_recall():
    # 880 excludes in a row: P = C(100, 2) / C(980, 2) = 0.0103 < 0.05.
    decision = hypergeometric_stop(np.r_[np.ones(20), np.zeros(880)], 1000)
    assert decision.statistic == pytest.approx(comb(100, 2) / comb(980, 2), rel=1e-12)
    assert decision.stop
    # The recall bound is the largest target still rejected at 5%: rejected at the bound, not just above it.
    assert 0.95 <= decision.estimated_recall < 1.0
    y = np.r_[np.ones(20), np.zeros(880)]
    assert hypergeometric_stop(y, 1000, recall_target=decision.estimated_recall).stop
    assert not hypergeometric_stop(y, 1000, recall_target=decision.estimated_recall + 0.002).stop


def test_rules_before_any_include_never_stop():
    for rule in (knee_stop, hypergeometric_stop):
        decision = rule(np.zeros(500), 1000)
        assert not decision.stop
        assert np.isnan(decision.estimated_recall)
        assert "no include" in decision.note


def test_first_stop_scans_a_whole_order():
    order = np.r_[np.ones(20), np.zeros(980)]
    knee = first_stop(order, "knee", step=10)
    assert knee is not None
    # rho = (20 / 20) / (1 / (s - 20)) = s - 20 reaches 156 - 20 = 136 at s = 156: the first check after is 160.
    assert knee.screened == 160
    assert first_stop(np.zeros(100), "hypergeometric") is None


@pytest.mark.parametrize(
    ("labels", "total", "field"),
    [([0, 2, 1], 10, "labels"), ([1, 0, 1], 2, "total")],
)
def test_bad_input_names_the_field(labels, total, field):
    with pytest.raises(InputError) as caught:
        knee_stop(labels, total)
    assert caught.value.field == field


def test_bad_recall_target_is_refused():
    with pytest.raises(InputError, match="recall_target"):
        hypergeometric_stop([1, 0], 10, recall_target=1.5)
