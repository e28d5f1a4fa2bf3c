"""The plots hold what metafor's forest(res) and funnel(res) show: studies, CIs, the pooled estimate."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from metafor_fixtures import load_cases

from secretome.errors import InputError
from secretome.meta import forest_plot, funnel_plot, random_effects

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
