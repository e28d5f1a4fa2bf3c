"""Editing a study in the store: the study file validator decides, the audit log remembers, undo restores."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence import (
    audit_log,
    create_store,
    get_study,
    import_files,
    parse_study,
    save_study,
    search_studies,
    study_document,
    undo_change,
)

from .concurrent_calls import outcomes_at_once

STUDY = "example-2020-synthetic"


@pytest.fixture
def store(store_url, synthetic_corpus):
    with create_store(store_url, corpus=synthetic_corpus) as opened:
        yield opened


def _edits(store):
    return [e for e in audit_log(store, limit=1000).entries if e.action.startswith("study.")]


def test_an_edit_is_written_logged_and_undone(store):
    document, base = study_document(store, STUDY)
    original = parse_study(document)
    document["reference"]["title"] = "A retitled synthetic study"
    event_id = save_study(store, document, "kh", change="study details changed", base=base)
    assert get_study(store, STUDY).reference.title == "A retitled synthetic study"
    # The facets and search index follow the edit at once.
    assert [r.id for r in search_studies(store, text="retitled").rows] == [STUDY]
    (edit,) = _edits(store)
    assert (edit.actor, edit.action, edit.undo) == ("kh", "study.edit", f"edit:{event_id}")
    assert "before" not in edit.detail  # kept to undo, not shown
    undone = undo_change(store, f"edit:{event_id}", "kh")
    assert (undone.message, undone.record_id) == (f"study details changed ({STUDY}, by kh) undone", None)
    assert get_study(store, STUDY) == original
    assert search_studies(store, text="retitled").total == 0
    assert [e.undo for e in _edits(store)] == [None, None]


def test_an_invalid_document_is_refused_with_the_validators_message_and_nothing_written(store):
    document, base = study_document(store, STUDY)
    document["results"][0]["provenance"]["quote"] = "no number here"
    with pytest.raises(InputError) as refused:
        parse_study(document)
    with pytest.raises(InputError) as saved:
        save_study(store, document, "kh", change="result 0 changed", base=base)
    assert str(saved.value) == str(refused.value)
    assert "number not stated in its quote (results[0].provenance.quote)" in str(saved.value)
    assert study_document(store, STUDY)[1] == base
    assert _edits(store) == []


def test_an_unchanged_document_writes_and_logs_nothing(store):
    document, base = study_document(store, STUDY)
    assert save_study(store, document, "kh", change="nothing", base=base) is None
    assert _edits(store) == []


def test_an_edit_made_from_an_older_version_is_refused(store):
    document, base = study_document(store, STUDY)
    first = dict(document, notes="first edit")
    save_study(store, first, "kh", change="notes", base=base)
    with pytest.raises(InputError, match="changed by someone else meanwhile"):
        save_study(store, dict(document, notes="second edit"), "rs", change="notes", base=base)
    assert get_study(store, STUDY).notes == "first edit"


def test_only_the_editor_or_an_admin_undoes(store):
    document, base = study_document(store, STUDY)
    event_id = save_study(store, dict(document, notes="kh's note"), "kh", change="notes", base=base)
    with pytest.raises(InputError, match="only kh or an admin undoes this edit"):
        undo_change(store, f"edit:{event_id}", "rs")
    undo_change(store, f"edit:{event_id}", "rs", admin=True)
    assert get_study(store, STUDY).notes is None


def test_a_new_study_needs_a_free_id_and_undoing_its_creation_removes_it(store):
    document, _ = study_document(store, STUDY)
    with pytest.raises(InputError, match="a study with this id is in the store already"):
        save_study(store, document, "kh", change="study created", new=True)
    fresh = {"id": "new-2024-typed", "schema_version": 1, "design": "animal",
             "reference": {"authors": ["Typed A"], "year": 2024, "title": "Typed in"}}  # fmt: skip
    event_id = save_study(store, fresh, "kh", change="study created", new=True)
    assert get_study(store, "new-2024-typed").reference.authors == ("Typed A",)
    undo_change(store, f"edit:{event_id}", "kh")
    with pytest.raises(InputError, match="no such study"):
        get_study(store, "new-2024-typed")


def test_a_sheet_study_stays_in_its_batch_and_linked_records_stay_linked(store, imports_dir):
    import_files(store, [imports_dir / "sheet.csv", imports_dir / "sample.nbib"])
    with store.session() as session:
        batch = session.scalar(sa.select(orm.Study.batch_id).where(orm.Study.id == "sheet-2021-synthetic"))
        record_id = session.scalar(sa.select(sa.func.min(orm.Record.id)))
        session.execute(sa.update(orm.Record).where(orm.Record.id == record_id).values(study_id="sheet-2021-synthetic"))
    assert batch is not None
    document, base = study_document(store, "sheet-2021-synthetic")
    event_id = save_study(store, dict(document, notes="checked"), "kh", change="notes", base=base)
    undo_change(store, f"edit:{event_id}", "kh")
    with store.session() as session:
        row = session.get(orm.Study, "sheet-2021-synthetic")
        assert row.batch_id == batch
        assert session.get(orm.Record, record_id).study_id == "sheet-2021-synthetic"


def test_concurrent_edits_from_one_version_save_exactly_one(store):
    # Eight reviewers open the same study and save at once: one edit is written, every other is
    # refused (PostgreSQL: it waits for the lock, then sees the study changed; SQLite: busy or changed).
    document, base = study_document(store, STUDY)

    def edit(i: int) -> None:
        save_study(store, dict(document, notes=f"edit {i}"), f"reviewer{i}", change="notes", base=base)

    outcomes = outcomes_at_once(edit, range(8))
    assert outcomes.count("saved") == 1
    refused = [o for o in outcomes if o.startswith("refused")]
    assert all("changed by someone else meanwhile" in o for o in refused), refused
    (written,) = _edits(store)
    assert get_study(store, STUDY).notes == f"edit {written.actor.removeprefix('reviewer')}"


def test_concurrent_creations_of_one_id_create_it_once(store):
    def create(i: int) -> None:
        fresh = {"id": "new-2024-raced", "schema_version": 1, "design": "animal",
                 "reference": {"authors": [f"Racer {i}"], "year": 2024, "title": "Raced"}}  # fmt: skip
        save_study(store, fresh, f"reviewer{i}", change="study created", new=True)

    outcomes = outcomes_at_once(create, range(6))
    assert outcomes.count("saved") == 1
    refused = [o for o in outcomes if o.startswith("refused")]
    assert all("a study with this id is in the store already" in o for o in refused), refused
    (written,) = _edits(store)
    assert get_study(store, "new-2024-raced").reference.authors == (f"Racer {written.actor.removeprefix('reviewer')}",)
