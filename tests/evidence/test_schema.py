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
