from __future__ import annotations

import json

import pytest

from secretome.errors import InputError
from secretome.evidence._schema import SCHEMA_FILE, parse_study, study_json_schema


def test_committed_json_schema_equals_the_generated_one():
    # Regenerate with: python -c "from secretome.evidence._schema import *; write_study_json_schema(SCHEMA_FILE)"
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == study_json_schema()


def test_synthetic_study_parses(synthetic_study_data):
    study = parse_study(synthetic_study_data)
    assert [r.kind for r in study.results] == ["arm_data", "effect", "direction"]
    assert study.results[2].outcome == "il1b_level"


@pytest.mark.parametrize(
    ("quote", "value"),
    [
        ("difference −13.2 (95% CI −23.3 to −3.2)", -13.2),  # U+2212 minus
        ("score 18.5±2.1", 2.1),
        ("score 18.5 +/- 2.1", 18.5),
        ("1 × 10^7 cells", 10_000_000),
        ("1 x 10(7) cells", 10_000_000),
        ("1 × 10⁷ cells", 10_000_000),
    ],
)
def test_honesty_check_accepts_number_written_any_usual_way(synthetic_study_data, quote, value):
    result = synthetic_study_data["results"][1]
    result["effect"] = {"measure": "MD", "estimate": value}
    result["provenance"]["quote"] = quote
    assert parse_study(synthetic_study_data).results[1].effect.estimate == value


@pytest.mark.parametrize(
    ("quote", "value"),
    [
        ("difference 13.2", -13.2),  # the sign matters
        ("score 18.5 ± 2.1", 2.2),
        ("1 × 10^6 cells", 10_000_000),
        ("WOMAC 13.23", 13.2),  # no rounding
    ],
)
def test_honesty_check_rejects_number_missing_from_quote(synthetic_study_data, quote, value):
    result = synthetic_study_data["results"][1]
    result["effect"] = {"measure": "MD", "estimate": value}
    result["provenance"]["quote"] = quote
    with pytest.raises(InputError, match="not stated in its quote") as info:
        parse_study(synthetic_study_data, file="x/example-2020-synthetic.yaml")
    assert info.value.field == "results[1].effect.estimate"
    assert info.value.value == value
    assert info.value.file == "x/example-2020-synthetic.yaml"


def test_computed_status_needs_a_method(synthetic_study_data):
    synthetic_study_data["results"][0]["provenance"]["status"] = "converted"
    with pytest.raises(InputError, match="needs 'method'"):
        parse_study(synthetic_study_data)


def test_result_needs_exactly_one_kind(synthetic_study_data):
    synthetic_study_data["results"][2]["effect"] = {"measure": "MD", "estimate": 1}
    with pytest.raises(InputError, match="exactly one of arm_data, effect, direction"):
        parse_study(synthetic_study_data)


def test_abstract_needs_a_licence(synthetic_study_data):
    synthetic_study_data["reference"]["licence"] = None
    with pytest.raises(InputError, match="redistributable licence"):
        parse_study(synthetic_study_data)


def test_file_must_be_named_after_the_id(synthetic_study_data):
    with pytest.raises(InputError, match="named after the id"):
        parse_study(synthetic_study_data, file="other.yaml")


def test_study_to_dict_is_json_safe(synthetic_study_data):
    json.dumps(parse_study(synthetic_study_data).to_dict())


# ---- fields for every statistic a paper reports (test statistics, group sizes, p-values) -----


def test_a_direction_keeps_its_test_statistic_and_group_sizes(synthetic_study_data):
    result = synthetic_study_data["results"][2]
    result["provenance"]["quote"] = "IL-1beta fell with CM (t(14) = 2.61, P = 0.021; n = 8 per group)"
    result |= {
        "statistic": {"name": "t", "value": 2.61, "df": 14},
        "group_sizes": {"cm": 8, "control": 8},
        "p": "0.021",
    }
    parsed = parse_study(synthetic_study_data).results[2]
    assert (parsed.statistic.name, parsed.statistic.value, parsed.statistic.df) == ("t", 2.61, 14)
    assert parsed.group_sizes == (("cm", 8), ("control", 8))
    assert parsed.p_value.value == 0.021
    assert parsed.p_value.exact


def test_a_statistic_not_in_the_quote_is_refused(synthetic_study_data):
    result = synthetic_study_data["results"][2]
    result["provenance"]["quote"] = "IL-1beta fell with CM (t(14) = 2.61)"
    result |= {"statistic": {"name": "t", "value": 2.16, "df": 14}, "p": None}
    with pytest.raises(InputError, match="not stated in its quote") as info:
        parse_study(synthetic_study_data)
    assert info.value.field == "results[2].statistic.value"


def test_group_sizes_name_the_compared_arms(synthetic_study_data):
    result = synthetic_study_data["results"][2]
    result["group_sizes"] = {"sham": 8}
    with pytest.raises(InputError, match="group_sizes must be for the compared arms"):
        parse_study(synthetic_study_data)


@pytest.mark.parametrize(
    ("printed", "value", "relation"),
    [("0.003", 0.003, "="), ("<0.05", 0.05, "<"), ("≤ 0.001", 0.001, "<"), (">.09", 0.09, ">"), (".130", 0.13, "=")],
)
def test_p_values_read_as_exact_or_bound(synthetic_study_data, printed, value, relation):
    result = synthetic_study_data["results"][2]
    result["provenance"]["quote"] = f"IL-1beta fell with CM (p {printed})"
    result["p"] = printed
    parsed = parse_study(synthetic_study_data).results[2].p_value
    assert (parsed.value, parsed.relation) == (value, relation)


def test_a_p_value_that_is_not_a_number_is_refused(synthetic_study_data):
    synthetic_study_data["results"][2]["p"] = "significant"
    with pytest.raises(InputError, match="does not match") as info:
        parse_study(synthetic_study_data)
    assert info.value.field == "results[2].p"


def test_a_mean_outside_its_confidence_interval_is_refused(synthetic_study_data):
    data = synthetic_study_data["results"][0]["arm_data"]["cm"]
    data |= {"mean_ci_lb": 19.0, "mean_ci_ub": 25.0}
    synthetic_study_data["results"][0]["provenance"]["status"] = "derived"
    synthetic_study_data["results"][0]["provenance"]["method"] = "test"
    with pytest.raises(InputError, match="outside its confidence interval") as info:
        parse_study(synthetic_study_data)
    assert info.value.field == "results[0].arm_data.cm.mean"


def test_change_from_baseline_is_an_arm_summary(synthetic_study_data):
    result = synthetic_study_data["results"][0]
    result["control"] = None
    result["arm_data"] = {"cm": {"n": 8, "mean_change": -4.5, "sd_change": 1.5}}
    result["provenance"]["quote"] = "change from baseline -4.5 ± 1.5 (n = 8)"
    data = parse_study(synthetic_study_data).results[0].arm_data[0]
    assert (data.mean_change, data.sd_change, data.mean) == (-4.5, 1.5, None)


# ---- risk of bias (SYRCLE, RoB 2, ROBINS-I) ---------------------------------------------------

_SYRCLE_DOMAINS = (
    "sequence_generation",
    "baseline_characteristics",
    "allocation_concealment",
    "random_housing",
    "blinding_caregivers",
    "random_outcome_assessment",
    "blinding_assessors",
    "incomplete_outcome_data",
    "selective_reporting",
    "other_bias",
)


def _syrcle(**judged):
    items = {domain: {"judgement": "unclear"} for domain in _SYRCLE_DOMAINS}
    items |= {
        d: {"judgement": j, "quote": "rats were randomly divided", "location": "abstract"} for d, j in judged.items()
    }
    return {"tool": "SYRCLE", "source": "doi:10.1000/x", "items": items}


def test_syrcle_items_keep_their_order_judgement_and_quote(synthetic_study_data):
    synthetic_study_data["risk_of_bias"] = _syrcle(sequence_generation="low")
    rob = parse_study(synthetic_study_data).risk_of_bias
    assert [item.domain for item in rob.items] == list(_SYRCLE_DOMAINS)
    assert (rob.items[0].judgement, rob.items[0].quote) == ("low", "rats were randomly divided")
    assert rob.items[1].quote is None  # not reported
    assert rob.overall is None  # SYRCLE has no overall judgement


def test_a_definite_judgement_needs_its_quote(synthetic_study_data):
    synthetic_study_data["risk_of_bias"] = _syrcle()
    synthetic_study_data["risk_of_bias"]["items"]["blinding_assessors"] = {"judgement": "low"}
    with pytest.raises(InputError, match="needs the quote it rests on") as info:
        parse_study(synthetic_study_data)
    assert info.value.field == "risk_of_bias.items.blinding_assessors.quote"


def test_every_domain_of_the_tool_is_judged(synthetic_study_data):
    synthetic_study_data["risk_of_bias"] = _syrcle()
    del synthetic_study_data["risk_of_bias"]["items"]["other_bias"]
    with pytest.raises(InputError, match="every SYRCLE domain needs a judgement"):
        parse_study(synthetic_study_data)


def test_the_tool_must_fit_the_design(synthetic_study_data):
    synthetic_study_data["risk_of_bias"] = _syrcle()
    synthetic_study_data["risk_of_bias"]["tool"] = "RoB2"
    with pytest.raises(InputError, match="RoB2 is for clinical_rct studies"):
        parse_study(synthetic_study_data)


def test_judgements_come_from_the_tool_scale(synthetic_study_data):
    synthetic_study_data["risk_of_bias"] = _syrcle(random_housing="some_concerns")
    with pytest.raises(InputError, match="not a SYRCLE judgement"):
        parse_study(synthetic_study_data)


@pytest.mark.parametrize(
    ("tool", "design", "judgements", "overall"),
    [
        # RoB 2 (Sterne et al. 2019): all low -> low; any high -> high; otherwise some concerns.
        ("RoB2", "clinical_rct", ["low"] * 5, "low"),
        ("RoB2", "clinical_rct", ["low", "some_concerns", "low", "low", "low"], "some_concerns"),
        ("RoB2", "clinical_rct", ["low", "some_concerns", "high", "low", "low"], "high"),
        # ROBINS-I (Sterne et al. 2016): the most severe domain; missing information short of serious.
        ("ROBINS-I", "case_series", ["low", "moderate", "serious", "low", "low", "low", "low"], "serious"),
        (
            "ROBINS-I",
            "case_series",
            ["low", "moderate", "low", "low", "no_information", "low", "low"],
            "no_information",
        ),
        ("ROBINS-I", "case_series", ["critical", "low", "low", "low", "no_information", "low", "low"], "critical"),
    ],
)
def test_overall_judgement_follows_the_tool_rule(synthetic_study_data, tool, design, judgements, overall):
    from secretome import vocab

    domains = [d for d, _ in vocab.RISK_OF_BIAS_TOOLS[tool].domains]
    items = {
        d: {"judgement": j} | ({} if j in vocab.RISK_OF_BIAS_TOOLS[tool].not_reported else {"quote": "as reported"})
        for d, j in zip(domains, judgements, strict=True)
    }
    synthetic_study_data |= {"design": design, "risk_of_bias": {"tool": tool, "source": "pmid:1", "items": items}}
    assert parse_study(synthetic_study_data).risk_of_bias.overall == overall


def test_source_quality_and_scope_default_to_a_primary_msc_study(synthetic_study_data):
    study = parse_study(synthetic_study_data)
    assert (study.source_quality, study.scope, study.is_primary) == ("primary", "msc_therapy", True)
    synthetic_study_data |= {"source_quality": "secondary", "scope": "background"}
    study = parse_study(synthetic_study_data)
    assert (study.source_quality, study.is_primary) == ("secondary", False)
