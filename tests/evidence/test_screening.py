"""Screening decisions and the PRISMA 2020 counts (Page et al. 2021), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._dedupe import dedupe_records
from secretome.evidence._imports import import_files
from secretome.evidence._screening import import_decisions, prisma_counts, screen_record
from secretome.evidence._store import create_store

# dedupe.ris, by position: 1 Scopus, 2 Embase, 3 Web of Science (one paper; 2 is canonical),
# 4 Scopus and 5 Embase (one PMID; 4 canonical), 6 Scopus, 7 Embase (kept apart: DOIs differ), 8 Scopus.
STUDY = "example-2020-synthetic"


@pytest.fixture
def store(store_url, synthetic_corpus, imports_dir):
    with create_store(store_url, corpus=synthetic_corpus) as created:
        import_files(created, [imports_dir / "dedupe.ris"])
        dedupe_records(created)
        yield created


def _ids(store):
    """Record id by position in dedupe.ris."""
    with store.session() as session:
        return dict(session.execute(sa.select(orm.Record.position, orm.Record.id)).all())


def _n_decisions(store):
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(orm.ScreeningDecision))


def _write(tmp_path, rows, header="record_id,decision,stage,reason,reviewer,decided_at,study_id"):
    path = tmp_path / "decisions.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _flow(store, tmp_path):
    r = _ids(store)
    rows = [
        f"{r[2]},include,title-abstract,,KH,2026-01-10T09:00:00,",
        f"{r[4]},include,title-abstract,,KH,2026-01-10T09:01:00,",
        f"{r[6]},include,title_abstract,,KH,2026-01-10T09:02:00,",
        f"{r[7]},exclude,title-abstract,not osteoarthritis,KH,2026-01-10T09:03:00,",
        f"{r[8]},include,title-abstract,,KH,2026-01-10T09:04:00,",
        # a second reviewer's later decision replaces the first one (conflict resolved)
        f"{r[8]},exclude,title-abstract,not osteoarthritis,ZB,2026-01-11T10:00:00,",
        f"{r[2]},include,full-text,,KH,2026-02-01,{STUDY}",
        f"{r[4]},include,full-text,,KH,2026-02-01,",
        f"{r[6]},exclude,full-text,no control group,KH,2026-02-01,",
    ]
    return import_decisions(store, _write(tmp_path, rows))


def test_prisma_counts_of_a_screened_import(store, tmp_path):
    result = _flow(store, tmp_path)
    assert len(result.decisions) == 9
    counts = prisma_counts(store)
    assert counts.identified == {"Scopus": 4, "Embase": 3, "Web of Science": 1}
    assert (counts.n_identified, counts.n_duplicates_removed) == (8, 3)
    assert (counts.n_screened, counts.n_awaiting_screening) == (5, 0)
    assert counts.n_excluded_title_abstract == 2
    assert counts.excluded_title_abstract_reasons == {"not osteoarthritis": 2}
    assert counts.n_sought_for_retrieval == 3
    assert (counts.n_full_text_assessed, counts.n_excluded_full_text) == (3, 1)
    assert counts.excluded_full_text_reasons == {"no control group": 1}
    assert (counts.n_reports_included, counts.n_studies_included, counts.n_reports_unlinked) == (2, 1, 1)
    assert counts.n_studies_curated == 1
    text = counts.summary()
    assert "records identified: 8" in text
    assert "duplicate records removed: 3" in text
    assert "studies included in review: 1 (reports of included studies: 2)" in text
    assert "studies included from the curated corpus: 1" in text
    frame = counts.to_frame()
    assert frame.set_index("box").loc["records screened", "n"] == 5
    assert counts.to_dict()["excluded_full_text_reasons"] == {"no control group": 1}
    with store.session() as session:
        assert session.scalar(sa.select(orm.Record.study_id).where(orm.Record.id == _ids(store)[2])) == STUDY


def test_counts_of_a_store_without_records(store_url, synthetic_corpus):
    with create_store(store_url, corpus=synthetic_corpus) as store:
        counts = prisma_counts(store)
    assert counts.identified == {}
    assert (counts.n_identified, counts.n_screened, counts.n_studies_included, counts.n_studies_curated) == (0, 0, 0, 1)


def test_unscreened_records_await_screening(store):
    screen_record(store, _ids(store)[2], "exclude", stage="title-abstract", reviewer="KH", reason="review article")
    counts = prisma_counts(store)
    assert (counts.n_screened, counts.n_awaiting_screening, counts.n_excluded_title_abstract) == (1, 4, 1)
    assert counts.excluded_title_abstract_reasons == {"review article": 1}


def test_blank_reason_at_title_abstract_is_counted_as_none_given(store):
    screen_record(store, _ids(store)[2], "exclude", stage="title_abstract", reviewer="KH")
    assert prisma_counts(store).excluded_title_abstract_reasons == {"no reason given": 1}


def test_screen_record_links_an_included_full_text_to_a_study(store):
    record = _ids(store)[4]
    screen_record(store, str(record), "include", stage="title-abstract", reviewer="KH")
    result = screen_record(store, str(record), "include", stage="full-text", reviewer="KH", study_id=STUDY)
    (entry,) = result.decisions
    assert (entry.record_id, entry.stage, entry.decision, entry.study_id) == (record, "full_text", "include", STUDY)
    assert f"record {record}: include at full_text by KH (study {STUDY})" in result.summary()
    assert result.to_frame().shape == (1, 8)
    assert prisma_counts(store).n_studies_included == 1


def test_a_later_full_text_exclusion_unlinks_the_study(store):
    record = _ids(store)[4]
    screen_record(store, str(record), "include", stage="full-text", reviewer="KH", study_id=STUDY)
    screen_record(store, str(record), "exclude", stage="full-text", reason="wrong population", reviewer="KH")
    with store.session() as session:
        assert session.scalar(sa.select(orm.Record.study_id).where(orm.Record.id == record)) is None
    assert prisma_counts(store).n_studies_included == 0


def test_a_full_text_decision_counts_only_while_its_title_abstract_inclusion_stands(store):
    from secretome.evidence import undo_change

    ids = _ids(store)
    kept, undone = ids[2], ids[4]
    for record in (kept, undone):
        screen_record(store, record, "include", stage="title-abstract", reviewer="KH")
        screen_record(store, record, "include", stage="full-text", reviewer="KH", study_id=STUDY)
    counts = prisma_counts(store)
    assert (counts.n_sought_for_retrieval, counts.n_full_text_assessed, counts.n_reports_included) == (2, 2, 2)
    with store.session() as session:
        (inclusion,) = session.scalars(
            sa.select(orm.ScreeningDecision.id).where(
                orm.ScreeningDecision.record_id == undone, orm.ScreeningDecision.stage == "title_abstract"
            )
        )
    undo_change(store, f"decision:{inclusion}", "KH")
    counts = prisma_counts(store)
    # PRISMA 2020: reports assessed are among those sought for retrieval; the undone inclusion's report is not.
    assert (counts.n_screened, counts.n_sought_for_retrieval) == (1, 1)
    assert (counts.n_full_text_assessed, counts.n_reports_included, counts.n_studies_included) == (1, 1, 1)
    assert counts.n_full_text_set_aside == 1
    assert "full-text decisions set aside (record not included at title/abstract): 1" in counts.summary()
    assert counts.to_frame().set_index("box").loc["full-text decisions set aside", "n"] == 1
    # Replaced by a later exclusion (a resolved conflict) rather than undone: the same.
    screen_record(store, kept, "exclude", stage="title-abstract", reviewer="ZB", reason="not osteoarthritis")
    counts = prisma_counts(store)
    assert (counts.n_sought_for_retrieval, counts.n_full_text_assessed, counts.n_studies_included) == (0, 0, 0)
    assert counts.n_full_text_set_aside == 2
    # Included again at title/abstract: its kept full-text decision counts again.
    screen_record(store, undone, "include", stage="title-abstract", reviewer="KH")
    counts = prisma_counts(store)
    assert (counts.n_full_text_assessed, counts.n_studies_included, counts.n_full_text_set_aside) == (1, 1, 1)


def test_a_duplicate_record_is_not_screened(store):
    ids = _ids(store)
    with pytest.raises(InputError, match=f"duplicate of record {ids[2]}; screen that one") as info:
        screen_record(store, ids[1], "include", stage="title-abstract", reviewer="KH")
    assert info.value.field == "record_id"


@pytest.mark.parametrize(
    ("kwargs", "field", "match"),
    [
        ({"decision": "maybe"}, "decision", "must be one of 'include', 'exclude'"),
        ({"stage": "abstract"}, "stage", "must be 'title-abstract' or 'full-text'"),
        ({"reviewer": " "}, "reviewer", "names who made it"),
        ({"decision": "exclude", "stage": "full-text"}, "reason", "needs a reason"),
        ({"study_id": STUDY}, "study_id", "only a record included at full text"),
        ({"stage": "full-text", "study_id": "no-such-study"}, "study_id", "no such study"),
        ({"record_id": 9999}, "record_id", "no such record"),
        ({"record_id": "x1"}, "record_id", "number of an imported record"),
        ({"decided_at": "last Tuesday"}, "decided_at", "ISO 8601"),
    ],
)
def test_bad_decision_names_field_and_writes_nothing(store, kwargs, field, match):
    args = {"record_id": _ids(store)[2], "decision": "include", "stage": "title-abstract", "reviewer": "KH"} | kwargs
    with pytest.raises(InputError, match=match) as info:
        screen_record(store, args.pop("record_id"), args.pop("decision"), **args)
    assert info.value.field == field
    assert _n_decisions(store) == 0


def test_bad_csv_row_names_file_row_and_field_and_nothing_is_stored(store, tmp_path):
    r = _ids(store)
    rows = [
        f"{r[2]},include,title-abstract,,KH,,",
        f"{r[4]},include,title-abstract,,KH,,",
        f"{r[6]},exclude,full-text,,KH,,",
    ]
    path = _write(tmp_path, rows)
    with pytest.raises(InputError) as info:
        import_decisions(store, path)
    assert (info.value.file, info.value.row, info.value.field) == (str(path), 4, "reason")
    assert str(info.value).startswith(f"file '{path}', row 4, field 'reason': an exclusion at full text needs")
    assert _n_decisions(store) == 0


def test_csv_row_on_a_missing_record_rolls_back_the_whole_file(store, tmp_path):
    r = _ids(store)
    path = _write(tmp_path, [f"{r[2]},include,title-abstract,,KH,,", "9999,include,title-abstract,,KH,,"])
    with pytest.raises(InputError, match="row 3, field 'record_id': no such record"):
        import_decisions(store, path)
    assert _n_decisions(store) == 0


def test_csv_in_asreview_layout(store, tmp_path):
    # ASReview exports record_id, the record's fields and included (1/0); extra columns are ignored.
    r = _ids(store)
    rows = [f'{r[2]},"A title, with a comma",1,title-abstract,KH', f"{r[4]},Another title,0,title-abstract,KH"]
    result = import_decisions(store, _write(tmp_path, rows, header="record_id,title,included,stage,by"))
    assert [d.decision for d in result.decisions] == ["include", "exclude"]
    assert prisma_counts(store).n_sought_for_retrieval == 1


def test_csv_missing_a_required_column_is_named(store, tmp_path):
    path = _write(tmp_path, ["1,include,KH"], header="record_id,decision,reviewer")
    expected = r"row 1: missing column\(s\) stage; a decisions file has the columns .*\(got \['record_id', 'decision'"
    with pytest.raises(InputError, match=expected):
        import_decisions(store, path)


def test_time_with_offset_is_stored_in_utc(store):
    result = screen_record(
        store, _ids(store)[2], "include", stage="title-abstract", reviewer="KH", decided_at="2026-01-10T12:00:00+02:00"
    )
    assert result.decisions[0].decided_at.isoformat() == "2026-01-10T10:00:00+00:00"


def test_csv_matched_by_doi_when_it_has_no_record_id(store, tmp_path):
    # a screening tool's export knows the DOI, not the store's id; dedupe left one record with it
    rows = ["https://doi.org/10.5555/DEDUPE.A,A title,1,title-abstract,KH"]
    result = import_decisions(store, _write(tmp_path, rows, header="doi,title,included,stage,by"))
    assert [d.record_id for d in result.decisions] == [_ids(store)[2]]


def test_csv_doi_that_matches_no_record_is_named(store, tmp_path):
    rows = ["10.5555/dedupe.a,1,title-abstract,KH", "10.5555/nowhere,1,title-abstract,KH"]
    path = _write(tmp_path, rows, header="doi,included,stage,by")
    with pytest.raises(InputError, match="row 3, field 'doi': no imported record") as info:
        import_decisions(store, path)
    assert info.value.value == "10.5555/nowhere"
    assert _n_decisions(store) == 0


def test_csv_doi_of_records_not_yet_deduplicated_is_ambiguous(store_url, synthetic_corpus, imports_dir, tmp_path):
    with create_store(store_url, corpus=synthetic_corpus) as fresh:
        import_files(fresh, [imports_dir / "dedupe.ris"])
        path = _write(tmp_path, ["10.5555/dedupe.a,1,title-abstract,KH"], header="doi,included,stage,by")
        with pytest.raises(InputError, match="run `evidence dedupe` first"):
            import_decisions(fresh, path)


def test_asreview_export_with_stage_and_reviewer_given(store, tmp_path):
    # ASReview's record_id is its own row number: the rows are matched by DOI; unseen rows are skipped.
    header = "record_id,title,doi,asreview_label,asreview_time,asreview_note,asreview_user_name"
    rows = [
        "0,A title,10.5555/dedupe.a,1,2026-01-10 09:00:00.123456,,",
        "1,Another title,,,,,",
    ]
    path = _write(tmp_path, rows, header=header)
    with pytest.raises(InputError, match=r"missing column\(s\) stage;"):
        import_decisions(store, path)
    result = import_decisions(store, path, stage="title-abstract", reviewer="KH")
    (entry,) = result.decisions
    assert (entry.record_id, entry.decision, entry.stage, entry.reviewer) == (
        _ids(store)[2],
        "include",
        "title_abstract",
        "KH",
    )
    assert entry.decided_at.isoformat() == "2026-01-10T09:00:00.123456+00:00"
