"""The cases of tests/fixtures/metafor/predict.json (tools/metafor_reference_predict.R) and the models they fit."""

from __future__ import annotations

from metafor_fixtures import load_cases

from secretome.meta import (
    MetaRegressionResult,
    MultilevelRegressionResult,
    MultilevelResult,
    RandomEffectsResult,
    meta_regression,
    multilevel,
    random_effects,
)

_CASES = load_cases("predict")
DATA = {c["id"].removeprefix("data-"): c for c in _CASES if c["kind"] == "data"}


def cases(kind: str) -> list[dict]:
    """The cases of one kind (predict, confint, vif, blup, wald_btt, wald_contrast, lrt)."""
    return [c for c in _CASES if c["kind"] == kind]


def fit(case: dict, *, method: str | None = None, test: str | None = None, with_mods: bool | None = None
        ) -> RandomEffectsResult | MetaRegressionResult:  # fmt: skip
    """The model of *case* (its method, test and moderators, unless given), fitted as metafor fitted it."""
    d = DATA[case["data"]]
    method = case["method"] if method is None else method
    test = case.get("test", "z") if test is None else test
    with_mods = case["with_mods"] if with_mods is None else with_mods
    if with_mods:
        return meta_regression(d["yi"], d["vi"], d["mods"], method=method, test=test, names=d["names"])
    return random_effects(d["yi"], d["vi"], method=method, test=test)


def fit_multilevel(case: dict) -> MultilevelResult | MultilevelRegressionResult:
    """The three-level model of *case*: ``rma.mv(yi, vi, mods, random = ~ 1 | district/school)``."""
    d = DATA[case["data"]]
    levels = {"district": d["district"], "school": d["school"]}
    mods = {"mods": d["mods"], "names": d["names"]} if case["with_mods"] else {}
    return multilevel(d["yi"], d["vi"], levels, method=case["method"], test=case["test"], **mods)
