"""summary() reads like metafor's print.rma.uni; the numbers are those R prints for dat.bcg."""

from __future__ import annotations

import pytest
from metafor_fixtures import load_cases

from secretome.errors import SecretomeWarning
from secretome.meta import random_effects

BCG = next(c for c in load_cases("rma_uni") if c["id"] == "bcg-REML-z")


def test_random_effects_summary_layout():
    # R: print(rma(yi, vi, data=escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)))
    text = random_effects(BCG["yi"], BCG["vi"]).summary()
    for line in (
        "Random-Effects Model (k = 13; tau^2 estimator: REML)",
        "tau^2 (estimated amount of total heterogeneity): 0.3132 (SE = 0.1664)",
        "tau (square root of estimated tau^2 value):      0.5597",
        "I^2 (total heterogeneity / total variability):   92.22%",
        "H^2 (total variability / sampling variability):  12.86",
        "Q(df = 12) = 152.2330, p-val < .0001",
        "estimate      se     zval    pval    ci.lb    ci.ub",
        " -0.7145  0.1798  -3.9744  <.0001  -1.0669  -0.3622",
        "95% prediction interval: [-1.8667, 0.4376]",  # R: predict(res) pi.lb, pi.ub
    ):
        assert line in text.splitlines()


def test_equal_effects_summary_has_no_tau2():
    # R: print(rma(yi, vi, method="EE", data=dat))
    text = random_effects(BCG["yi"], BCG["vi"], method="EE").summary()
    assert text.startswith("Equal-Effects Model (k = 13)\n")
    assert "tau^2" not in text
    assert " -0.4303  0.0405  -10.6247  <.0001  -0.5097  -0.3509" in text.splitlines()


def test_knha_summary_shows_t_and_df_and_notes():
    # R: print(rma(yi, vi, method="DL", test="knha", data=dat))
    text = random_effects(BCG["yi"], BCG["vi"], method="DL", test="knha").summary()
    assert " -0.7141  0.1807  -3.9520  12  0.0019  -1.1078  -0.3204" in text.splitlines()
    with pytest.warns(SecretomeWarning):
        text = random_effects(BCG["yi"], BCG["vi"], method="FE", test="knha").summary()
    assert "note: Knapp & Hartung method is not meant to be used in the context of FE models." in text
