"""The views through Starlette's test client: Overview, Studies, study page, Evidence map, Screening, read-only mode."""

from __future__ import annotations

import re

import pytest

from secretome.evidence import (
    decide,
    evidence_map,
    get_record,
    prisma_counts,
    record_order,
    resolve_conflict,
    screening_progress,
    search_studies,
)
from secretome.serve import ServeSettings, create_app

from .conftest import csrf_of, make_client


def test_overview_shows_the_prisma_flow_counted_from_the_store(local_client, store):
    counts = prisma_counts(store)
    html = local_client.get("/").text
    assert f"<b>{counts.n_identified}</b> records identified" in html
    assert f"<b>{counts.n_duplicates_removed}</b> duplicates removed" in html
    assert counts.n_identified > counts.n_duplicates_removed > 0


def test_overview_notes_the_full_text_decisions_no_box_counts(local_client, store):
    assert 'id="prisma-set-aside"' not in local_client.get("/").text
    record_id = record_order(store)[0]
    decide(store, record_id, "include", "bob")
    decide(store, record_id, "exclude", "bob", stage="full_text", reason="no OA outcome")
    decide(store, record_id, "exclude", "carol")  # no longer sought for retrieval: its full-text decision is in no box
    html = local_client.get("/").text
    assert "<b>0</b> full texts assessed<br><small>0 excluded</small>" in html
    assert (
        '<p class="note" id="prisma-set-aside">Not in the flow: full-text decisions on 1 record not included at '
        "title/abstract\n(inclusion undone, replaced by an exclusion, or never made)"
    ) in html


def test_studies_filter_by_facets_and_text_match_the_search_engine(local_client, store):
    html = local_client.get("/studies", params={"msc_source": "adipose", "q": "synthetic"}).text
    assert "2 studies" in html
    assert "gamma-2021-synthetic" in html
    assert "delta-2022-synthetic" in html
    assert "alpha-2019-synthetic" not in html
    expected = search_studies(store, filters={"msc_source": ["adipose"]}, text="synthetic")
    assert [r.id for r in expected.rows] == ["delta-2022-synthetic", "gamma-2021-synthetic"]


def test_htmx_requests_get_only_the_table(local_client):
    partial = local_client.get("/studies", params={"risk_of_bias": "high"}, headers={"hx-request": "true"}).text
    assert "<html" not in partial
    assert "beta-2020-synthetic" in partial
    assert "1 studies" in partial


def test_paging_and_sorting(local_client):
    first = local_client.get("/studies", params={"per_page": 3, "sort": "year", "desc": "1"}).text
    assert "page 1 of 2" in first
    ids = re.findall(r'<a href="/studies/([a-z0-9-]+)">', first)
    assert ids == ["delta-2022-synthetic", "gamma-2021-synthetic", "beta-2020-synthetic"]
    second = local_client.get("/studies", params={"per_page": 3, "sort": "year", "desc": "1", "page": 2}).text
    assert re.findall(r'<a href="/studies/([a-z0-9-]+)">', second) == ["alpha-2019-synthetic"]


def test_a_bad_page_number_is_a_400_naming_the_field(local_client):
    response = local_client.get("/studies", params={"page": "0"})
    assert response.status_code == 400
    assert "query parameter &#39;page&#39;: pages start at 1 (got 0); showing 1 instead" in response.text
    assert 'id="filters"' in response.text  # the list view, not the error page


def test_the_study_page_links_every_quote_to_its_source(local_client):
    html = local_client.get("/studies/gamma-2021-synthetic").text
    assert "O&#39;Driscoll score 14.0 ± 2.5 (n = 6) vs 10.5 ± 2.9 (n = 6)" in html
    links = re.findall(r'<a href="(https://doi.org/10.5555/secretome.serve.3)" rel="noreferrer">', html)
    assert len(links) == 5  # classification, population, two arms, one result


def test_an_unknown_study_names_close_ids(local_client):
    response = local_client.get("/studies/gamma-2021-synthetik")
    assert response.status_code == 400
    assert "close: gamma-2021-synthetic" in response.text


def test_each_map_cell_opens_the_studies_it_counts(local_client, store):
    html = local_client.get("/map").text
    cells = re.findall(r'<a href="(/studies\?[^"]+)" title="(\d+) studies">', html)
    assert cells
    for href, n in cells:
        listed = local_client.get(href.replace("&amp;", "&")).text
        assert f"{n} studies" in listed
    assert sum(c.n_studies for c in evidence_map(store).cells) == sum(int(n) for _, n in cells)


def test_every_response_carries_the_security_headers(local_client):
    response = local_client.get("/")
    assert response.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "secretome_csrf=" in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]
    assert "SameSite=Strict" in response.headers["set-cookie"]


def test_read_only_mode_has_no_write_route(store, store_url):
    app = create_app(ServeSettings(db=store_url, read_only=True), store=store)
    writes = [r.path for r in app.routes if "POST" in (getattr(r, "methods", None) or ())]
    assert writes == []
    with make_client(app) as client:
        assert client.get("/").status_code == 200
        assert client.get("/screening").status_code == 404
        assert client.post("/screening/decide", data={"record_id": "1", "decision": "include"}).status_code == 404
        assert "Screening" not in client.get("/").text.split("<main>")[0]


def test_without_a_store_the_bundled_corpus_is_served_read_only():
    settings = ServeSettings()
    assert settings.mode == "read_only"
    with make_client(create_app(settings)) as client:
        html = client.get("/studies", params={"q": "matas"}).text
        assert "matas-2019-ucmsc" in html
        # Every view answers on the real corpus, whose pooled rows include effect sizes from p-values (D8).
        for path in ("/", "/map", "/synthesis"):
            assert client.get(path).status_code == 200, path
        synthesis = client.get("/synthesis", params={"analysis": "vas_pain/clinical/cells"})
        assert synthesis.status_code == 200
        assert "dulic-2021-medicina" in synthesis.text
        # The report's Mantel-Haenszel comparisons (rule S6) are listed and shown too.
        overview = " ".join(re.sub(r"<[^>]+>", " ", client.get("/").text).split())
        assert "RD between arms, Mantel-Haenszel" in overview
        # As the report: three secretome trials without an event give no pooled proportion (it would only restate
        # escalc's 1/2), and one serious adverse event in nine tables leaves no heterogeneity to compute.
        assert "Serious adverse events (clinical, secretome, PLO; k = 3) 3 0 events in 74 - -" in overview
        assert "RD +0.1 [-0.2, +0.4] points - not computable" in overview
        compared = client.get("/synthesis", params={"analysis": "adverse_events/clinical/cells/RD"}).text
        assert "Mantel-Haenszel risk difference, treatment minus comparator" in compared


def test_a_sqlite_store_is_served_on_loopback_only(store_url):
    import pytest

    from secretome.errors import InputError

    with pytest.raises(InputError, match="loopback only"):
        ServeSettings(db=store_url, host="0.0.0.0")


def test_a_record_decided_meanwhile_is_not_decided_again_and_the_page_says_so(local_client, store):
    # bob and carol decide the record alice has open in two-reviewer mode before she does.
    page = local_client.get("/screening", params={"reviewers": "2"}).text
    record_id = int(page.split('name="record_id" value="')[1].split('"')[0])
    decide(store, record_id, "include", "bob", reviewers=2)
    decide(store, record_id, "exclude", "carol", reviewers=2)
    form = {"record_id": record_id, "stage": "title_abstract", "reviewers": "2", "decision": "include"}
    after = local_client.post("/screening/decide", data=form | {"csrf_token": csrf_of(page)})
    assert after.status_code == 200
    assert f"not saved: record {record_id}: bob and carol decided this record at title_abstract already" in after.text
    assert f'data-record="{record_id}"' not in after.text  # the next record is shown
    assert dict(screening_progress(store).per_reviewer) == {"bob": 1, "carol": 1}


def test_two_reviewer_mode_shows_cohens_kappa_and_resolves_conflicts(local_client, store):
    from sklearn.metrics import cohen_kappa_score

    ids = record_order(store)[:8]
    bob = ["include" if k % 2 else "exclude" for k in range(8)]
    carol = ["include" if k % 3 else "exclude" for k in range(8)]
    for record_id, b, c in zip(ids, bob, carol, strict=True):
        decide(store, record_id, b, "bob", reviewers=2)
        decide(store, record_id, c, "carol", reviewers=2)
    page = local_client.get("/screening", params={"reviewers": "2"}).text
    kappa = re.search(r"<td>bob / carol</td><td class=\"num\">([0-9.\-]+)</td><td class=\"num\">n = 8</td>", page)
    assert kappa is not None, "no kappa for bob and carol on the page"
    assert float(kappa.group(1)) == pytest.approx(cohen_kappa_score(bob, carol), abs=5e-4)  # 0.250
    conflicts = [i for i, b, c in zip(ids, bob, carol, strict=True) if b != c]
    assert re.findall(r'id="conflict-(\d+)"', page) == [str(i) for i in conflicts]
    form = {"record_id": conflicts[0], "stage": "title_abstract", "reviewers": "2", "decision": "include",
            "reason": "population fits", "csrf_token": csrf_of(page)}  # fmt: skip
    after = local_client.post("/screening/resolve", data=form).text
    assert f"conflict on record {conflicts[0]} resolved: include" in after
    assert re.findall(r'id="conflict-(\d+)"', after) == [str(i) for i in conflicts[1:]]
    assert "screening.resolve" in local_client.get("/audit").text


def _conflict(store, stage):
    """A record bob includes and carol excludes at *stage* (both include it at title and abstract first)."""
    record_id = record_order(store)[0]
    if stage == "full_text":
        decide(store, record_id, "include", "bob")
    decide(store, record_id, "include", "bob", stage=stage, reviewers=2)
    decide(store, record_id, "exclude", "carol", stage=stage, reviewers=2, reason="no control group")
    return record_id


def test_a_refused_resolution_returns_to_its_conflict_with_the_field_named_and_the_reason_kept(local_client, store):
    record_id = _conflict(store, "full_text")
    page = local_client.get("/screening", params={"stage": "full_text", "reviewers": "2"}).text
    assert f'id="conflict-{record_id}"' in page
    typed = "  "  # blank: an exclusion at full text needs a reason (PRISMA 2020 item 16a)
    form = {"record_id": record_id, "stage": "full_text", "reviewers": "2", "decision": "exclude",
            "reason": typed, "csrf_token": csrf_of(page)}  # fmt: skip
    after = local_client.post("/screening/resolve", data=form)
    assert after.status_code == 200
    line = (
        f"not saved: conflict on record {record_id}: field &#39;reason&#39;: "
        "an exclusion at full text needs a reason (PRISMA 2020)"
    )
    assert line in after.text
    assert "<small>Full text</small>" in after.text  # the stage and the conflict it came from
    conflict = after.text.split(f'id="conflict-{record_id}"')[1].split("</div>")[0]
    assert f'id="conflict-reason-{record_id}"' in conflict
    assert f'value="{typed}"' in conflict
    assert 'aria-invalid="true"' in conflict
    assert 'id="conflict-error"' in conflict
    assert len(screening_progress(store, stage="full_text").conflicts) == 1  # nothing was saved

    too_long = "r" * 501  # the store's limit is 500; the form's maxlength only stops a browser
    kept = local_client.post("/screening/resolve", data=form | {"reason": too_long, "decision": "include"}).text
    assert "field &#39;reason&#39;: at most 500 characters" in kept
    assert f'value="{too_long}"' in kept.split(f'id="conflict-{record_id}"')[1]

    tampered = local_client.post("/screening/resolve", data=form | {"reason": "fits", "decision": "maybe"}).text
    assert "field &#39;decision&#39;: must be one of &#39;include&#39;, &#39;exclude&#39;" in tampered
    tampered_conflict = tampered.split(f'id="conflict-{record_id}"')[1].split("</div>")[0]
    assert 'value="fits"' in tampered_conflict
    assert 'aria-invalid="true"' not in tampered_conflict  # the reason was not the field at fault
    assert len(screening_progress(store, stage="full_text").conflicts) == 1

    resolved = local_client.post("/screening/resolve", data=form | {"reason": "no OA outcome"}).text
    assert f"conflict on record {record_id} resolved: exclude" in resolved
    assert screening_progress(store, stage="full_text").conflicts == ()


def test_a_resolution_after_anothers_is_refused_on_the_screening_view(local_client, store):
    # Two resolvers open the same conflict; the second submits after the first: the first resolution stands.
    record_id = _conflict(store, "title_abstract")
    page = local_client.get("/screening", params={"reviewers": "2"}).text
    resolve_conflict(store, record_id, "exclude", "dan", reason="no OA outcome")
    form = {"record_id": record_id, "stage": "title_abstract", "reviewers": "2", "decision": "include",
            "reason": "population fits", "csrf_token": csrf_of(page)}  # fmt: skip
    after = local_client.post("/screening/resolve", data=form)
    assert after.status_code == 200
    line = (
        f"not saved: conflict on record {record_id}: field &#39;record_id&#39;: no conflict on this record at "
        f"title_abstract to resolve: dan resolved it meanwhile (exclude); undo that resolution to resolve it again "
        f"(got {record_id})"
    )
    assert f'<p class="flash refused" id="flash">{line}</p>' in after.text
    assert 'id="progress"' in after.text
    assert f'id="conflict-{record_id}"' not in after.text
    assert get_record(store, record_id).decisions[-1][2:4] == ("dan", "exclude")


def test_a_resolution_of_a_bad_record_id_names_it_on_the_screening_view(local_client, store):
    _conflict(store, "title_abstract")
    page = local_client.get("/screening", params={"reviewers": "2"}).text
    form = {"record_id": "x1", "stage": "title_abstract", "reviewers": "2", "decision": "include",
            "reason": "typed", "csrf_token": csrf_of(page)}  # fmt: skip
    after = local_client.post("/screening/resolve", data=form)
    assert after.status_code == 200
    assert "not saved: conflict on record x1: field &#39;record_id&#39;: a record id is a number" in after.text
    assert 'id="progress"' in after.text


def test_the_studies_download_as_study_files_that_load_as_the_corpus(local_client, store, tmp_path):
    import io
    import zipfile

    from secretome.evidence import get_studies, load_corpus

    page = local_client.get("/studies").text
    assert 'href="/export/studies.zip"' in page
    response = local_client.get("/export/studies.zip")
    assert response.headers["content-type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(tmp_path)
    assert load_corpus(tmp_path / "studies").studies == get_studies(store)


def test_a_full_text_inclusion_links_its_study_and_the_prisma_flow_counts_it(local_client, store):
    record_id = record_order(store)[0]
    decide(store, record_id, "include", "bob")  # title and abstract
    page = local_client.get("/screening", params={"stage": "full_text"}).text
    assert 'name="study_id"' in page
    form = {"record_id": record_id, "stage": "full_text", "reviewers": "1", "decision": "include",
            "csrf_token": csrf_of(page)}  # fmt: skip
    refused = local_client.post("/screening/decide", data=form | {"study_id": "no-such-study"}).text
    assert f"not saved: record {record_id}: field &#39;study_id&#39;: no such study in the store" in refused
    assert prisma_counts(store).n_full_text_assessed == 0  # the refused save changed nothing
    xss = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    echoed = local_client.post("/screening/decide", data=form | {"study_id": xss}).text
    assert "no such study in the store" in echoed
    assert "<script>alert" not in echoed
    assert "&lt;img src=x onerror=alert(1)&gt;" in echoed
    local_client.post("/screening/decide", data=form | {"study_id": "alpha-2019-synthetic"})
    counts = prisma_counts(store)
    assert (counts.n_full_text_assessed, counts.n_studies_included, counts.n_reports_unlinked) == (1, 1, 0)


def _shown(page: str) -> int:
    """The record the Screening page offers."""
    found = re.search(r'data-record="(\d+)"', page)
    assert found is not None, "the Screening page offers no record"
    return int(found.group(1))


def test_undo_shows_the_undone_record_again_wherever_the_ranking_put_it(store, store_url):
    import time

    ids = record_order(store)
    decide(store, ids[0], "include", "bob")
    decide(store, ids[1], "exclude", "bob")  # one of each: the queue is ranked by active learning
    app = create_app(ServeSettings(db=store_url, reviewer="alice", order="ranked"), store=store)
    with make_client(app) as client:
        page = client.get("/screening").text
        first = _shown(page)
        form = {"record_id": first, "stage": "title_abstract", "reviewers": "1", "csrf_token": csrf_of(page)}
        after = client.post("/screening/decide", data=form | {"decision": "include"}).text
        second = _shown(after)
        # Once the ranker has retrained on alice's decision, it ranks the unscreened records and puts the
        # decided ones (hers among them) after them: the order a page after her undo is served at first.
        deadline = time.monotonic() + 60
        while (order := app.state.bench.priority(store, "title_abstract").record_ids).index(first) < order.index(
            second
        ):
            assert time.monotonic() < deadline, "the ranking was not retrained within 60 s"
            time.sleep(0.1)
        change = re.search(r'name="change" value="(decision:\d+)"', after).group(1)
        undone = client.post("/undo", data={"change": change, "stage": "title_abstract", "reviewers": "1",
                                            "csrf_token": csrf_of(after)}).text  # fmt: skip
    assert f"include of record {first} by alice undone" in undone
    assert _shown(undone) == first


def test_the_full_text_progress_panel_counts_the_records_included_at_title_and_abstract(local_client, store):
    ids = record_order(store)
    for record_id, decision in zip(ids[:3], ("include", "exclude", "include"), strict=True):
        decide(store, record_id, decision, "bob")
    page = local_client.get("/screening", params={"stage": "full_text"}).text
    panel = page.split('id="progress"')[1]
    assert "0 of 2 records decided (0 include, 0 exclude)" in panel
    assert 'id="progress-scope"' in panel
    assert "2 left for you" in page  # the queue beside it holds the same two records
    assert _shown(page) in (ids[0], ids[2])
    decide(store, ids[0], "exclude", "bob", stage="full_text", reason="no OA outcome")
    panel = local_client.get("/screening", params={"stage": "full_text"}).text.split('id="progress"')[1]
    assert "1 of 2 records decided (0 include, 1 exclude)" in panel
    title_abstract = local_client.get("/screening").text.split('id="progress"')[1]
    assert f"3 of {len(ids)} records decided (2 include, 1 exclude)" in title_abstract
    assert 'id="progress-scope"' not in title_abstract


def test_the_audit_log_lists_each_import_with_what_it_added_and_says_why_it_has_no_undo(local_client, store):
    import sqlalchemy as sa

    from secretome._login import login_name
    from secretome.evidence import _models as orm

    # The fixture imported examples/pubmed.nbib and scopus.ris (8 records each: 8 PMID- and 8 TY lines), then
    # de-duplicated them; the records of each file linked to another record are what it had merged.
    with store.session() as session:
        merged = dict(
            session.execute(
                sa.select(orm.ImportBatch.file_name, sa.func.count(orm.Record.id))
                .join(orm.Record)
                .where(orm.Record.duplicate_of.is_not(None))
                .group_by(orm.ImportBatch.file_name)
            ).all()
        )
    assert sum(merged.values()) > 0
    page = local_client.get("/audit").text
    row = r"<tr>\n<td>[^<]*</td><td>([^<]*)</td><td>records.import</td><td>([^<]*)</td>\n<td><small>(.*?)</small></td>"
    rows = re.findall(row + r"\n<td>(.*?)</td>", page, re.S)
    who = login_name()
    assert sorted((actor, file) for actor, file, _, _ in rows) == [(who, "pubmed.nbib"), (who, "scopus.ris")]
    for _, file, detail, undo in rows:
        assert "records_added: 8" in detail
        assert f"records_merged: {merged.get(file, 0)}" in detail
        assert "Undo" not in undo
    assert "Imports are not undone here" in page
    assert "records.import" in local_client.get("/").text  # the Overview's last changes


def test_the_audit_view_says_which_imports_predate_the_log(local_client, store):
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from secretome.evidence import _models as orm
    from secretome.evidence._workbench_models import AuditEvent

    assert 'id="unlogged-imports"' not in local_client.get("/audit").text  # both example files are logged
    # A store that imported pubmed.nbib before imports were logged: its batch, no records.import event.
    with store.session() as session:
        batch = session.scalar(sa.select(orm.ImportBatch).where(orm.ImportBatch.file_name == "pubmed.nbib"))
        batch.imported_at = datetime(2025, 11, 3, 10, 15, tzinfo=UTC)
        session.execute(sa.delete(AuditEvent).where(AuditEvent.target == "pubmed.nbib"))
    page = local_client.get("/audit").text
    note = page.split('id="unlogged-imports">')[1].split("</p>")[0]
    assert note.startswith("Not in this log: 1 file imported up to 2025-11-03 10:15 UTC, before imports were logged.")
    assert "not who imported it" in note
    assert re.findall(r"<td>records.import</td><td>([^<]*)</td>", page) == ["scopus.ris"]


def test_undo_offers_the_last_decision_at_the_stage_shown(local_client, store):
    first, second = record_order(store)[:2]
    at_title = decide(store, first, "include", "alice")
    at_full_text = decide(store, first, "exclude", "alice", stage="full_text", reason="no OA outcome")
    decide(store, second, "include", "bob")  # not alice's: never offered to her
    undo = r'id="undo".*?name="change" value="(decision:\d+)".*?Your last decision: (\w+) on record (\d+)'
    title_abstract = re.search(undo, local_client.get("/screening").text, re.S)
    assert title_abstract.groups() == (f"decision:{at_title}", "include", str(first))
    full_text = re.search(undo, local_client.get("/screening", params={"stage": "full_text"}).text, re.S)
    assert full_text.groups() == (f"decision:{at_full_text}", "exclude", str(first))


def test_a_merge_is_undone_from_the_audit_log_and_its_duplicate_screened_again(local_client, store):
    import sqlalchemy as sa

    from secretome.evidence import _models as orm

    page = local_client.get("/audit").text
    change = re.search(r'name="change" value="(merge:(\d+))"', page)
    assert change is not None, "no merge offered for undo"
    n_records = len(record_order(store))
    after = local_client.post("/undo", data={"change": change.group(1), "back": "audit", "csrf_token": csrf_of(page)})
    assert after.url.path == "/audit"
    assert f'value="{change.group(1)}"' not in after.text
    assert "dedupe.undo" in after.text
    with store.session() as session:
        merge = session.get(orm.Merge, int(change.group(2)))
        linked = session.scalar(sa.select(sa.func.count()).where(orm.Record.merge_id == merge.id))
    assert merge.undone_at is not None
    assert linked == 0
    assert len(record_order(store)) == n_records + len(merge.record_ids)  # back in the screening queue


def test_a_full_text_exclusion_without_reason_keeps_the_record_and_what_was_typed(local_client, store):
    first, second = record_order(store)[:2]
    decide(store, first, "include", "bob")
    decide(store, second, "include", "bob")
    page = local_client.get("/screening", params={"stage": "full_text"}).text
    shown = _shown(page)
    form = {"record_id": shown, "stage": "full_text", "reviewers": "1", "decision": "exclude", "reason": " ",
            "study_id": "alpha-2019-synthetic", "csrf_token": csrf_of(page)}  # fmt: skip
    refused = local_client.post("/screening/decide", data=form)
    assert refused.status_code == 200
    said = f"not saved: record {shown}: field &#39;reason&#39;: an exclusion at full text needs a reason"
    assert said in refused.text
    assert '<p class="flash refused" id="flash">' in refused.text  # in red, not as a saved decision
    assert _shown(refused.text) == shown  # the same record, not a dead-end error page
    assert 'id="study-id" maxlength="120" value="alpha-2019-synthetic"' in refused.text
    assert screening_progress(store, stage="full_text").n_decided == 0
    # What was typed is kept for that record only: another record's form starts empty.
    other = local_client.get("/screening", params={"stage": "full_text", "typed_for": "99999", "study_id": "x"}).text
    assert 'id="study-id" maxlength="120" value=""' in other


def test_every_page_loads_only_the_workbenchs_own_files_so_it_works_offline(local_client):
    pages = ["/", "/studies", "/studies/alpha-2019-synthetic", "/map", "/synthesis", "/model", "/screening", "/audit",
             "/extraction", "/extraction/alpha-2019-synthetic"]  # fmt: skip
    loaded = set()
    for page in pages:
        html = local_client.get(page).text
        loaded |= set(re.findall(r'<(?:script|link|img|iframe|source|embed)\b[^>]*?\b(?:src|href)="([^"]+)"', html))
    assert {"/static/htmx-2.0.11.min.js", "/static/app.css"} <= loaded
    assert [r for r in loaded if not r.startswith(("/static/", "data:image/svg+xml;base64,"))] == []
    for resource in (r for r in loaded if r.startswith("/static/")):
        assert local_client.get(resource).status_code == 200, resource
