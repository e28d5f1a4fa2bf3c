"""Regimen files: repeated schedules, overrides and input errors that name the field."""

from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.model import apply_regimen, parse_regimen, preset


def test_schedule_single_dose_end_time_and_overrides():
    data = {
        "end_time": 60,
        "doses": [
            {"species": "cm", "amount": 1, "start": 7, "every": 7, "count": 3},
            {"species": "ev", "amount": 2.0, "time": 10},
        ],
        "parameters": {"k_prot": 8.0},
    }
    model = parse_regimen(data, preset("rat-mia"))
    assert [(d.time, d.species, d.amount) for d in model.doses] == [
        (7.0, "cm", 1.0), (10.0, "ev", 2.0), (14.0, "cm", 1.0), (21.0, "cm", 1.0)
    ]  # fmt: skip
    assert model.t_end == 60.0
    assert model.parameter("k_prot").value == 8.0


def test_an_empty_list_means_untreated():
    assert parse_regimen({"doses": []}, preset("rat-focal-defect-cm")).doses == ()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "doses"),
        ({"dose": []}, "dose"),
        ({"doses": {"species": "cm"}}, "doses"),
        ({"doses": ["cm"]}, "doses[1]"),
        ({"doses": [{"species": "cm", "amount": 1, "time": 1, "colour": 2}]}, "doses[1].colour"),
        ({"doses": [{"amount": 1, "time": 1}]}, "doses[1].species"),
        ({"doses": [{"species": "cm", "time": 1}]}, "doses[1].amount"),
        ({"doses": [{"species": "cm", "amount": -1, "time": 1}]}, "doses[1].amount"),
        ({"doses": [{"species": "cm", "amount": "lots", "time": 1}]}, "doses[1].amount"),
        ({"doses": [{"species": "xx", "amount": 1, "time": 1}]}, "doses[1].species"),
        ({"doses": [{"species": "cm", "amount": 1, "start": 1, "every": 0, "count": 2}]}, "doses[1].every"),
        ({"doses": [{"species": "cm", "amount": 1, "start": 1, "every": 7, "count": 1.5}]}, "doses[1].count"),
        ({"doses": [{"species": "cm", "amount": 1, "start": 1, "every": 7}]}, "doses[1].count"),
        ({"doses": [{"species": "cm", "amount": 1, "time": 1, "start": 1}]}, "doses[1].time"),
        ({"doses": [{"species": "cm", "amount": 1, "time": 121}]}, "doses[1].time"),  # after end time (120)
        (
            {"end_time": 30, "doses": [{"species": "cm", "amount": 1, "start": 7, "every": 7, "count": 5}]},
            "doses[1].time",
        ),
        ({"end_time": -1, "doses": []}, "end_time"),
        ({"doses": [], "parameters": {"k_G": -0.1}}, "parameters.k_G"),  # negative rate constant
        ({"doses": [], "parameters": {"nope": 1}}, "parameters.nope"),
        ({"doses": [], "parameters": [1]}, "parameters"),
    ],
)
def test_malformed_regimens_name_the_field(data, field):
    with pytest.raises(InputError) as info:
        parse_regimen(data, preset("rat-mia"), file="r.yaml")
    assert info.value.field == field
    assert info.value.file == "r.yaml"


def test_files(tmp_path):
    good = tmp_path / "weekly.yaml"
    good.write_text("doses:\n  - {species: cm, amount: 1, start: 7, every: 7, count: 5}\n")
    assert len(apply_regimen(preset("rat-mia"), good).doses) == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text("doses: [\n")
    with pytest.raises(InputError, match="not valid YAML") as info:
        apply_regimen(preset("rat-mia"), bad)
    assert info.value.file == str(bad)
    with pytest.raises(InputError, match="cannot read"):
        apply_regimen(preset("rat-mia"), tmp_path / "missing.yaml")


def test_doses_by_product_use_its_unit_and_composition():
    data = {
        "doses": [
            {"product": "ev", "amount": 2e9, "time": 7},  # particles/kg -> ev in 1e9 particles/kg
            {"product": "msc", "amount": 1e6, "start": 14, "every": 14, "count": 2},  # cells/kg -> 1e6 cells/kg
        ]
    }
    model = parse_regimen(data, preset("rat-mia"))
    assert [(d.time, d.species, d.amount) for d in model.doses] == [
        (7.0, "ev", pytest.approx(2.0)),
        (14.0, "msc", pytest.approx(1.0)),
        (28.0, "msc", pytest.approx(1.0)),
    ]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"product": "pills", "amount": 1, "time": 1}, "doses[1].product"),
        ({"product": "cm", "species": "cm", "amount": 1, "time": 1}, "doses[1].product"),
        ({"product": "cm", "amount": 1, "time": 130}, "doses[1].time"),
    ],
)
def test_bad_product_doses(entry, field):
    with pytest.raises(InputError) as info:
        parse_regimen({"doses": [entry]}, preset("rat-mia"))
    assert info.value.field == field


def test_the_documented_example_is_valid():
    """docs/regimen-format.md: its YAML example must run on the rat presets as written."""
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parents[2] / "docs" / "regimen-format.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    model = parse_regimen(yaml.safe_load(example), preset("rat-mia"))
    assert len(model.doses) == 7
    assert model.parameter("k_prot").value == 16.6


def _regimen_file(tmp_path, text: str | bytes):
    path = tmp_path / "r.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


_DOSE = "doses:\n  - species: cm\n    amount: 1\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"doses: []\nend_time: 10 \xff\xfe\n", r"file '.*r\.yaml': not UTF-8 text"),
        ("[" * 5000 + "]" * 5000, r"row 1: nested more than 32 levels deep \(a declared limit|flow level"),
        ("doses:\n" + "".join(" " * i + "- \n" for i in range(2, 200)), r"row 33: nested more than 32 levels deep"),
        ("doses: []\nend_time: " + "9" * 400, r"field 'end_time': must be <= 36500 \(a declared limit\)"),
        ("doses: []\nend_time: " + "9" * 5000, r"not a usable YAML value"),
        (_DOSE + "    start: 0\n    every: 1\n    count: 1000000000000\n", r"field 'doses\[1\]\.count': must be an"),
        ("doses:\n" + "  - {species: cm, amount: 1, time: 1}\n" * 1001, r"field 'doses\[1001\]': more than 1000"),
        ("doses:\n" + "  - {species: cm, amount: 1, time: 1}\n" * 100_000, r"larger than 256000 bytes"),
        ("end_time: 1.0e-300\n" + _DOSE + "    time: 0\n", r"field 'end_time': must be >= 1e-06"),
        ("end_time: 1.0e+300\n" + _DOSE + "    time: 0\n", r"field 'end_time': must be <= 36500"),
        (_DOSE + "    time: 0\nparameters:\n  k_prot: 1.0e+300\n", r"field 'parameters\.k_prot': must be <= 1e\+07"),
        ("doses:\n  - {species: cm, amount: 1.0e+300, time: 0}\n", r"field 'doses\[1\]\.amount': must be <= 1e\+15"),
        # As the issue wrote them: YAML 1.1 read these as text ('must be a finite number (got '1e-300')').
        ("end_time: 1e-300\n" + _DOSE + "    time: 0\n", r"field 'end_time': must be >= 1e-06 \(got 1e-300\)"),
        ("end_time: 1e300\n" + _DOSE + "    time: 0\n", r"field 'end_time': must be <= 36500 .*\(got 1e\+300\)"),
    ],
    ids=["non-utf8", "nested", "nested-blocks", "400-digits", "5000-digits", "count-1e12", "1001-doses",
         "1e5-doses", "end-tiny", "end-huge", "k-huge", "amount-huge", "end-tiny-yaml12", "end-huge-yaml12"],
)  # fmt: skip
def test_a_regimen_past_a_declared_limit_is_one_input_error_before_any_work(tmp_path, text, expected):
    with pytest.raises(InputError, match=expected):
        apply_regimen(preset("rat-mia"), _regimen_file(tmp_path, text))


def test_exponents_read_as_numbers_as_in_yaml_1_2(tmp_path):
    text = "end_time: 1.2e2\ndoses:\n  - {species: cm, amount: 1e-3, time: 2E1}\n"
    text += "  - {species: cm, amount: '5e-1', time: 1}\n"
    with pytest.raises(InputError, match=r"field 'doses\[2\]\.amount': must be a finite number \(got '5e-1'\)"):
        apply_regimen(preset("rat-mia"), _regimen_file(tmp_path, text))  # quoted: text, as the author wrote
    model = apply_regimen(preset("rat-mia"), _regimen_file(tmp_path, text.rsplit("  - ", 1)[0]))
    assert [(d.time, d.amount) for d in model.doses] == [(20.0, 0.001)]


_EXAMPLE = b"""end_time: 120
doses:
  - product: cm
    amount: 1.0
    start: 7
    every: 7
    count: 5
  - species: ra
    amount: 2.0e+2
    time: 30
parameters:
  k_prot: 8.3
"""


def test_the_parser_takes_any_file_to_a_model_or_one_input_error(tmp_path):
    # 200 files near a valid regimen (edits of its bytes) or random: a model, or one line naming the file.
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from secretome.model import Model

    model = preset("rat-mia")
    path = tmp_path / "r.yaml"

    def mutate(edits: list[tuple[int, int, bytes]]) -> bytes:
        data = bytearray(_EXAMPLE)
        for position, size, insert in edits:
            at = position % (len(data) + 1)
            data[at : at + size] = insert
        return bytes(data)

    tokens = st.sampled_from(
        [b"", b"\n", b"- ", b": ", b"[", b"{", b"1e400", b"9" * 400, b"-1", b"nan", b"\xff", b"&a"]
    )
    edit = st.tuples(st.integers(0, 1 << 12), st.integers(0, 12), st.one_of(tokens, st.binary(max_size=8)))

    @settings(max_examples=200, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(data=st.one_of(st.lists(edit, min_size=1, max_size=4).map(mutate), st.binary(max_size=200)))
    def check(data: bytes) -> None:
        path.write_bytes(data)
        outcome: object
        try:
            outcome = apply_regimen(model, path)
        except InputError as exc:
            outcome = str(exc)
        if isinstance(outcome, str):
            assert outcome.startswith(f"file '{path}'")
            assert "\n" not in outcome
        else:
            assert isinstance(outcome, Model)

    check()
