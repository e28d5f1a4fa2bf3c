"""The cases of tests/fixtures/metafor/predict.json (tools/metafor_reference_predict.R) and the models they fit."""

from __future__ import annotations

from metafor_fixtures import load_cases

from secretome.meta import MetaRegressionResult, RandomEffectsResult, meta_regression, random_effects

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
