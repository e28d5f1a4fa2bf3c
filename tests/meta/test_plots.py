"""The plots hold what metafor's forest, funnel and regplot show, with numbers from the fitted results."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from count_cases import fit_forest_case
from metafor_fixtures import load_cases

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import (
    forest_plot,
    funnel_plot,
    meta_regression,
    multilevel,
    random_effects,
    regression_plot,
    subgroups,
)
from secretome.meta._plots import _regression_lines

BCG = next(c for c in load_cases("rma_uni") if c["id"] == "bcg-REML-z")
LABELS = [f"Trial {i}" for i in range(1, 14)]


def _texts(svg: bytes) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text") if t.text]


def test_forest_plot_shows_every_study_and_the_pooled_estimate():
    svg = forest_plot(random_effects(BCG["yi"], BCG["vi"], labels=LABELS))
    texts = _texts(svg)
    assert set(LABELS) <= set(texts)
    assert "RE Model" in texts
    # R: print(rma(yi, vi)) gives -0.7145 [-1.0669, -0.3622]; forest(res) prints it with 2 decimals.
    assert "-0.71 [-1.07, -0.36]" in texts
    assert "-0.89 [-2.01, 0.23]" in texts  # R: summary(escalc(...))[1, c("yi", "ci.lb", "ci.ub")]
    ids = {e.get("id") for e in ET.fromstring(svg).iter() if e.get("id")}
    assert {f"study-{i}" for i in range(1, 14)} | {f"study-ci-{i}" for i in range(1, 14)} <= ids
    assert {"pooled", "prediction-interval"} <= ids


def test_equal_effects_plot_has_no_prediction_interval():
    svg = forest_plot(random_effects(BCG["yi"], BCG["vi"], method="EE"))
    assert "EE Model" in _texts(svg)
    ids = {e.get("id") for e in ET.fromstring(svg).iter() if e.get("id")}
    assert "pooled" in ids
    assert "prediction-interval" not in ids


def test_plot_is_written_whole_and_reproducibly(tmp_path):
    res = random_effects(BCG["yi"], BCG["vi"])
    first = forest_plot(res, tmp_path / "a.svg")
    assert (tmp_path / "a.svg").read_bytes() == first == forest_plot(res)
    assert forest_plot(res, tmp_path / "a.pdf").startswith(b"%PDF")


def test_unknown_suffix_is_refused():
    with pytest.raises(InputError, match=r"field 'path': the forest plot is written as .svg or .pdf \(got 'f.png'\)"):
        forest_plot(random_effects(BCG["yi"], BCG["vi"]), "f.png")


def test_funnel_plot_has_every_study_the_region_and_the_estimate():
    svg = funnel_plot(random_effects(BCG["yi"], BCG["vi"]))
    ids = {e.get("id") for e in ET.fromstring(svg).iter() if e.get("id")}
    assert {f"study-{i}" for i in range(1, 14)} | {"funnel-region", "pooled"} <= ids
    assert "Standard Error" in _texts(svg)


def test_funnel_plot_refuses_an_unknown_suffix():
    with pytest.raises(InputError, match=r"field 'path': the funnel plot is written as .svg or .pdf"):
        funnel_plot(random_effects(BCG["yi"], BCG["vi"]), "f.jpg")


def test_contour_enhanced_funnel_plot_shades_significance_regions():
    # Peters et al. 2008 / metafor's funnel(res, level = c(90, 95, 99), refline = 0): regions around 0, not the estimate
    svg = funnel_plot(random_effects(BCG["yi"], BCG["vi"]), contours=(0.95, 0.90, 0.99))
    root = ET.fromstring(svg)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert {"contour-0.9", "contour-0.95", "contour-0.99", "contour-inner", "pooled"} <= set(ids)
    assert "funnel-region" not in ids
    assert sum(1 for i in ids if i.startswith("study-")) == len(BCG["yi"])  # every study drawn once
    texts = _texts(svg)
    assert {"p < 0.01", "0.01 < p < 0.05", "0.05 < p < 0.1", "p > 0.1"} <= set(texts)


@pytest.mark.parametrize("contours", [(0.9, 1.2), (0.95, 0.95), ()])
def test_contour_levels_are_checked(contours):
    with pytest.raises(InputError, match=r"field 'contours'"):
        funnel_plot(random_effects(BCG["yi"], BCG["vi"]), contours=contours)


# ---- weights, subgroups (forest_plot of a SubgroupResult) and regression_plot ----------------------

SVG = "{http://www.w3.org/2000/svg}"
SUBGROUPS = {c["id"]: c for c in load_cases("subgroups")}
SEPARATE = {c["id"]: c for c in load_cases("subgroups_separate")}
MODS = {c["id"]: c for c in load_cases("rma_mods")}


def _by_id(svg: bytes) -> dict[str, ET.Element]:
    return {e.get("id"): e for e in ET.fromstring(svg).iter() if e.get("id")}


def _text_of(element: ET.Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{SVG}text"))


def _weights(svg: bytes, k: int) -> list[float]:
    found = _by_id(svg)
    texts = [_text_of(found[f"weight-{i}"]) for i in range(1, k + 1)]
    assert all(t.endswith("%") for t in texts)
    return [float(t.rstrip("%")) for t in texts]


def test_forest_plot_weights_are_percentages_that_sum_to_100():
    svg = forest_plot(random_effects(BCG["yi"], BCG["vi"], labels=LABELS))
    shown = _weights(svg, 13)
    # Each is printed with 2 decimals (metafor's showweights), so the sum is 100 up to 13 roundings.
    assert sum(shown) == pytest.approx(100, abs=13 * 0.005)
    assert _text_of(_by_id(svg)["weight-pooled"]) == "100.00%"
    assert b">Weight<" in svg
    assert b'id="weight-1"' not in forest_plot(random_effects(BCG["yi"], BCG["vi"]), weights=False)


def test_forest_plot_heterogeneity_line_comes_from_the_model():
    svg = forest_plot(random_effects(BCG["yi"], BCG["vi"]))
    # R: rma(yi, vi, data=dat.bcg): tau^2 = 0.3132, I^2 = 92.22%, Q(df = 12) = 152.2330, p < .0001
    line = _text_of(_by_id(svg)["heterogeneity"])
    assert line == (
        f"Heterogeneity: τ² = {BCG['tau2']:.2f}; I² = {BCG['I2']:.1f}%; Q = {BCG['Q']:.2f}, df = 12, p < 0.001"
    )


@pytest.fixture(scope="module")
def bcg_by_alloc() -> tuple[dict, bytes]:
    case = SUBGROUPS["bcg-alloc-REML-z"]
    res = subgroups(case["yi"], case["vi"], case["group"], labels=LABELS)
    return case, forest_plot(res)


def test_subgroup_forest_has_a_row_per_study_in_its_block(bcg_by_alloc):
    case, svg = bcg_by_alloc
    found = _by_id(svg)
    assert {f"study-{i}" for i in range(1, 14)} | {f"study-ci-{i}" for i in range(1, 14)} <= set(found)
    assert not {"study-0", "study-14"} & set(found)
    # Texts are drawn in row order: each heading, then its studies (label, weight, estimate [CI]),
    # then its model's row.
    texts = _texts(svg)
    for level, expected in zip(("alternate", "random", "systematic"), case["subgroups"], strict=True):
        members = [label for label, group in zip(LABELS, case["group"], strict=True) if group == level]
        block = texts[texts.index(level) + 1 : texts.index(f"RE Model for {level} (k = {expected['k']})")]
        assert [t for t in block if t in LABELS] == members
        assert len(block) == 3 * len(members)


def test_subgroup_forest_has_a_diamond_per_subgroup_from_the_fits(bcg_by_alloc):
    case, svg = bcg_by_alloc
    found, texts = _by_id(svg), _texts(svg)
    for j, expected in enumerate(case["subgroups"], 1):
        # R: rma(yi, vi, subset = alloc == level, data = dat.bcg), printed with 2 decimals as forest()
        assert f"subgroup-{j}" in found
        assert f"{expected['estimate']:.2f} [{expected['ci_lb']:.2f}, {expected['ci_ub']:.2f}]" in texts
        het = _text_of(found[f"heterogeneity-{j}"])
        assert het.startswith(
            f"Heterogeneity: τ² = {expected['tau2']:.2f}; I² = {expected['I2']:.1f}%; "
            f"Q = {expected['Q']:.2f}, df = {expected['k'] - 1}, p "
        )
    assert "subgroup-4" not in found


def test_subgroup_forest_ends_with_the_overall_model_and_the_test_between(bcg_by_alloc):
    case, svg = bcg_by_alloc
    found, texts = _by_id(svg), _texts(svg)
    assert {"pooled", "prediction-interval", "heterogeneity"} <= set(found)
    assert "RE Model for all studies (k = 13)" in texts
    # R: rma(yi, vi, data=dat.bcg): -0.7145 [-1.0669, -0.3622]
    assert f"{BCG['estimate']:.2f} [{BCG['ci_lb']:.2f}, {BCG['ci_ub']:.2f}]" in texts
    # R: rma(yi, vi, mods = ~ factor(alloc), data = dat.bcg): QM(df = 2) = 1.7675, p-val = 0.4132
    expected = f"Test for subgroup differences: QM = {case['QM']:.2f}, df = 2, p = {case['QM_pval']:.3f}"
    assert _text_of(found["subgroup-test"]) == expected
    assert texts[-1] == expected
    assert sum(_weights(svg, 13)) == pytest.approx(100, abs=13 * 0.005)


@pytest.mark.parametrize(
    ("source", "case_id", "expected"),
    [
        # R: rma(yi, vi, mods = ~ factor(alloc), test = "knha"): F(df1 = 2, df2 = 10)
        ("moderator", "bcg-alloc-REML-knha", "F = {QM:.2f}, df1 = 2, df2 = 10, p = {QM_pval:.3f}"),
        # R: rma(estimates, sei = ses, method = "FE")$QE over the subgroup models
        ("separate", "bcg-REML-z", "Q-between = {Q_between:.2f}, df = 2, p = {Q_between_pval:.3f}"),
    ],
)
def test_subgroup_forest_prints_the_test_that_was_done(source, case_id, expected):
    case = (SUBGROUPS if source == "moderator" else SEPARATE)[case_id]
    res = subgroups(case["yi"], case["vi"], case["group"], test=case["test"], between=source)
    text = _text_of(_by_id(forest_plot(res))["subgroup-test"])
    assert text == "Test for subgroup differences: " + expected.format(**case)


def test_subgroup_forest_of_fixed_effects_has_no_prediction_interval(tmp_path):
    case = SUBGROUPS["bcg-alloc-FE-z"]
    res = subgroups(case["yi"], case["vi"], case["group"], method="FE")
    svg = forest_plot(res)
    assert "FE Model for random (k = 7)" in _texts(svg)
    assert "prediction-interval" not in _by_id(svg)
    assert "τ²" not in _text_of(_by_id(svg)["heterogeneity-1"])
    data = forest_plot(res, tmp_path / "sub.pdf")
    assert data.startswith(b"%PDF")
    assert (tmp_path / "sub.pdf").read_bytes() == data


def _markers(svg: bytes, k: int) -> np.ndarray:
    found = _by_id(svg)
    uses = [next(found[f"study-{i}"].iter(f"{SVG}use")) for i in range(1, k + 1)]
    return np.array([[float(u.get("x")), float(u.get("y"))] for u in uses])


def _path_points(element: ET.Element) -> np.ndarray:
    d = next(element.iter(f"{SVG}path")).get("d")
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return np.array(numbers).reshape(-1, 2)


def test_regression_plot_line_is_the_models_prediction():
    # R: res <- rma(yi, vi, mods = ~ ablat + year, data = dat.bcg); regplot(res, mod = "ablat")
    case = MODS["bcg-ablat-year-REML-z"]
    x = np.array(case["X"], dtype=float)
    res = meta_regression(case["yi"], case["vi"], x[:, 1:], names=["ablat", "year"])
    svg = regression_plot(res, case["yi"], case["vi"], x[:, 1:], names=["ablat", "year"], moderator="ablat")
    # The study points fix the map from data to SVG coordinates (one scale and offset per axis).
    drawn = _markers(svg, 13)
    ax, bx = np.polyfit(x[:, 1], drawn[:, 0], 1)
    ay, by = np.polyfit(case["yi"], drawn[:, 1], 1)
    np.testing.assert_allclose(ax * x[:, 1] + bx, drawn[:, 0], atol=1e-3)
    line = _path_points(_by_id(svg)["fitted-line"])
    ablat, fitted = (line[:, 0] - bx) / ax, (line[:, 1] - by) / ay
    # metafor's regplot holds the other moderators at their means: b0 + b1 * ablat + b2 * mean(year).
    b0, b1, b2 = case["beta"]
    np.testing.assert_allclose(fitted, b0 + b1 * ablat + b2 * x[:, 2].mean(), atol=1e-4)
    span = np.ptp(x[:, 1])
    assert ablat.min() == pytest.approx(x[:, 1].min() - 0.04 * span, abs=1e-3)
    assert ablat.max() == pytest.approx(x[:, 1].max() + 0.04 * span, abs=1e-3)
    assert {"ci-band", "prediction-band"} <= set(_by_id(svg))


def test_regression_bands_follow_the_coefficients_and_nest():
    # R: rma(yi, vi, mods = ~ ablat + year, test = "knha", data = dat.bcg)
    case = MODS["bcg-ablat-year-REML-knha"]
    x = np.column_stack([np.ones(13), np.array(case["X"], dtype=float)[:, 1:]])
    res = meta_regression(case["yi"], case["vi"], x[:, 1:], names=["ablat", "year"], test="knha")
    grid, pred, ci_lb, ci_ub, pi_lb, pi_ub = _regression_lines(res, np.array(case["yi"]), np.array(case["vi"]), x, 1)
    b0, b1, b2 = case["beta"]
    np.testing.assert_allclose(pred, b0 + b1 * grid + b2 * x[:, 2].mean(), rtol=1e-9)
    assert pi_lb is not None
    assert pi_ub is not None
    assert np.all((pi_lb < ci_lb) & (ci_lb < pred) & (pred < ci_ub) & (ci_ub < pi_ub))
    # The CI is narrowest near the centre of the data and symmetric about the line.
    np.testing.assert_allclose(pred - ci_lb, ci_ub - pred)
    assert grid[np.argmin(ci_ub - ci_lb)] == pytest.approx(x[:, 1].mean(), abs=0.2 * np.ptp(x[:, 1]))


def test_regression_plot_of_fixed_effects_has_no_prediction_band(tmp_path):
    case = MODS["bcg-ablat-year-FE-z"]
    x = np.array(case["X"], dtype=float)[:, 1:]
    res = meta_regression(case["yi"], case["vi"], x, method="FE", names=["ablat", "year"])
    svg = regression_plot(res, case["yi"], case["vi"], x, names=["ablat", "year"], moderator="year")
    assert "ci-band" in _by_id(svg)
    assert "prediction-band" not in _by_id(svg)
    assert "year" in _texts(svg)
    data = regression_plot(
        res, case["yi"], case["vi"], x, tmp_path / "r.pdf", names=["ablat", "year"], moderator="year"
    )
    assert data.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("case_id", "names", "moderator", "message"),
    [
        ("bcg-ablat-year-REML-z", ["ablat", "year"], None, r"field 'moderator': the model has 2 moderators"),
        ("bcg-ablat-year-REML-z", ["ablat", "year"], "alloc", r"field 'moderator': is not a moderator .*'ablat'"),
        ("bcg-alloc-REML-z", ["random", "systematic"], "random", r"field 'moderator': is a factor \(a 0/1 dummy\)"),
    ],
)
def test_regression_plot_needs_a_continuous_moderator_of_the_model(case_id, names, moderator, message):
    case = MODS[case_id]
    x = np.array(case["X"], dtype=float)[:, 1:]
    res = meta_regression(case["yi"], case["vi"], x, names=names)
    with pytest.raises(InputError, match=message):
        regression_plot(res, case["yi"], case["vi"], x, names=names, moderator=moderator)


def test_regression_plot_refuses_data_the_result_was_not_fitted_to():
    case = MODS["bcg-ablat-year-REML-z"]
    x = np.array(case["X"], dtype=float)[:, 1:]
    res = meta_regression(case["yi"], case["vi"], x, names=["ablat", "year"])
    shifted = [y + 0.1 for y in case["yi"]]
    with pytest.raises(InputError, match=r"field 'yi': are not the data the result was fitted to"):
        regression_plot(res, shifted, case["vi"], x, names=["ablat", "year"], moderator="ablat")
    with pytest.raises(InputError, match=r"field 'mods': are not the moderators the result was fitted to"):
        regression_plot(res, case["yi"], case["vi"], x[:, :1], names=["ablat"])


# ---- models with moderators, three-level models and subgroups: forest and funnel ------------------
# Reference values: tools/metafor_reference.R, section "plots" (tests/fixtures/metafor/plots.json).

PLOTS = {c["id"]: c for c in load_cases("plots")}


def _fit(case_id: str, **kwargs):
    """The model of a plots.json case: rma with moderators, rma.mv, or subgroups (bcg by alloc)."""
    case = PLOTS[case_id]
    x = np.array(case["X"], dtype=float)
    if case_id.startswith("konstantopoulos2011"):
        mods = {"mods": x[:, 1:], "names": case["coef_names"][1:]} if x.shape[1] > 1 else {}
        return multilevel(case["yi"], case["vi"], case["study"], case["es_id"], test=case["test"], **mods, **kwargs)
    if case_id.startswith("bcg-alloc"):
        return subgroups(case["yi"], case["vi"], SUBGROUPS["bcg-alloc-REML-z"]["group"], **kwargs)
    return meta_regression(case["yi"], case["vi"], x[:, 1:], names=case["coef_names"][1:], test=case["test"], **kwargs)


def _affine(data: list[float], drawn: np.ndarray) -> tuple[float, float]:
    """The map ``drawn = a * data + b`` of one axis; asserts that every point lies on it."""
    a, b = np.polyfit(data, drawn, 1)
    np.testing.assert_allclose(a * np.asarray(data) + b, drawn, atol=1e-3)
    return a, b


@pytest.mark.parametrize(
    "case_id", ["bcg-ablat-year-REML-z", "bcg-ablat-year-REML-knha", "konstantopoulos2011-year-REML-t"]
)
def test_forest_of_a_model_with_moderators_draws_each_fitted_value(case_id):
    # R: forest(res) for res <- rma(yi, vi, mods = ~ ablat + year, data = dat.bcg, test=) or
    # rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, test = "t"): per study a grey polygon
    # from predict(res)$ci.lb through fitted(res) to $ci.ub, in the study's row; no overall polygon.
    case = PLOTS[case_id]
    k = len(case["yi"])
    svg = forest_plot(_fit(case_id))
    found = _by_id(svg)
    squares = _markers(svg, k)
    ax, bx = _affine(case["yi"], squares[:, 0])
    for i in range(1, k + 1):
        corners = _path_points(found[f"fitted-{i}"])[:4]
        lb, fit, ub, fit_again = (corners[:, 0] - bx) / ax
        expected = (case["fitted_ci_lb"][i - 1], case["fitted"][i - 1], case["fitted_ci_ub"][i - 1])
        np.testing.assert_allclose((lb, fit, ub, fit_again), (*expected, expected[1]), atol=1e-4)
        # The polygon sits in the study's own row: its left and right corners at the square's height.
        np.testing.assert_allclose(corners[[0, 2], 1], squares[i - 1, 1], atol=1e-3)
    assert f"fitted-{k + 1}" not in found
    assert not {"pooled", "prediction-interval", "weight-pooled"} & set(found)
    assert _weights(svg, k) == pytest.approx(case["weights"], abs=0.005)  # R: weights(res), 2 decimals


def test_forest_of_a_meta_regression_prints_residual_heterogeneity_and_the_moderator_test():
    # R: print(rma(yi, vi, mods = ~ ablat + year, data = dat.bcg, test=)): tau^2, I^2, QE(df = 10), and QM(df = 2)
    # for test = "z" or F(df1 = 2, df2 = 10) for "knha" (values from rma_mods.json), with forest's 2 decimals.
    for test in ("z", "knha"):
        expected, res = MODS[f"bcg-ablat-year-REML-{test}"], _fit(f"bcg-ablat-year-REML-{test}", labels=LABELS)
        svg = forest_plot(res)
        found, texts = _by_id(svg), _texts(svg)
        assert set(LABELS) <= set(texts)
        assert _text_of(found["heterogeneity"]) == (
            f"Residual heterogeneity: τ² = {expected['tau2']:.2f}; I² = {expected['I2']:.1f}%; "
            f"QE = {expected['QE']:.2f}, df = 10, p = {expected['QE_pval']:.3f}"
        )
        test_text = (
            f"QM = {expected['QM']:.2f}, df = 2" if test == "z" else f"F = {expected['QM']:.2f}, df1 = 2, df2 = 10"
        )
        assert _text_of(found["moderator-test"]) == f"Test of moderators: {test_text}, p = {expected['QM_pval']:.3f}"
        # The annotations are the observed effects, as metafor's: R: summary(escalc(...))[1, c("yi", "ci.lb", "ci.ub")]
        assert "-0.89 [-2.01, 0.23]" in texts


def test_forest_of_a_three_level_model_has_a_row_per_effect_size_and_its_pooled_diamond():
    # R: res <- rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011); forest(res):
    # 56 rows, the polygon at b = fitted(res) from ci.lb to ci.ub; weights(res) is the diagonal of V^-1.
    case = PLOTS["konstantopoulos2011-REML-z"]
    expected = next(c for c in load_cases("rma_mv") if c["id"] == "konstantopoulos2011-REML-z")
    res = _fit("konstantopoulos2011-REML-z")
    svg = forest_plot(res)
    found = _by_id(svg)
    squares = {i for i in found if re.fullmatch(r"study-\d+", i)}
    assert squares == {f"study-{i}" for i in range(1, 57)}
    assert {f"study-ci-{i}" for i in range(1, 57)} <= set(found)
    ax, bx = _affine(case["yi"], _markers(svg, 56)[:, 0])
    lb, mid, ub, _ = (_path_points(found["pooled"])[:4, 0] - bx) / ax
    assert len(set(case["fitted"])) == 1  # the intercept-only model fits every row with b
    np.testing.assert_allclose((lb, mid, ub), (case["fitted_ci_lb"][0], case["fitted"][0], case["fitted_ci_ub"][0]),
                               atol=1e-4)  # fmt: skip
    assert "prediction-interval" not in found
    assert _weights(svg, 56) == pytest.approx(case["weights"], abs=0.005)
    s1, s2 = expected["sigma2"]
    assert _text_of(found["heterogeneity"]) == (
        f"Heterogeneity: σ² = {s1:.2f} (between studies), {s2:.2f} (within studies); I² = {expected['I2']:.1f}%; "
        f"Q = {expected['Q']:.2f}, df = 55, p < 0.001"
    )
    assert "RE Model" in _texts(svg)


@pytest.mark.parametrize("case_id", ["bcg-ablat-year-REML-z", "bcg-alloc-REML-z", "konstantopoulos2011-year-REML-t"])
def test_funnel_of_a_model_with_moderators_plots_residuals_against_their_standard_errors(case_id):
    # R: funnel(res) for rma(yi, vi, mods = ~ ablat + year) and rma(yi, vi, mods = ~ factor(alloc)) (the subgroup
    # analysis by alloc), and rma.mv(..., mods = ~ year): x = rstandard(res)$resid, y = rstandard(res)$se,
    # refline = 0, xlab = "Residual Value".
    case = PLOTS[case_id]
    k = len(case["yi"])
    svg = funnel_plot(_fit(case_id))
    found = _by_id(svg)
    points = _markers(svg, k)
    # Each axis is one affine map from the fixture's values: the points are the residuals and their SEs...
    ax, bx = _affine(case["resid"], points[:, 0])
    ay, by = _affine(case["resid_se"], points[:, 1])
    assert ay > 0  # SE grows downwards in SVG, as the axis is inverted (0 at the top)
    # ... and the reference line is at residual 0, from SE 0 down.
    line = _path_points(found["refline"])
    np.testing.assert_allclose((line[:, 0] - bx) / ax, 0, atol=1e-6)
    assert min((line[:, 1] - by) / ay) == pytest.approx(0, abs=1e-6)
    assert "pooled" not in found
    assert "Residual Value" in _texts(svg)
    assert f"study-{k + 1}" not in found


def test_funnel_of_a_three_level_model_plots_yi_against_sqrt_vi_around_the_pooled_estimate():
    # R: funnel(rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011)): yi against
    # sqrt(vi), refline at b (= fitted(res)), xlab "Observed Outcome".
    case = PLOTS["konstantopoulos2011-REML-z"]
    svg = funnel_plot(_fit("konstantopoulos2011-REML-z"))
    found = _by_id(svg)
    points = _markers(svg, 56)
    ax, bx = _affine(case["yi"], points[:, 0])
    _affine(list(np.sqrt(case["vi"])), points[:, 1])
    line = _path_points(found["pooled"])
    np.testing.assert_allclose((line[:, 0] - bx) / ax, case["fitted"][0], atol=1e-6)
    assert {"funnel-region", "pooled"} <= set(found)
    assert "Observed Outcome" in _texts(svg)


def test_funnel_of_separately_compared_subgroups_is_refused():
    case = SEPARATE["bcg-REML-z"]
    res = subgroups(case["yi"], case["vi"], case["group"], between="separate")
    with pytest.raises(InputError, match=r"field 'between': the funnel of a subgroup analysis shows the residuals"):
        funnel_plot(res)
    assert funnel_plot(res.overall).startswith(b"<?xml")


@pytest.mark.parametrize("case_id", ["bcg-ablat-year-REML-z", "bcg-alloc-REML-z", "konstantopoulos2011-year-REML-t"])
def test_new_plots_are_written_whole_as_pdf(tmp_path, case_id):
    res = _fit(case_id)
    for plot in (forest_plot, funnel_plot):
        data = plot(res, tmp_path / f"{plot.__name__}.pdf")
        assert data.startswith(b"%PDF")
        assert (tmp_path / f"{plot.__name__}.pdf").read_bytes() == data
    with pytest.raises(InputError, match=r"field 'path': the funnel plot is written as .svg or .pdf"):
        funnel_plot(res, tmp_path / "f.png")
    assert not (tmp_path / "f.png").exists()


def test_forest_plot_ilab_columns_sit_in_each_study_row_and_favours_under_the_axis():
    column = [f"n = {100 + i}" for i in range(1, 14)]  # any text, one per trial, in data order
    svg = forest_plot(
        random_effects(BCG["yi"], BCG["vi"], labels=LABELS),
        ilab={"TB+ (vaccinated)": column},
        favours=("Favours vaccine", "Favours control"),
    )
    root = ET.fromstring(svg)
    cells = {e.get("id"): e for e in root.iter() if (e.get("id") or "").startswith("ilab-")}
    assert len(cells) == 13
    texts = _texts(svg)
    assert "TB+ (vaccinated)" in texts
    assert {"Favours vaccine", "Favours control"} <= set(texts)
    assert "".join(cells["ilab-1-8"].itertext()).strip() == "n = 108"  # trial 8's row holds trial 8's value
    assert "n = 113" in texts


def test_forest_plot_ilab_needs_one_value_per_study():
    with pytest.raises(InputError, match=r"ilab.*one value per study \(13\), got 2"):
        forest_plot(random_effects(BCG["yi"], BCG["vi"]), ilab={"n": [1, 2]})


def test_forest_with_a_zero_sampling_variance_says_q_is_not_available():
    # R: rma(yi, vi[, mods = ~ trt], method = "REML") on proportions with vi = 0 (vi_zero_mods.json): QE, I^2 and
    # H^2 are NA, which metafor's forest leaves out; the plot says so instead of printing a number.
    case = next(c for c in load_cases("vi_zero_mods") if c["id"] == "pagliaro1992-REML-z")
    with pytest.warns(SecretomeWarning):
        pooled = random_effects(case["yi"], case["vi"])
    with pytest.warns(SecretomeWarning):
        regression = meta_regression(case["yi"], case["vi"], np.array(case["X"]))
    assert _text_of(_by_id(forest_plot(pooled))["heterogeneity"]) == (
        f"Heterogeneity: τ² = {pooled.tau2:.2f}; I² and Q not available (a sampling variance is 0)"
    )
    assert _text_of(_by_id(forest_plot(regression))["heterogeneity"]) == (
        f"Residual heterogeneity: τ² = {case['tau2']:.2f}; I² and QE not available (a sampling variance is 0)"
    )


# ---- Mantel-Haenszel and Peto pooling: forest(res, showweights = TRUE) on rma.mh / rma.peto ------------------------

COUNTS = load_cases("forest_counts")  # by tools/metafor_reference_forest_counts.R
ESTIMATE_TEXT = re.compile(r"^-?\d+\.\d\d \[-?\d+\.\d\d, -?\d+\.\d\d\]$")


def _count_forest(case: dict) -> bytes:
    return forest_plot(fit_forest_case(case), atransf=math.exp if case["atransf"] == "exp" else None)


@pytest.mark.parametrize("case", COUNTS, ids=lambda c: c["id"])
def test_forest_of_counts_prints_what_metafors_forest_prints(case):
    # R: forest(rma.mh(measure=, ...), showweights=TRUE[, atransf=exp]) and the same for rma.peto, its texts as drawn
    # (tools/metafor_reference_forest_counts.R): one row per table with a yi/vi, "weight%   yi [ci.lb, ci.ub]", then
    # "FE Model" with "100.00%   estimate [ci.lb, ci.ub]".
    svg = _count_forest(case)
    texts = _texts(svg)
    found = _by_id(svg)
    assert [t for t in texts if t.startswith("Study ")] == case["labels"]
    assert case["model_label"] in texts
    printed = [*case["annotations"], case["pooled_annotation"]]
    weights = [line.split("%")[0].strip() + "%" for line in printed]
    estimates = [" ".join(line.split("%", 1)[1].split()) for line in printed]  # metafor pads with spaces
    assert [t for t in texts if ESTIMATE_TEXT.match(t)] == estimates
    assert [_text_of(found[f"weight-{i}"]) for i in case["rows"]] == weights[:-1]
    assert _text_of(found["weight-pooled"]) == weights[-1]
    drawn = {f"study-{i}" for i in case["rows"]} | {f"study-ci-{i}" for i in case["rows"]}
    assert {i for i in found if i.startswith("study-")} == drawn
    assert "pooled" in found


@pytest.mark.parametrize("case", COUNTS, ids=lambda c: c["id"])
def test_forest_of_counts_draws_each_ci_and_the_diamond_where_metafor_does(case):
    # On the plot's (log) scale: each square at yi, its CI from yi - 1.96 sqrt(vi) to yi + 1.96 sqrt(vi), and the
    # diamond from rma.mh's ci.lb through the estimate to ci.ub (the fixture's yi, ci_lb, ci_ub, estimate). The
    # squares and the diamond's top corner fix the map from data to SVG coordinates.
    svg = _count_forest(case)
    found = _by_id(svg)
    squares = [float(next(found[f"study-{i}"].iter(f"{SVG}use")).get("x")) for i in case["rows"]]
    diamond = _path_points(found["pooled"])[:4, 0]
    ax, bx = _affine([*case["yi"], case["estimate"]], np.array([*squares, diamond[1]]))
    for i, low, high in zip(case["rows"], case["ci_lb"], case["ci_ub"], strict=True):
        ends = sorted((_path_points(found[f"study-ci-{i}"])[:2, 0] - bx) / ax)
        np.testing.assert_allclose(ends, (low, high), atol=1e-3 * (high - low))
    corners = (diamond - bx) / ax
    want = (case["ci_lb_pooled"], case["estimate"], case["ci_ub_pooled"], case["estimate"])
    np.testing.assert_allclose(corners, want, atol=1e-3 * (want[2] - want[0]))


def test_forest_of_counts_says_which_tables_are_pooled_but_not_drawn():
    # R: rma.mh(measure = "RD") on the sparse adverse-event tables: tables 1, 3 and 4 have no event in either arm, so
    # escalc's drop00 leaves their yi/vi NA and forest draws only table 2 (weight 14.43%); the estimate pools all
    # four, and weights(res) gives the three others 85.57% between them.
    case = next(c for c in COUNTS if c["id"] == "sparse-MH-RD")
    note = _text_of(_by_id(_count_forest(case))["omitted"])
    hidden = sum(case["weights"][i - 1] for i in (1, 3, 4))
    assert (
        note == f"Pooled, not drawn (no yi/vi, e.g. no events in either arm): rows 1, 3, 4, {hidden:.2f}% of the weight"
    )
    assert "omitted" not in _by_id(_count_forest(next(c for c in COUNTS if c["id"] == "bcg-MH-OR")))


@pytest.mark.parametrize("case_id", ["bcg-MH-OR", "bcg-PETO", "sparse-MH-RD"])
def test_forest_of_counts_heterogeneity_line_comes_from_the_fit(case_id):
    # R: rma.mh / rma.peto: QE, QEp and I2 (the fixture's Q, Q_pval, I2), with forest's 2 decimals.
    case = next(c for c in COUNTS if c["id"] == case_id)
    res = fit_forest_case(case)
    p = "p < 0.001" if case["Q_pval"] < 0.001 else f"p = {case['Q_pval']:.3f}"
    line = _text_of(_by_id(forest_plot(res))["heterogeneity"])
    assert line == f"Heterogeneity: I² = {case['I2']:.1f}%; Q = {case['Q']:.2f}, df = {res.Q_df}, {p}"


def test_forest_of_counts_takes_ilab_per_pooled_table_and_labels_the_axis_with_atransf():
    case = next(c for c in COUNTS if c["id"] == "sparse-MH-RD")
    arms = [f"{a}/{n}" for a, n in zip(case["data"]["ai"], case["data"]["n1i"], strict=True)]
    svg = forest_plot(fit_forest_case(case), ilab={"Drug": arms}, favours=("Favours drug", "Favours placebo"))
    cells = {k: _text_of(v) for k, v in _by_id(svg).items() if k.startswith("ilab-")}
    assert cells == {"ilab-1-2": "1/17"}  # table 2's own value; the tables not drawn have no row
    with pytest.raises(InputError, match=r"ilab.*one value per study \(4\), got 1"):
        forest_plot(fit_forest_case(case), ilab={"Drug": ["1/17"]})
    # atransf=exp: the axis of log odds ratios is labelled with odds ratios, so 0 reads 1.00.
    bcg = forest_plot(fit_forest_case(next(c for c in COUNTS if c["id"] == "bcg-MH-OR")), atransf=math.exp)
    assert "1.00" in _texts(bcg)
    assert "0.00" not in _texts(bcg)


@pytest.mark.parametrize(
    ("case_id", "atransf", "label"),
    [
        ("bcg-MH-OR", None, "Log Odds Ratio"),
        ("bcg-MH-OR-exp", math.exp, "Odds Ratio (log scale)"),
        ("bcg-MH-RR-exp", np.exp, "Risk Ratio (log scale)"),
        ("bcg-PETO", None, "Log Odds Ratio"),
        ("hart1999-MH-IRR-exp", math.exp, "Incidence Rate Ratio (log scale)"),
        ("sparse-MH-RD", None, "Risk Difference"),
        ("sparse-MH-RD", abs, "Transformed Risk Difference"),
    ],
)
def test_forest_of_counts_labels_the_axis_as_metafor(case_id, atransf, label):
    # R: metafor:::.setlab(measure, transf.char = "FALSE", atransf.char = "FALSE" or "exp", gentype = 1), forest's xlab.
    res = fit_forest_case(next(c for c in COUNTS if c["id"] == case_id))
    assert label in _texts(forest_plot(res, atransf=atransf))
    assert "My label" in _texts(forest_plot(res, atransf=atransf, xlabel="My label"))
