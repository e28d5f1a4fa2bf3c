"""The Model explorer: its numbers are secretome.model's for the same inputs, its evidence the report's rules."""

from __future__ import annotations

import base64
import io
import re
from html import unescape

import numpy as np
import pandas as pd
import pytest

from secretome.errors import InputError
from secretome.evidence import get_studies
from secretome.model import cohort, compare, compare_times, parse_regimen, preset, simulate
from secretome.report import (
    analysis_dataset,
    calibrated_values,
    calibration_artefacts,
    evidence_versus_model,
    outcome_votes,
)
from secretome.serve._explorer import MAX_SUBJECTS, explore, explorer_request, outcome_evidence
from secretome.serve._synthesis import analyse

# The review's rat protocol on the focal-defect preset, read out as the synthetic corpus's outcome.
FORM = {"preset": "rat-focal-defect", "product": "cm", "amount": "30", "start": "7", "every": "7", "count": "5",
        "times": "60, 120", "subjects": "12", "seed": "3"}  # fmt: skip
READOUTS = ["odriscoll", "aggrecan"]
# The same regimen as a file, written by hand in the format of docs/regimen-format.md.
REGIMEN_YAML = "doses:\n  - {product: cm, amount: 30, start: 7, every: 7, count: 5}\n"


@pytest.fixture(scope="module")
def exploration():
    return explore(explorer_request(FORM, READOUTS))


@pytest.fixture(scope="module")
def regimen_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("regimen") / "cm.yaml"
    path.write_text(REGIMEN_YAML)
    return path


def _subject():
    # The report's subject (rule M1): the preset at the shipped calibration's best fit.
    return preset("rat-focal-defect").with_values(**calibrated_values("rat-focal-defect"))


def test_the_lines_are_the_reports_calibrated_subject(exploration):
    fitted = calibrated_values("rat-focal-defect")
    assert exploration.calibrated
    assert fitted  # the bundled calibration is shipped
    nominal = simulate(preset("rat-focal-defect"), times=np.arange(0.0, 121.0)).readout_values
    assert not np.array_equal(exploration.untreated.readout_values, nominal)


def test_the_table_is_model_compare_times_for_the_same_inputs(exploration, regimen_file):
    model = _subject()
    assert [c.at_time for c in exploration.comparisons] == [60.0, 120.0]
    wanted = compare_times(model, regimen_file, [60.0, 120.0], subjects=12, seed=3)
    for got, want in zip(exploration.comparisons, wanted, strict=True):
        assert got.readouts == want.readouts
        assert got.units == want.units
        np.testing.assert_array_equal(got.value_a, want.value_a)
        np.testing.assert_array_equal(got.value_b, want.value_b)
        np.testing.assert_array_equal(got.difference, want.difference)
        np.testing.assert_array_equal(got.band, want.band)
        assert (got.subjects, got.failed, got.seed) == (want.subjects, want.failed, 3)
    # One simulation read at both days is compare() at each day, to the solver's tolerance.
    single = compare(model, regimen_file, at_time=60.0, subjects=12, seed=3)
    np.testing.assert_allclose(exploration.comparisons[0].value_a, single.value_a, rtol=1e-6, atol=1e-9)


def test_lines_and_bands_are_simulate_and_cohort_of_both_arms(exploration, regimen_file):
    model = _subject()
    treated = parse_regimen({"doses": [{"product": "cm", "amount": 30, "start": 7, "every": 7, "count": 5}]}, model)
    assert [d.time for d in treated.doses] == [7.0, 14.0, 21.0, 28.0, 35.0]
    days = np.arange(0.0, 121.0)
    for arm, line, bands in ((treated, exploration.treated, exploration.treated_bands),
                             (model.with_doses(()), exploration.untreated, exploration.untreated_bands)):  # fmt: skip
        np.testing.assert_array_equal(line.readout_values, simulate(arm, times=days).readout_values)
        np.testing.assert_array_equal(bands.bands, cohort(arm, subjects=12, seed=3, times=days).bands)
    # The default-subject lines and compare's default subject are the same simulation at the declared days.
    j = exploration.treated.readouts.index("odriscoll")
    for c in exploration.comparisons:
        day = int(c.at_time)
        assert c.value_a[j] == pytest.approx(exploration.treated.readout_values[0, day, j], rel=1e-9)
        assert c.value_b[j] == pytest.approx(exploration.untreated.readout_values[0, day, j], rel=1e-9)
    assert exploration.subjects_used == 12


def _cells(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table class="compact differences" id="{table_id}">(.*?)</table>', html, re.S)
    assert body is not None, f"no table {table_id}"
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1).split("<tbody>")[1], re.S)
    return [[unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


def test_the_page_shows_compare_numbers_in_absolute_units(local_client, regimen_file):
    html = local_client.get("/model", params={**FORM, "readout": READOUTS}).text
    assert 'id="explorer-error"' not in html
    model = _subject()
    for readout in READOUTS:
        rows = _cells(html, f"differences-{readout}")
        assert [r[0] for r in rows] == ["60", "120"]
        for row, day in zip(rows, (60.0, 120.0), strict=True):
            want = compare(model, regimen_file, at_time=day, subjects=12, seed=3)
            j = want.readouts.index(readout)
            expected = [f"{want.value_a[j]:.4g}", f"{want.value_b[j]:.4g}", f"{want.difference[j]:+.4g}",
                        *(f"{q:+.4g}" for q in want.band[:, j])]  # fmt: skip
            assert row[1:] == expected
    assert "n = 12" in html
    assert "CM 30 µg per joint every 7 days x 5 from day 7" in html
    assert html.count('<img src="data:image/svg+xml;base64,') == len(READOUTS)


def test_the_csv_download_holds_the_full_numbers(local_client, regimen_file):
    response = local_client.get("/model/download.csv", params={**FORM, "readout": READOUTS})
    assert response.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(response.text), comment="#")
    want = compare(_subject(), regimen_file, at_time=120.0, subjects=12, seed=3).to_frame()
    got = table[table["time"] == 120.0].set_index("readout")
    for readout in READOUTS:
        row = want.set_index("readout").loc[readout]
        assert got.loc[readout, "difference"] == row["difference"]  # repr round-trips a float exactly
        assert got.loc[readout, "band_95"] == row["band_95"]
        assert got.loc[readout, "unit"] == row["unit"]
    assert list(table["readout"].unique()) == READOUTS


def test_the_evidence_beside_is_the_reports_for_the_outcome(local_client, store):
    html = local_client.get("/model", params={**FORM, "readout": READOUTS}).text
    evidence = html.split('id="evidence-odriscoll"')[1].split("</section>")[0]
    dataset = analysis_dataset(list(get_studies(store)))
    votes = outcome_votes(dataset, "animal", "secretome")
    voted = votes[votes["outcome"] == "odriscoll_score"]
    # The four synthetic rat studies put conditioned medium above control on O'Driscoll's score (higher is better).
    assert sorted(voted["study_id"]) == ["alpha-2019-synthetic", "beta-2020-synthetic", "delta-2022-synthetic",
                                         "gamma-2021-synthetic"]  # fmt: skip
    assert set(voted["vote"]) == {"benefit"}
    assert "<b>Rat</b>: 4 benefit, 0 harm, 0 other; all species: 4 benefit, 0 harm, 0 other." in evidence
    assert evidence.count("<td>Conditioned medium</td>") == 4
    for study in voted["study_id"]:
        assert f'<a href="/studies/{study}">' in evidence
    pooled = analyse(dataset, "odriscoll_score/animal/secretome").result
    assert f"<b>{pooled.estimate:.3f}</b> [{pooled.ci_lb:.3f}, {pooled.ci_ub:.3f}]" in evidence
    assert '<a href="/synthesis?analysis=odriscoll_score/animal/secretome">' in evidence
    # The synthetic store has no aggrecan results: said, not left blank.
    aggrecan = html.split('id="evidence-aggrecan"')[1].split("</section>")[0]
    assert "No animal study of secretome products in the store reports a direction" in aggrecan


def test_evidence_versus_model_rows_are_the_reports_for_the_readout(local_client):
    rows = evidence_versus_model(calibration_artefacts()["directions"])
    if rows.empty:
        pytest.fail("the report ships its calibration artefacts (tools/make_calibration.py)")
    readout = rows["readout"].value_counts().index[0]
    html = local_client.get("/model", params={**FORM, "readout": [readout]}).text
    evidence = html.split(f'id="evidence-{readout}"')[1].split("</section>")[0]
    mine = rows[rows["readout"] == readout]
    table = evidence.split('class="compact versus"')[1]
    assert table.count("<tr>") - 1 == len(mine)
    for study, value in zip(mine["study"], mine["model, calibrated"], strict=True):
        assert f'<a href="/studies/{study}">{study}</a>' in table
        assert f">{value}</td>" in table


def _error(html: str) -> str:
    found = re.search(r'<p class="error" id="explorer-error">(.*?)</p>', html, re.S)
    assert found is not None, "no error line on the page"
    return unescape(found.group(1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"preset": "baker2017"}, "field 'preset': not a preset with a product to dose; one of rat-mia, "),
        (
            {"product": "prp"},
            "field 'product': not a product of rat-focal-defect; one of cm, ev, msc, il1ra (got 'prp')",
        ),
        ({"amount": "abc"}, "field 'amount': must be a number (got 'abc')"),
        ({"amount": "0"}, "field 'amount': must be > 0 (got '0')"),
        ({"amount": "inf"}, "field 'amount': must be a finite number (got 'inf')"),
        ({"amount": "1e16"}, "field 'amount': must be <= 1e+15 (a declared limit) (got 1e+16)"),
        ({"start": "-1"}, "field 'start': must be >= 0 (got '-1')"),
        ({"every": "0"}, "field 'every': must be > 0 (got '0')"),
        ({"count": "2.5"}, "field 'count': must be a whole number from 1 to 1000 (got '2.5')"),
        ({"count": "30"}, "field 'count': the last dose, on day 210, is after the preset's end (120 day) (got '30')"),
        ({"times": "60, x"}, "field 'times': must be numbers separated by commas (got 'x')"),
        ({"times": "200"}, "field 'times': each time must be > 0 and <= the preset's end, 120 day (got '200')"),
        ({"subjects": "100000"}, f"field 'subjects': must be a whole number from 2 to {MAX_SUBJECTS} (got '100000')"),
        ({"count": "²"}, "field 'count': must be a whole number from 1 to 1000 (got '²')"),
        ({"subjects": "9" * 5000}, "field 'subjects': must be a whole number from 2 to 200 (got '99999"),
        ({"seed": "-4"}, "field 'seed': must be a whole number from 0 to 4294967295 (got '-4')"),
    ],
)
def test_bad_input_is_one_line_naming_the_field_and_keeps_what_was_typed(local_client, change, message):
    response = local_client.get("/model", params={**FORM, **change, "readout": READOUTS})
    assert response.status_code == 200
    error = _error(response.text)
    assert error.startswith(message)
    assert "\n" not in error
    assert "Traceback" not in response.text
    field, typed = next(iter(change.items()))
    if field not in ("preset", "product"):
        assert f'name="{field}" id="{field}" value="{typed}"' in response.text


def test_no_readout_and_an_unknown_readout(local_client):
    assert _error(local_client.get("/model", params=FORM).text) == "field 'readout': choose at least one readout"
    error = _error(local_client.get("/model", params={**FORM, "readout": ["defect_fill", "cartilage"]}).text)
    assert error.startswith("field 'readout': not a readout of rat-focal-defect; one of aggrecan, ")
    assert error.endswith("(got 'cartilage')")


def test_typed_markup_is_escaped(local_client):
    payload = '"><script>alert(1)</script>'
    html = local_client.get("/model", params={**FORM, "amount": payload, "readout": READOUTS}).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_first_visit_shows_the_review_protocol_simulated(local_client):
    html = local_client.get("/model").text
    assert 'id="explorer-error"' not in html
    assert "rat-mia: CM 30 µg per joint every 7 days x 5 from day 7, against untreated" in html
    for readout in ("aggrecan", "collagen_ii", "chondrocytes", "il1b"):
        assert f'id="differences-{readout}"' in html
    assert 'value="30, 60, 120"' in html


def test_htmx_gets_the_form_and_results_only(local_client):
    partial = local_client.get("/model", params={**FORM, "readout": ["odriscoll"]}, headers={"hx-request": "true"})
    assert "<html" not in partial.text
    assert 'id="explorer-form"' in partial.text
    assert 'id="differences-odriscoll"' in partial.text


def test_a_single_dose_and_the_request_fields():
    request = explorer_request({**FORM, "count": "1", "times": "", "subjects": "", "seed": ""}, ["aggrecan"])
    assert request.regimen() == {"doses": [{"product": "cm", "amount": 30.0, "start": 7.0, "every": 7.0, "count": 1}]}
    assert (request.times, request.subjects, request.seed) == ((30.0, 60.0, 120.0), 50, 0)
    with pytest.raises(InputError, match="field 'preset'"):
        explorer_request({**FORM, "preset": ""}, ["aggrecan"])


def test_a_bad_download_is_a_400_naming_the_field(local_client):
    response = local_client.get("/model/download.csv", params={**FORM, "every": "weekly", "readout": READOUTS})
    assert response.status_code == 400
    assert "field &#39;every&#39;: must be a number (got &#39;weekly&#39;)" in response.text
    assert "Traceback" not in response.text


def test_the_human_preset_and_cells_look_for_clinical_evidence_on_cell_products(store):
    request = explorer_request({**FORM, "preset": "human-knee-oa", "product": "msc", "amount": "1e7", "times": "",
                                "subjects": "4"}, ["aggrecan"])  # fmt: skip
    end = preset("human-knee-oa").t_end  # a quarter, half and all of the preset's time, in whole days
    assert request.times == (float(round(end / 4)), float(round(end / 2)), end)
    exploration = explore(request)
    evidence = outcome_evidence(list(get_studies(store)), analysis_dataset(list(get_studies(store))), exploration)
    aggrecan = evidence["aggrecan"]
    assert (aggrecan.evidence_level, aggrecan.product_class, aggrecan.species) == ("clinical", "cells", "human")
    assert aggrecan.outcome == "gag_content"
    assert aggrecan.votes.empty  # the synthetic corpus holds rat studies of conditioned medium only


def test_read_only_over_the_bundled_corpus_the_evidence_is_the_reports():
    from secretome.evidence import open_store
    from secretome.serve import ServeSettings, create_app

    from .conftest import make_client

    store = open_store()
    with make_client(create_app(ServeSettings(), store=store)) as client:
        html = client.get("/model", params={**FORM, "preset": "rat-mia", "product": "ev", "amount": "1e9",
                                            "readout": ["oarsi"]}).text  # fmt: skip
    assert 'id="explorer-error"' not in html
    votes = outcome_votes(analysis_dataset(list(get_studies(store))), "animal", "secretome")
    voted = votes[votes["outcome"] == "oarsi_score"]
    assert len(voted) >= 2
    evidence = html.split('id="evidence-oarsi"')[1].split("</section>")[0]
    for study in voted["study_id"]:
        assert f'<a href="/studies/{study}">{study}</a>' in evidence
    counts = f"all species: {(voted['vote'] == 'benefit').sum()} benefit, {(voted['vote'] == 'harm').sum()} harm"
    assert counts in evidence
    rows = evidence_versus_model(calibration_artefacts()["directions"])
    assert evidence.split('class="compact versus"')[1].count("<tr>") - 1 == (rows["readout"] == "oarsi").sum()


def test_each_figure_downloads_as_the_svg_the_page_shows(local_client, exploration):
    html = local_client.get("/model", params={**FORM, "readout": READOUTS}).text
    link = unescape(re.search(r'href="(/model/download\.svg\?[^"]*)" id="download-svg-aggrecan"', html).group(1))
    response = local_client.get(link)
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content == exploration.figure_svg("aggrecan")
    assert b"<svg" in response.content
    shown = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="aggrecan', html).group(1)
    assert base64.b64decode(shown) == response.content
    other = local_client.get(link.replace("figure=aggrecan", "figure=thickness"))
    assert other.status_code == 400
    assert "field &#39;figure&#39;: not one of the readouts asked for (got &#39;thickness&#39;)" in other.text
    assert local_client.get(link.replace("download.svg", "download.pdf")).status_code == 404
