"""Baujat, radial, QQ and L'Abbe plots against what metafor 3.8-1 returns (fixtures by tools/metafor_reference_mv.R)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from secretome.meta import (
    baujat,
    baujat_plot,
    escalc,
    labbe,
    labbe_plot,
    meta_regression,
    qq_normal,
    qq_plot,
    radial,
    radial_plot,
    random_effects,
)

CASES = load_cases("plots_extra")
MODELS = [c for c in CASES if "baujat_x" in c]
ENVELOPE = next(c for c in CASES if c["id"] == "bcg-REML-envelope")
LABBE = [c for c in CASES if c["id"].startswith("bcg-labbe")]
BCG = load_cases("robust")[0]["bcg"]


def _fit(case):
    if case["mods"]:
        fit = meta_regression(BCG["yi"], BCG["vi"], BCG["ablat"], names=["ablat"], method=case["method"])
        return fit, {"mods": BCG["ablat"]}
    return random_effects(BCG["yi"], BCG["vi"], method=case["method"]), {}


def _ids(svg: bytes) -> set[str]:
    return {e.get("id") for e in ET.fromstring(svg).iter() if e.get("id")}


@pytest.mark.parametrize("case", MODELS, ids=case_id)
def test_baujat_matches_metafor(case):
    # R: baujat(res) on rma(yi, vi, [mods = ~ ablat,] data = dat.bcg, method=): its returned $x and $y.
    fit, mods = _fit(case)
    res = baujat(fit, **mods)
    np.testing.assert_allclose(res.x, case["baujat_x"], rtol=1e-6)
    np.testing.assert_allclose(res.y, case["baujat_y"], rtol=1e-5)
    assert {f"study-{i}" for i in range(1, 14)} <= _ids(baujat_plot(res))


@pytest.mark.parametrize("case", MODELS, ids=case_id)
def test_qq_points_match_metafor(case):
    # R: qqnorm(res, envelope = FALSE): x (theoretical quantiles) and y (rstandard) in data order.
    fit, mods = _fit(case)
    res = qq_normal(fit, envelope=False, **mods)
    np.testing.assert_allclose(res.x, case["qq_x"], rtol=1e-12)
    np.testing.assert_allclose(res.y, case["qq_y"], rtol=1e-6)


def test_qq_envelope_matches_metafors_simulation():
    # R: the envelope of qqnorm(res) without supsmu smoothing, from 20000 draws of (I - H) z (a Monte Carlo
    # quantity: R's and numpy's draws differ, so the 2.5% and 97.5% quantiles agree to about 0.03).
    fit = random_effects(BCG["yi"], BCG["vi"])
    res = qq_normal(fit, reps=ENVELOPE["reps"], seed=1)
    np.testing.assert_allclose(res.envelope_lb, ENVELOPE["lb"], atol=0.03)
    np.testing.assert_allclose(res.envelope_ub, ENVELOPE["ub"], atol=0.03)
    assert {"diagonal", "envelope-lb", "envelope-ub", "study-13"} <= _ids(qq_plot(res))


@pytest.mark.parametrize("case", [c for c in MODELS if "radial_x" in c], ids=case_id)
def test_radial_matches_metafor(case):
    # R: radial(res): its returned $x and $y.
    fit, _ = _fit(case)
    res = radial(fit)
    np.testing.assert_allclose(res.x, case["radial_x"], rtol=1e-6)
    np.testing.assert_allclose(res.y, case["radial_y"], rtol=1e-6)
    assert {"band", "estimate", "ci", "study-1"} <= _ids(radial_plot(res))


@pytest.mark.parametrize("case", LABBE, ids=case_id)
def test_labbe_matches_metafor(case):
    # R: escalc(measure = "PLN"/"PLO"/"PR", xi, mi) of each arm of dat.bcg, what labbe(rma(measure=, ...)) plots.
    es = escalc(case["measure"], ai=case["ai"], bi=case["bi"], ci=case["ci"], di=case["di"])
    fit = random_effects(es.yi, es.vi)
    assert fit.estimate == pytest.approx(case["estimate"], rel=1e-6)  # R: rma(measure=, ai=, ...)$beta
    res = labbe(fit, case["ai"], case["bi"], case["ci"], case["di"], measure=case["measure"])
    np.testing.assert_allclose(res.x, case["x"], rtol=1e-12)
    np.testing.assert_allclose(res.y, case["y"], rtol=1e-12)
    wi = np.sqrt(1 / np.array(case["vi"]))
    np.testing.assert_allclose(res.size, 0.5 + 3 * (wi - wi.min()) / (wi.max() - wi.min()), rtol=1e-12)
    assert {"diagonal", "study-13"} <= _ids(labbe_plot(res))


def test_labbe_line_is_the_pooled_effect():
    case = next(c for c in LABBE if c["measure"] == "RR")
    fit = random_effects(BCG["yi"], BCG["vi"])
    assert fit.estimate == pytest.approx(case["estimate"], rel=1e-6)
    res = labbe(fit, case["ai"], case["bi"], case["ci"], case["di"], measure="RR")
    np.testing.assert_allclose(np.array(res.line_y) - np.array(res.line_x), fit.estimate, rtol=1e-12)
    assert "estimate" in _ids(labbe_plot(res))
