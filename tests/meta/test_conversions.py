"""Conversions checked by hand arithmetic from the published formulas (metafor 3.8 has none of them).

Formulas: Cochrane Handbook chapter 6 (6.5.2.2 SE/CI to SD, 6.5.2.8 change-score SD),
https://training.cochrane.org/handbook/current/chapter-06; Wan et al. 2014 (SD from quantiles),
doi:10.1186/1471-2288-14-135; Luo et al. 2018 (mean from quantiles), doi:10.1177/0962280216669183, as
implemented in R's meta package (metasens R/mean-sd-internal.R, read via the code search: "Luo et al. (2018),
equation (15)" and "Wan et al. (2014), equations (7) and (9)") and in metaBLUE's Luo.mean
(https://rdrr.io/cran/metaBLUE/src/R/BLUE.R).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from secretome.errors import InputError
from secretome.meta import mean_sd_from_quantiles, sd_change, sd_from_ci, sd_from_se, split_shared_control
from secretome.meta._conversions import _eta, _expected_order_statistic, _xi


def test_sd_from_se_is_se_times_root_n():
    # Handbook 6.5.2.2: SD = SE * sqrt(N)
    assert sd_from_se([0.5, 1.2], [16, 10]).tolist() == pytest.approx([0.5 * 4, 1.2 * math.sqrt(10)])
    assert sd_from_se([0.5, 1.0], 25).tolist() == pytest.approx([2.5, 5.0])  # one n broadcasts


def test_sd_from_ci_large_sample_uses_3_92():
    # Handbook 6.5.2.2: SD = sqrt(N) * (upper - lower) / 3.92 for a 95% CI of a mean in a large sample
    got = sd_from_ci([10.0], [14.0], [400], distribution="z")
    assert got[0] == pytest.approx(20 * 4 / (2 * 1.959963984540054), rel=1e-12)
    assert got[0] == pytest.approx(20 * 4 / 3.92, rel=1e-4)


def test_sd_from_ci_small_sample_uses_t():
    # Handbook 6.5.2.2: for small samples replace 3.92 by 2 * t(0.975, N - 1); t(0.975, 9) = 2.262157 (t tables)
    got = sd_from_ci([10.0], [14.0], [10])
    assert got[0] == pytest.approx(math.sqrt(10) * 4 / (2 * 2.262157), rel=1e-6)
    # a 90% interval: t(0.95, 19) = 1.729133
    assert sd_from_ci([1.0], [3.0], [20], level=0.90)[0] == pytest.approx(math.sqrt(20) * 2 / (2 * 1.729133), rel=1e-6)


def test_sd_change_follows_the_handbook():
    # Handbook 6.5.2.8: SD_change = sqrt(SD_b^2 + SD_f^2 - 2 Corr SD_b SD_f)
    got = sd_change([3.0, 3.0, 2.0], [4.0, 4.0, 2.0], [0.5, 0.0, 1.0])
    assert got.tolist() == pytest.approx([math.sqrt(13), 5.0, 0.0])


def test_xi_is_wans_table_1():
    # Wan et al. 2014, Table 1 (values of xi(n) for n <= 50), read at
    # https://bmcmedresmethodol.biomedcentral.com/articles/10.1186/1471-2288-14-135/tables/1
    table = {2: 1.128, 3: 1.693, 5: 2.326, 10: 3.078, 11: 3.173, 20: 3.735, 30: 4.086, 41: 4.341, 50: 4.498}
    got = _xi(np.array(list(table), dtype=float))
    assert got == pytest.approx(list(table.values()), abs=5e-4)


def test_expected_normal_order_statistics_are_consistent():
    # invariants of E[Z_(r:m)] behind eta(n) (Wan's Table 2, not readable here): symmetry about 0 and
    # sum_r E[Z_(r:m)] = E[sum of m standard normal values] = 0; eta(5) uses r = 4 of m = 5.
    m = 9
    values = [_expected_order_statistic(r, m) for r in range(1, m + 1)]
    assert sum(values) == pytest.approx(0.0, abs=1e-10)
    assert values == pytest.approx([-x for x in reversed(values)], abs=1e-10)
    assert _eta(np.array([5.0]))[0] == pytest.approx(2 * _expected_order_statistic(4, 5), rel=1e-12)
    assert _eta(np.array([6.0]))[0] == pytest.approx(2 * _expected_order_statistic(7, 9), rel=1e-12)  # Q = 2


def test_xi_and_eta_use_blom_above_the_tables():
    # Wan et al. eq. 9 and 16: 2 Phi^-1((n - 0.375)/(n + 0.25)) and 2 Phi^-1((0.75 n - 0.125)/(n + 0.25))
    n = np.array([51.0, 400.0])
    assert _xi(n) == pytest.approx(2 * stats.norm.ppf((n - 0.375) / (n + 0.25)), rel=1e-12)
    m = np.array([202.0, 1000.0])
    assert _eta(m) == pytest.approx(2 * stats.norm.ppf((0.75 * m - 0.125) / (m + 0.25)), rel=1e-12)
    # the exact value at the end of Table 2 (n = 201) is close to Blom's approximation
    assert _eta(np.array([201.0]))[0] == pytest.approx(2 * stats.norm.ppf((0.75 * 201 - 0.125) / 201.25), abs=1e-3)


def test_c1_mean_matches_luo_and_metablue_example():
    # Luo C1: w = 4 / (4 + n^0.75); mean = w (a + b)/2 + (1 - w) m. metaBLUE's Luo.mean(c(1, 4, 10), 30, "S1")
    # prints 4.356748 (https://rdrr.io/cran/metaBLUE/man/Luo.mean.html).
    est = mean_sd_from_quantiles([30], median=[4.0], minimum=[1.0], maximum=[10.0])
    w = 4 / (4 + 30**0.75)
    assert est.scenario == "C1"
    assert est.mean[0] == pytest.approx(w * 5.5 + (1 - w) * 4.0, rel=1e-12)
    assert est.mean[0] == pytest.approx(4.356748, abs=1e-6)
    # Wan C1: SD = (b - a) / xi(30), xi(30) = 4.086 in Table 1
    assert est.sd[0] == pytest.approx(9 / 4.086, rel=2e-4)


def test_c2_follows_luo_and_wan():
    n, a, q1, m, q3, b = 400, 2.0, 5.0, 7.0, 10.0, 20.0
    est = mean_sd_from_quantiles([n], median=[m], minimum=[a], maximum=[b], q1=[q1], q3=[q3])
    w1, w2 = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
    xi = 2 * stats.norm.ppf((n - 0.375) / (n + 0.25))
    eta = 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    assert est.scenario == "C2"
    assert est.mean[0] == pytest.approx(w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m, rel=1e-12)
    assert est.sd[0] == pytest.approx(((b - a) / xi + (q3 - q1) / eta) / 2, rel=1e-12)


def test_c3_follows_luo_and_wan():
    n, q1, m, q3 = 1000, 8.0, 10.0, 13.0
    est = mean_sd_from_quantiles([n], median=[m], q1=[q1], q3=[q3])
    w = 0.7 + 0.39 / n
    assert est.scenario == "C3"
    assert est.mean[0] == pytest.approx(w * (q1 + q3) / 2 + (1 - w) * m, rel=1e-12)
    assert est.sd[0] == pytest.approx((q3 - q1) / (2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))), rel=1e-12)


def test_symmetric_normal_quantiles_give_back_mean_and_sd():
    # an invariant: the population quantiles of N(5, 2^2) at large n give mean 5 and SD close to 2
    n, z = 10_000, stats.norm.ppf(0.75)
    est = mean_sd_from_quantiles([n], median=[5.0], q1=[5 - 2 * z], q3=[5 + 2 * z])
    assert est.mean[0] == pytest.approx(5.0, rel=1e-12)
    assert est.sd[0] == pytest.approx(2.0, rel=1e-3)


def test_quantile_estimate_views():
    est = mean_sd_from_quantiles([30, 40], median=[4.0, 5.0], minimum=[1.0, 2.0], maximum=[10.0, 9.0])
    assert est.to_frame().columns.tolist() == ["n", "mean", "sd"]
    assert len(est.to_frame()) == 2
    assert "scenario C1" in est.summary()
    assert est.to_dict()["scenario"] == "C1"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sd_from_se([0.5, float("nan")], [10, 10]), r"row 2, field 'se': is missing"),
        (lambda: sd_from_se([0.5, -0.1], [10, 10]), r"row 2, field 'se': standard error must be > 0"),
        (lambda: sd_from_se([0.5], [1]), r"row 1, field 'n': sample size must be >= 2 \(got 1.0\)"),
        (lambda: sd_from_se([0.5], [10.5]), r"row 1, field 'n': sample size must be a whole number"),
        (lambda: sd_from_se([0.5, 0.4], [10, 10, 10]), r"field 'n': has 3 values but the other columns have 2"),
        (lambda: sd_from_ci([3.0], [1.0], [10]), r"row 1, field 'upper': upper confidence limit must exceed"),
        (lambda: sd_from_ci([1.0], [3.0], [10], level=95), r"field 'level': must be a proportion"),
        (lambda: sd_from_ci([1.0], [3.0], [10], distribution="normal"), r"field 'distribution': must be one of"),
        (lambda: sd_change([3.0], [0.0], 0.5), r"row 1, field 'sd_final': standard deviation must be > 0"),
        (lambda: sd_change([3.0], [4.0], 1.5), r"row 1, field 'corr': correlation must be in \[-1, 1\]"),
        (
            lambda: mean_sd_from_quantiles([10, 10], median=[5.0, 4.0], q1=[4.0, 4.5], q3=[6.0, 6.0]),
            r"row 2, field 'median': must be >= q1 \(quantiles out of order\)",
        ),
        (
            lambda: mean_sd_from_quantiles([10], median=[5.0], minimum=[1.0], maximum=[4.0]),
            r"row 1, field 'maximum': must be >= median",
        ),
        (
            lambda: mean_sd_from_quantiles([10], median=[5.0], q1=[5.0], q3=[5.0]),
            r"row 1, field 'q3': must be > q1",
        ),
        (
            lambda: mean_sd_from_quantiles([10], median=[5.0], minimum=[1.0]),
            r"field 'maximum': is needed together with 'minimum'",
        ),
        (lambda: mean_sd_from_quantiles([10], median=[5.0]), r"field 'median': needs the range"),
        (
            lambda: mean_sd_from_quantiles([1], median=[5.0], q1=[4.0], q3=[6.0]),
            r"row 1, field 'n': sample size must be >= 2",
        ),
        (
            lambda: mean_sd_from_quantiles([10], median=["n/a"], q1=[4.0], q3=[6.0]),
            r"row 1, field 'median': is not a number \(got 'n/a'\)",
        ),
    ],
)
def test_bad_input_names_row_and_field(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_split_shared_control_divides_each_shared_group_by_its_rows():
    # Hand arithmetic: two arms share a control of 12 (6 each); three share one of 9 (3 each).
    got = split_shared_control([12, 12, 10, 9, 9, 9], ["a", "a", "b", "c", "c", "c"])
    assert got.tolist() == [6.0, 6.0, 10.0, 3.0, 3.0, 3.0]
    assert not got.flags.writeable


@pytest.mark.parametrize(
    ("n", "control", "message"),
    [
        ([12, 10], ["a", "a"], r"row 2, field 'n': rows 1 and 2 share control 'a' but state different sizes"),
        ([12, 12], ["a", None], r"row 2, field 'control': missing control-group label"),
        ([0, 12], ["a", "b"], r"row 1, field 'n': sample size must be > 0"),
        ([12, 12], ["a"], r"field 'control': needs one label per row \(2\)"),
    ],
)
def test_split_shared_control_bad_input_names_row_and_field(n, control, message):
    with pytest.raises(InputError, match=message):
        split_shared_control(n, control)
