"""The Extraction view through the test client, on SQLite (local mode) and on a real PostgreSQL server (team mode).

The reference for every refusal is the study file validator itself: the same document given to
``parse_study`` must fail with the same message the form shows.
"""

from __future__ import annotations

import copy
import re

import pytest
from markupsafe import Markup, escape

from secretome.errors import InputError
from secretome.evidence import add_account, audit_log, get_study, parse_study, study_document
from secretome.serve import ServeSettings, create_app

from .conftest import csrf_of, fill_store, make_client

STUDY = "gamma-2021-synthetic"  # synthetic: arms cm and control, one result (tests/serve/data/corpus)
QUOTE = "O'Driscoll score at week 12: 15.5 ± 2.0 (n = 6) vs 11.0 ± 3.1 (n = 6)"
RESULT = {
    "outcome": "odriscoll_score",
    "timepoint": "week 12",
    "timepoint_days": "84",
    "treatment": "cm",
    "control": "control",
    "kind": "arm_data",
    "treatment_n": "6",
    "treatment_mean": "15.5",
    "treatment_sd": "2.0",
    "control_n": "6",
    "control_mean": "11.0",
    "control_sd": "3.1",
    "source": "doi:10.5555/secretome.serve.3",
    "location": "Table 3",
    "quote": QUOTE,
    "status": "verbatim",
}
# The same result as a study file states it: what parse_study is given to produce the reference message.
RESULT_DOCUMENT = {
    "outcome": "odriscoll_score",
    "timepoint": "week 12",
    "timepoint_days": 84,
    "treatment": "cm",
    "control": "control",
    "arm_data": {"cm": {"n": 6, "mean": 15.5, "sd": 2.0}, "control": {"n": 6, "mean": 11.0, "sd": 3.1}},
    "provenance": {
        "source": "doi:10.5555/secretome.serve.3",
        "location": "Table 3",
        "quote": QUOTE,
        "status": "verbatim",
    },
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.needs_postgres)])
def workbench(request, tmp_path):
    """(client, store, user): local mode on SQLite (alice, admin) or team mode on PostgreSQL (bob, reviewer)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'review.db'}"
        with fill_store(url) as store:
            app = create_app(ServeSettings(db=url, reviewer="alice", order="store"), store=store)
            with make_client(app) as client:
                yield client, store, "alice"
        return
    url = request.getfixturevalue("postgres_url")
    with fill_store(url) as store:
        add_account(store, "bob", "correct horse battery", role="reviewer")
        add_account(store, "rita", "reader's password 1", role="reader")
        with make_client(create_app(ServeSettings(db=url, order="store"), store=store)) as client:
            # Team mode: nothing of the view without signing in.
            assert client.get(f"/extraction/{STUDY}").url.path == "/login"
            page = client.get("/login")
            signed = client.post("/login", data={"username": "bob", "password": "correct horse battery",
                                                 "next": "/extraction", "csrf_token": csrf_of(page.text)})  # fmt: skip
            assert signed.url.path == "/extraction"
            yield client, store, "bob"


def _escaped(text: str) -> str:
    """*text* as the templates write it (Jinja2 autoescaping)."""
    return str(escape(text))


def _form(client, study_id: str = STUDY) -> tuple[str, str, str]:
    page = client.get(f"/extraction/{study_id}")
    assert page.status_code == 200, page.text
    base = re.search(r'name="base" value="([0-9a-f]{64})"', page.text)
    assert base is not None
    return page.text, csrf_of(page.text), base.group(1)


def _post_result(client, fields: dict[str, str], study_id: str = STUDY):
    _, csrf, base = _form(client, study_id)
    return client.post(f"/extraction/{study_id}/result", data=fields | {"csrf_token": csrf, "base": base})


def _edits(store) -> list:
    return [e for e in audit_log(store, limit=1000).entries if e.action.startswith("study.")]


def _schema_message(store, result: dict) -> str:
    """What the study file validator says of the stored study with *result* added."""
    document, _ = study_document(store, STUDY)
    document["results"].append(result)
    with pytest.raises(InputError) as refused:
        parse_study(document)
    return str(refused.value)


def test_a_result_with_its_quote_is_saved_logged_and_shown(workbench):
    client, store, user = workbench
    page = _post_result(client, RESULT)
    assert page.status_code == 200, page.text
    assert page.url.path == f"/extraction/{STUDY}"
    assert "saved: result 1 added" in page.text
    study = get_study(store, STUDY)
    assert len(study.results) == 2
    saved = study.results[1]
    assert saved.provenance.quote == QUOTE
    assert saved.provenance.location == "Table 3"
    assert [(d.arm, d.n, d.mean, d.sd) for d in saved.arm_data] == [("cm", 6, 15.5, 2.0), ("control", 6, 11.0, 3.1)]
    assert saved.timepoint_days == 84
    (edit,) = _edits(store)
    assert (edit.actor, edit.target, edit.detail["change"]) == (user, f"study {STUDY}", "result 1 added")
    assert edit.undo is not None
    shown = client.get(f"/studies/{STUDY}").text
    assert _escaped(QUOTE) in shown


@pytest.mark.parametrize("missing", ["source", "location", "quote", "status"])
def test_a_result_without_each_part_of_its_provenance_is_refused_with_the_schema_message(workbench, missing):
    client, store, _ = workbench
    before = study_document(store, STUDY)
    fields = {k: v for k, v in RESULT.items() if k != missing}
    page = _post_result(client, fields)
    assert page.status_code == 400
    result = copy.deepcopy(RESULT_DOCUMENT)
    del result["provenance"][missing]
    expected = _schema_message(store, result)
    assert expected == f"record '{STUDY}', field 'results[1].provenance.{missing}': is required (got None)"
    assert _escaped(f"Not saved: {expected}") in page.text
    # The field is marked, and what was typed is kept.
    assert re.search(rf'name="{missing}" id="result-{missing}"[^>]*aria-invalid="true"', page.text)
    for kept in ("15.5", "11.0", "Table 3" if missing != "location" else "week 12"):
        assert f'value="{kept}"' in page.text
    if missing != "quote":
        assert _escaped(QUOTE) in page.text
    # A failed save changes nothing.
    assert study_document(store, STUDY) == before
    assert _edits(store) == []


def test_a_number_the_quote_does_not_state_is_refused_with_the_schema_message(workbench):
    client, store, _ = workbench
    before = study_document(store, STUDY)
    page = _post_result(client, RESULT | {"treatment_mean": "15.6"})
    assert page.status_code == 400
    result = copy.deepcopy(RESULT_DOCUMENT)
    result["arm_data"]["cm"]["mean"] = 15.6
    expected = _schema_message(store, result)
    assert expected == (
        f"record '{STUDY}', field 'results[1].arm_data.cm.mean': "
        "number not stated in its quote (results[1].provenance.quote) (got 15.6)"
    )
    assert _escaped(f"Not saved: {expected}") in page.text
    assert re.search(r'name="treatment_mean"[^>]*value="15.6"[^>]*aria-invalid="true"', page.text)
    assert study_document(store, STUDY) == before
    assert _edits(store) == []


def test_an_edit_is_undone_from_the_view_and_only_once(workbench):
    client, store, user = workbench
    _post_result(client, RESULT)
    (edit,) = _edits(store)
    text, csrf, _ = _form(client)
    assert f'name="change" value="{edit.undo}"' in text
    page = client.post("/extraction/undo", data={"change": edit.undo, "study_id": STUDY, "csrf_token": csrf})
    assert page.status_code == 200
    assert f"result 1 added ({STUDY}, by {user}) undone" in page.text
    assert len(get_study(store, STUDY).results) == 1
    assert [e.action for e in _edits(store)] == ["study.undo", "study.edit"]
    assert all(e.undo is None for e in _edits(store))
    again = client.post("/extraction/undo", data={"change": edit.undo, "study_id": STUDY, "csrf_token": csrf})
    assert again.status_code == 400
    assert "this edit was undone already" in again.text


def _pooled(client) -> str:
    page = client.get("/synthesis", params={"analysis": "odriscoll_score/animal/secretome"}).text
    return re.search(r'<p id="pooled">(.*?)</p>', page, re.S).group(1)


def test_the_synthesis_follows_an_edit_and_its_undo_from_the_audit_log(workbench):
    client, store, _ = workbench
    primary = "alpha-2019-synthetic"  # gamma is a secondary source, which the synthesis leaves out by default
    before = _pooled(client)
    assert "k = 3" in before
    changed = RESULT | {"position": "0", "timepoint": "week 8", "timepoint_days": "56", "treatment_n": "8",
                        "treatment_mean": "20.0", "treatment_sd": "2.1", "control_n": "8", "control_mean": "9.0",
                        "control_sd": "1.8", "location": "Table 2", "source": "doi:10.5555/secretome.serve.1",
                        "quote": "O'Driscoll score 20.0 ± 2.1 (n = 8) vs 9.0 ± 1.8 (n = 8)"}  # fmt: skip
    page = _post_result(client, changed, primary)
    assert page.status_code == 200, page.text
    assert get_study(store, primary).results[0].arm_data[0].mean == 20.0
    after = _pooled(client)
    assert "k = 3" in after
    assert after != before  # a larger difference in one study moves the pooled SMD
    (edit,) = _edits(store)
    audit = client.get("/audit").text
    assert f'name="change" value="{edit.undo}"' in audit
    page = client.post("/undo", data={"change": edit.undo, "back": "audit", "csrf_token": csrf_of(audit)})
    assert page.status_code == 200
    assert get_study(store, primary).results[0].arm_data[0].mean == 18.5
    assert _pooled(client) == before


def test_a_later_edit_is_undone_first(workbench):
    client, store, _ = workbench
    _post_result(client, RESULT)
    _post_result(client, RESULT | {"position": "1", "location": "Table 4"})
    first, second = sorted((e for e in _edits(store)), key=lambda e: e.at)
    _, csrf, _ = _form(client)
    refused = client.post("/extraction/undo", data={"change": first.undo, "study_id": STUDY, "csrf_token": csrf})
    assert refused.status_code == 400
    assert "was changed after this edit; undo the later edits first" in refused.text
    assert get_study(store, STUDY).results[1].provenance.location == "Table 4"
    client.post("/extraction/undo", data={"change": second.undo, "study_id": STUDY, "csrf_token": csrf})
    client.post("/extraction/undo", data={"change": first.undo, "study_id": STUDY, "csrf_token": csrf})
    assert len(get_study(store, STUDY).results) == 1


def test_an_arm_and_the_risk_of_bias_are_saved_through_the_schema(workbench):
    client, store, _ = workbench
    _, csrf, base = _form(client)
    arm = {"arm_id": "sham", "role": "sham", "label": "saline", "n": "5", "source": "doi:10.5555/secretome.serve.3",
           "location": "Methods", "quote": "Five rats received saline (n = 5).", "status": "verbatim"}  # fmt: skip
    page = client.post(f"/extraction/{STUDY}/arm", data=arm | {"csrf_token": csrf, "base": base})
    assert page.status_code == 200, page.text
    assert [(a.id, a.n) for a in get_study(store, STUDY).arms] == [("cm", 6), ("control", 6), ("sham", 5)]
    _, csrf, base = _form(client)
    refused = client.post(f"/extraction/{STUDY}/arm", data=arm | {"n": "7", "csrf_token": csrf, "base": base})
    assert refused.status_code == 400
    assert (
        "field &#39;arms[2].n&#39;: number not stated in its quote (arms[2].provenance.quote) (got 7)" in refused.text
    )
    rob = {"tool": "SYRCLE", "rob_source": "https://doi.org/10.5555/secretome.serve.3"}
    rob |= {f"{domain}_judgement": "unclear" for domain, _ in _syrcle_domains()}
    rob |= {"blinding_assessors_judgement": "low", "blinding_assessors_quote": "Assessors were blinded."}
    _, csrf, base = _form(client)
    page = client.post(f"/extraction/{STUDY}/risk-of-bias", data=rob | {"csrf_token": csrf, "base": base})
    assert page.status_code == 200, page.text
    items = {i.domain: (i.judgement, i.quote) for i in get_study(store, STUDY).risk_of_bias.items}
    assert items["blinding_assessors"] == ("low", "Assessors were blinded.")
    _, csrf, base = _form(client)
    unquoted = rob | {"blinding_assessors_quote": ""}
    refused = client.post(f"/extraction/{STUDY}/risk-of-bias", data=unquoted | {"csrf_token": csrf, "base": base})
    assert refused.status_code == 400
    assert "judgement &#39;low&#39; needs the quote it rests on" in refused.text


def _syrcle_domains():
    from secretome import vocab

    return vocab.RISK_OF_BIAS_TOOLS["SYRCLE"].domains


def test_a_new_study_is_created_and_its_creation_undone(workbench):
    client, store, _ = workbench
    page = client.get("/extraction")
    fields = {"id": "test-2024-created", "design": "animal", "title": "A study typed into the form",
              "authors": "Test A\nTest B", "year": "2024", "csrf_token": csrf_of(page.text)}  # fmt: skip
    created = client.post("/extraction/new", data=fields)
    assert created.url.path == "/extraction/test-2024-created"
    assert get_study(store, "test-2024-created").reference.authors == ("Test A", "Test B")
    taken = client.post("/extraction/new", data=fields)
    assert taken.status_code == 400
    assert "a study with this id is in the store already" in taken.text
    (edit,) = _edits(store)
    _, csrf, _ = _form(client, "test-2024-created")
    gone = client.post(
        "/extraction/undo", data={"change": edit.undo, "study_id": "test-2024-created", "csrf_token": csrf}
    )
    assert gone.url.path == "/extraction"
    with pytest.raises(InputError, match="no such study"):
        get_study(store, "test-2024-created")


def test_xss_posted_through_every_field_of_every_form_is_escaped_on_every_page(workbench):
    client, _, _ = workbench
    xss = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    provenance = ["source", "location", "quote", "status", "method"]
    study = ["design", "title", "authors", "year", "journal", "doi", "pmid", "url", "source_quality"]
    arm = ["arm_id", "role", "label", "n", "product", "msc_source", "route", "dose_value", "dose_unit", "schedule"]
    result = [*RESULT, "position", "measure", "estimate", "ci_lb", "ci_ub", "se", "direction", "p", "significant"]
    rob = ["tool", "rob_source", "rob_notes"] + [
        f"{d}_{f}" for d, _ in _syrcle_domains() for f in ("judgement", "quote")
    ]
    forms = {
        "/extraction/new": ["id", *study],
        f"/extraction/{STUDY}/study": study,
        f"/extraction/{STUDY}/arm": [*arm, "notes", *provenance],
        f"/extraction/{STUDY}/result": [*result, "notes", *provenance],
        f"/extraction/{STUDY}/risk-of-bias": rob,
        f"/extraction/{STUDY}/remove": ["remove"],
        f"/extraction/{STUDY}/classification": ["msc_sources", "products", "species", "outcome_domains", *provenance],
        f"/extraction/{STUDY}/population": ["species", "oa_model", "strain", "age", "notes", *provenance],
    }
    for path, fields in forms.items():
        _, csrf, base = _form(client)
        page = client.post(path, data=dict.fromkeys(fields, xss) | {"csrf_token": csrf, "base": base})
        assert page.status_code == 400, path
        assert "<script>alert" not in page.text, path
        assert "<img src=x" not in page.text, path
    # A payload that is valid text is saved, and escaped wherever it is shown.
    _post_result(client, RESULT | {"notes": xss, "timepoint": xss})
    for path in (f"/extraction/{STUDY}", f"/studies/{STUDY}", "/audit", "/"):
        text = client.get(path).text
        assert "<script>alert" not in text, path
        assert "<img src=x" not in text, path
    assert _escaped(xss) in client.get(f"/studies/{STUDY}").text


def test_read_only_mode_refuses_every_extraction_write(tmp_path):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    with fill_store(url) as store:
        with make_client(create_app(ServeSettings(db=url, read_only=True), store=store)) as client:
            assert client.get(f"/extraction/{STUDY}").status_code == 404
            for action in ("result", "arm", "risk-of-bias", "study", "remove"):
                assert client.post(f"/extraction/{STUDY}/{action}", data=RESULT).status_code in (404, 405)
            assert client.post("/extraction/new", data={"id": "x"}).status_code in (404, 405)
            assert client.post("/extraction/undo", data={"change": "edit:1"}).status_code in (404, 405)
            assert "/extraction" not in client.get(f"/studies/{STUDY}").text
        assert len(get_study(store, STUDY).results) == 1


@pytest.mark.needs_postgres
def test_a_reader_cannot_extract(postgres_url):
    with fill_store(postgres_url) as store:
        add_account(store, "rita", "reader's password 1", role="reader")
        with make_client(create_app(ServeSettings(db=postgres_url, order="store"), store=store)) as client:
            page = client.get("/login")
            client.post("/login", data={"username": "rita", "password": "reader's password 1", "next": "/",
                                        "csrf_token": csrf_of(page.text)})  # fmt: skip
            assert client.get(f"/extraction/{STUDY}").status_code == 403
            csrf = csrf_of(client.get("/").text)
            assert client.post(f"/extraction/{STUDY}/result", data=RESULT | {"csrf_token": csrf}).status_code == 403
        assert len(get_study(store, STUDY).results) == 1


def test_a_result_is_opened_for_change_removed_and_the_removal_undone(workbench):
    client, store, _ = workbench
    opened = client.get(f"/extraction/{STUDY}", params={"result": "0"}).text
    assert 'name="position" value="0"' in opened
    assert 'name="treatment_mean" id="result-treatment_mean" aria-label="treatment mean" value="14.0"' in opened
    assert "O&#39;Driscoll score 14.0 ± 2.5 (n = 6) vs 10.5 ± 2.9 (n = 6)</textarea>" in opened
    arm = client.get(f"/extraction/{STUDY}", params={"arm": "cm"}).text
    assert 'id="arm-label" value="conditioned medium"' in arm
    _, csrf, base = _form(client)
    unchanged = client.post(f"/extraction/{STUDY}/arm", data=_arm_fields(arm) | {"csrf_token": csrf, "base": base})
    assert "nothing changed, nothing saved" in unchanged.text
    assert _edits(store) == []
    removed = client.post(f"/extraction/{STUDY}/remove", data={"remove": "result:0", "csrf_token": csrf, "base": base})
    assert "saved: result 0 removed" in removed.text
    assert get_study(store, STUDY).results == ()
    (edit,) = _edits(store)
    client.post("/extraction/undo", data={"change": edit.undo, "study_id": STUDY, "csrf_token": csrf})
    assert get_study(store, STUDY).results[0].provenance.location == "Table 2"


def _arm_fields(page: str) -> dict[str, str]:
    """The arm form's fields as the page fills them (what a browser would send back)."""
    form = page.split('id="arm-form"')[1].split("</form>", maxsplit=1)[0]
    fields = dict(re.findall(r'<input type="text" name="([a-z_]+)" id="arm-[a-z_]+" value="([^"]*)"', form))
    for name, options in re.findall(r'<select name="([a-z_]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    quote = re.search(r'name="quote"[^>]*>([^<]*)</textarea>', form)
    fields["quote"] = str(Markup(quote.group(1)).unescape())
    return {name: str(Markup(value).unescape()) for name, value in fields.items()}


def test_every_arm_result_and_judgement_of_the_corpus_survives_its_form_unchanged():
    # Opening an item in its form and saving it untouched must not change the study (the validated
    # Study is equal), for every arm, result and risk-of-bias table of the bundled corpus: a form that
    # dropped a field it does not show, or misread a number it shows, fails here.
    from secretome.evidence import corpus_files, read_study_document
    from secretome.serve._extraction import (
        arm_values,
        classification_values,
        population_values,
        result_values,
        risk_of_bias_values,
        with_arm,
        with_classification,
        with_population,
        with_result,
        with_risk_of_bias,
    )

    def sent(values: dict[str, str]) -> dict[str, str]:
        return {name: value for name, value in values.items() if name != "kept"}  # a note, not a field

    checked = 0
    for path in corpus_files():
        document = read_study_document(path)
        study = parse_study(document)
        edits = [with_arm(copy.deepcopy(document), sent(arm_values(a))) for a in document.get("arms") or []]
        for i, result in enumerate(document.get("results") or []):
            edits.append(with_result(copy.deepcopy(document), sent(result_values(result, i))))
        if document.get("risk_of_bias"):
            edits.append(with_risk_of_bias(copy.deepcopy(document), risk_of_bias_values(document["risk_of_bias"])))
        if document.get("classification"):
            values = classification_values(document["classification"])
            edits.append(with_classification(copy.deepcopy(document), values))
        if document.get("population"):
            edits.append(with_population(copy.deepcopy(document), population_values(document["population"])))
        for edited, change in edits:
            assert parse_study(edited) == study, f"{document['id']}: {change}"
            assert change.endswith(("changed", "judged")), change  # nothing was removed
        checked += len(edits)
    assert checked > 500  # the corpus has 154 studies; most have arms and results


def test_the_classification_and_population_are_saved_through_the_schema(workbench):
    client, store, _ = workbench
    fields = {
        "msc_sources": ["adipose", "bone_marrow"],  # a multiple choice
        "products": ["conditioned_medium"],
        "species": ["rat"],
        "outcome_domains": ["histology"],
        "source": "doi:10.5555/secretome.serve.3",
        "location": "Methods",
        "quote": "Rats received conditioned medium.",
        "status": "curator_classification",
    }
    _, csrf, base = _form(client)
    page = client.post(f"/extraction/{STUDY}/classification", data=fields | {"csrf_token": csrf, "base": base})
    assert page.status_code == 200, page.text
    assert get_study(store, STUDY).classification.msc_sources == ("adipose", "bone_marrow")
    _, csrf, base = _form(client)
    unsourced = {k: v for k, v in fields.items() if k != "source"} | {"csrf_token": csrf, "base": base}
    refused = client.post(f"/extraction/{STUDY}/classification", data=unsourced)
    assert refused.status_code == 400
    expected = f"record '{STUDY}', field 'classification.provenance.source': is required (got None)"
    assert _escaped(expected) in refused.text
    assert '<option value="bone_marrow" selected>' in refused.text  # the choices are kept
    population = {
        "species": "rat",
        "oa_model": "focal_defect",
        "strain": "Wistar",
        "source": "doi:10.5555/secretome.serve.3",
        "location": "Methods",
        "quote": "Wistar rats with a focal cartilage defect.",
        "status": "verbatim",
    }
    _, csrf, base = _form(client)
    page = client.post(f"/extraction/{STUDY}/population", data=population | {"csrf_token": csrf, "base": base})
    assert page.status_code == 200, page.text
    assert get_study(store, STUDY).population.strain == "Wistar"
