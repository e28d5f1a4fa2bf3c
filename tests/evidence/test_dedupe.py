from __future__ import annotations

import pytest
import sqlalchemy as sa

from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._dedupe import _surname, dedupe_records, undo_merge
from secretome.evidence._imports import import_files
from secretome.evidence._store import create_store
from secretome.evidence._titles import normal_text

# Records of dedupe.ris (ids follow file order): 1-3 one paper (same DOI in 1 and 2, fuzzy 3),
# 4-5 one PMID, 6-7 same title but different DOIs (preprint and article: vetoed), 8 unrelated.


@pytest.fixture
def store(store_url, synthetic_corpus, imports_dir):
    with create_store(store_url, corpus=synthetic_corpus) as created:
        import_files(created, [imports_dir / "dedupe.ris"])
        yield created


def _links(store):
    with store.session() as session:
        rows = session.execute(sa.select(orm.Record.position, orm.Record.duplicate_of).order_by(orm.Record.position))
        ids = {row[0]: row[1] for row in session.execute(sa.select(orm.Record.id, orm.Record.position))}
        return {pos: ids.get(dup) for pos, dup in rows}


def test_exact_then_fuzzy_with_doi_veto(store):
    result = dedupe_records(store)
    links = _links(store)
    # record 2 is the most complete of 1-3 (DOI and abstract), so it is canonical
    assert links == {1: 2, 2: None, 3: 2, 4: None, 5: 4, 6: None, 7: None, 8: None}
    rules = sorted(m.rule for m in result.merges)
    assert rules == ["doi+fuzzy", "pmid"]
    fuzzy = next(m for m in result.merges if "fuzzy" in m.rule)
    assert "same DOI 10.5555/dedupe.a" in fuzzy.reason
    assert "titles" in fuzzy.reason
    assert fuzzy.score >= 95
    assert "2 merges, 3 duplicates linked" in result.summary()
    assert result.to_frame().shape == (2, 8)


def test_records_are_never_deleted(store):
    dedupe_records(store)
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(orm.Record)) == 8


def test_second_run_finds_nothing_new(store):
    dedupe_records(store)
    again = dedupe_records(store)
    assert again.merges == ()


def test_undo_unlinks_and_later_runs_keep_the_records_apart(store):
    result = dedupe_records(store)
    pmid_merge = next(m for m in result.merges if m.rule == "pmid")
    undone = undo_merge(store, str(pmid_merge.id))
    assert undone.merges[0].undone
    assert _links(store)[5] is None
    assert dedupe_records(store).merges == ()
    with pytest.raises(InputError, match="undone already"):
        undo_merge(store, pmid_merge.id)


@pytest.mark.parametrize("bad", ["999", "x"])
def test_undo_unknown_merge_is_an_input_error(store, bad):
    with pytest.raises(InputError) as info:
        undo_merge(store, bad)
    assert (info.value.field, info.value.value) == ("merge_id", bad)


def test_normalisation_helpers():
    assert normal_text("<i>In vitro</i> MSC-CM: a Test.") == "in vitro msc cm a test"
    assert _surname(["Smith, J."]) == _surname(["Smith J"]) == "smith"
