"""Team screening decisions under concurrency: one decision per reviewer, record and stage, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence import decide, get_record, pending_records, record_order
from secretome.evidence._imports import import_files
from secretome.evidence._store import create_store

from .concurrent_calls import outcomes_at_once


def _store_with_records(store_url, imports_dir, **options):
    """A store holding the sample PubMed export, and the id of its first record."""
    store = create_store(store_url, **options)
    import_files(store, [imports_dir / "sample.nbib"])
    with store.session() as session:
        return store, session.scalar(sa.select(sa.func.min(orm.Record.id)))


def test_simultaneous_identical_decisions_of_one_reviewer_store_one(store_url, imports_dir):
    # Eight requests of one reviewer (a double click, a retried form) decide one record at once: one decision
    # is stored and the others are refused, never two identical rows (SQLite ignores SELECT ... FOR UPDATE, so
    # the lock is taken by writing to the record's row).
    store, record_id = _store_with_records(store_url, imports_dir)

    outcomes = outcomes_at_once(lambda _: decide(store, record_id, "include", "kh"), range(8))
    assert outcomes.count("saved") == 1, outcomes
    assert all("decided this record at title_abstract already" in o for o in outcomes if o.startswith("refused"))
    with store.session() as session:
        rows = session.scalar(sa.select(sa.func.count()).select_from(orm.ScreeningDecision))
    assert rows == 1


def test_simultaneous_reviewers_of_one_record_store_no_more_than_the_queue_asks(store_url, imports_dir):
    # Six reviewers open the same record at once (the ranking offers each its best record) in
    # two-reviewer mode: two decisions are stored, the others are refused and name who decided.
    store, record_id = _store_with_records(store_url, imports_dir)

    reviewers = [f"r{i}" for i in range(6)]
    outcomes = outcomes_at_once(lambda reviewer: decide(store, record_id, "exclude", reviewer, reviewers=2), reviewers)
    assert outcomes.count("saved") == 2, outcomes
    refusals = [o for o in outcomes if o.startswith("refused")]
    assert all("decided this record at title_abstract already, as many reviewers as the queue asks (2)" in o
               for o in refusals)  # fmt: skip
    with store.session() as session:
        reviewers = list(session.scalars(sa.select(orm.ScreeningDecision.reviewer)))
    assert len(reviewers) == 2
    # Single screening: a decided record takes no second decision; without a queue (imports) it does.
    other = record_id + 1
    decide(store, other, "include", "r0", reviewers=1)
    with pytest.raises(InputError) as refused:
        decide(store, other, "include", "r1", reviewers=1)
    assert str(refused.value) == (
        "field 'record_id': r0 decided this record at title_abstract already, as many reviewers as the queue "
        f"asks (1); it left your queue (got {other})"
    )
    decide(store, other, "include", "r1")


def test_the_screening_state_moves_with_every_decision_and_undo(store_url, imports_dir):
    from secretome.evidence import screening_state, undo_change

    store = create_store(store_url)
    assert screening_state(store) == (0, 0, 0)
    import_files(store, [imports_dir / "sample.nbib"])
    with store.session() as session:
        n_records = session.scalar(sa.select(sa.func.count()).select_from(orm.Record))
        first = session.scalar(sa.select(sa.func.min(orm.Record.id)))
    assert screening_state(store) == (n_records, 0, 0)
    decision = decide(store, first, "include", "kh")
    assert screening_state(store) == (n_records, 1, decision)
    assert screening_state(store, "full_text") == (n_records, 0, 0)
    undone = undo_change(store, f"decision:{decision}", "kh")
    assert (undone.record_id, undone.stage, undone.reviewer) == (first, "title_abstract", "kh")
    assert screening_state(store) == (n_records, 0, 0)


def test_only_a_full_text_inclusion_links_a_study_and_only_one_in_the_store(store_url, imports_dir, synthetic_corpus):
    store, record_id = _store_with_records(store_url, imports_dir, corpus=synthetic_corpus)
    with pytest.raises(InputError, match="only a record included at full text is linked to a study"):
        decide(store, record_id, "include", "kh", study_id="example-2020-synthetic")
    with pytest.raises(InputError, match="field 'study_id': no such study in the store"):
        decide(store, record_id, "include", "kh", stage="full_text", study_id="nope")
    decide(store, record_id, "include", "kh", stage="full_text", study_id="example-2020-synthetic")
    with store.session() as session:
        assert session.get(orm.Record, record_id).study_id == "example-2020-synthetic"
        assert session.scalar(sa.select(sa.func.count()).select_from(orm.ScreeningDecision)) == 1


def test_the_full_text_queue_holds_the_records_included_at_title_and_abstract(store_url, imports_dir):
    from secretome.evidence import pending_records, prisma_counts, record_order

    store = create_store(store_url)
    import_files(store, [imports_dir / "sample.nbib", imports_dir / "sample.ris"])
    first, second, third, *_ = record_order(store)
    assert pending_records(store, "kh", stage="full_text") == set()  # nothing screened yet
    decide(store, first, "include", "kh")
    decide(store, second, "exclude", "kh")
    decide(store, third, "exclude", "kh")
    decide(store, third, "include", "ab")  # the latest title-and-abstract decision counts, as in PRISMA
    assert pending_records(store, "kh", stage="full_text") == {first, third}
    assert prisma_counts(store).n_sought_for_retrieval == 2
    decide(store, first, "include", "kh", stage="full_text")
    assert pending_records(store, "kh", stage="full_text") == {third}


def test_full_text_progress_counts_the_records_of_the_full_text_queue(store_url, imports_dir):
    from secretome.evidence import screening_progress, undo_change

    store = create_store(store_url)
    import_files(store, [imports_dir / "sample.nbib", imports_dir / "sample.ris"])
    first, second, third, *_ = record_order(store)
    n_unique = len(record_order(store))
    assert n_unique > 3
    decide(store, first, "include", "kh")
    decide(store, second, "exclude", "kh")
    decide(store, third, "include", "kh")
    assert screening_progress(store).n_records == n_unique
    decision = decide(store, first, "exclude", "kh", stage="full_text", reason="not about OA")
    progress = screening_progress(store, stage="full_text")
    assert (progress.n_records, progress.n_decided, progress.n_excluded) == (2, 1, 1)
    # first's inclusion at title and abstract is undone: it leaves the full-text queue, and its
    # full-text decision (kept, to be undone or to count again if it is included again) leaves the counts.
    (ta_include,) = [d[0] for d in get_record(store, first).decisions if d[1] == "title_abstract"]
    undo_change(store, f"decision:{ta_include}", "kh")
    progress = screening_progress(store, stage="full_text")
    assert (progress.n_records, progress.n_decided, dict(progress.per_reviewer)) == (1, 0, {})
    assert pending_records(store, "kh", stage="full_text") == {third}
    assert decision in [d[0] for d in get_record(store, first).decisions]


def test_simultaneous_resolvers_of_one_conflict_store_one_resolution(store_url, imports_dir):
    # Two reviewers disagree; five people resolve the conflict at once (the Screening view shows it to everyone):
    # one resolution is stored, the others are refused naming who resolved it, never a second "latest" decision.
    from secretome.evidence import resolve_conflict, screening_progress

    store, record_id = _store_with_records(store_url, imports_dir)
    decide(store, record_id, "include", "bob", reviewers=2)
    decide(store, record_id, "exclude", "carol", reviewers=2)
    assert [c.record_id for c in screening_progress(store).conflicts] == [record_id]

    resolvers = [f"r{i}" for i in range(5)]
    outcomes = outcomes_at_once(lambda who: resolve_conflict(store, record_id, "exclude", who), resolvers)
    assert outcomes.count("saved") == 1, outcomes
    (winner,) = [who for who, o in zip(resolvers, outcomes, strict=True) if o == "saved"]
    refused = (
        f"refused: field 'record_id': no conflict on this record at title_abstract to resolve: {winner} resolved "
        f"it meanwhile (exclude); undo that resolution to resolve it again (got {record_id})"
    )
    assert [o for o in outcomes if o != "saved"] == [refused] * 4
    with store.session() as session:
        reviewers = sorted(session.scalars(sa.select(orm.ScreeningDecision.reviewer)))
    assert reviewers == sorted(["bob", "carol", winner])
    assert screening_progress(store).conflicts == ()


def test_a_record_without_a_conflict_is_not_resolved_and_an_undone_resolution_reopens_it(store_url, imports_dir):
    from secretome.evidence import resolve_conflict, screening_progress, undo_change

    store, record_id = _store_with_records(store_url, imports_dir)
    with pytest.raises(InputError) as refused:
        resolve_conflict(store, record_id, "include", "ann")
    assert str(refused.value) == (
        "field 'record_id': no conflict on this record at title_abstract to resolve: no reviewer has decided it "
        f"(got {record_id})"
    )
    decide(store, record_id, "include", "bob", reviewers=2)
    decide(store, record_id, "include", "carol", reviewers=2)
    with pytest.raises(InputError, match="no conflict on this record at title_abstract to resolve: its reviewers'"):
        resolve_conflict(store, record_id, "exclude", "ann")
    # A conflict at full text is not one at title and abstract.
    decide(store, record_id, "include", "bob", stage="full_text", reviewers=2)
    decide(store, record_id, "exclude", "carol", stage="full_text", reviewers=2, reason="no OA outcome")
    with pytest.raises(InputError, match="its reviewers' decisions do not differ"):
        resolve_conflict(store, record_id, "exclude", "ann", reason="no OA outcome")
    first = resolve_conflict(store, record_id, "exclude", "ann", stage="full_text", reason="no OA outcome")
    assert screening_progress(store, stage="full_text").conflicts == ()
    with pytest.raises(InputError, match="ann resolved it meanwhile"):
        resolve_conflict(store, record_id, "include", "bob", stage="full_text")
    undo_change(store, f"decision:{first}", "ann")
    assert [c.record_id for c in screening_progress(store, stage="full_text").conflicts] == [record_id]
    resolve_conflict(store, record_id, "include", "bob", stage="full_text")
    assert screening_progress(store, stage="full_text").conflicts == ()


def test_kappa_compares_the_screeners_own_decisions_not_the_resolutions(store_url, imports_dir):
    from secretome.evidence import resolve_conflict, screening_progress

    store = create_store(store_url)
    import_files(store, [imports_dir / "sample.nbib", imports_dir / "dedupe.ris"])
    with store.session() as session:
        records = list(session.scalars(sa.select(orm.Record.id).order_by(orm.Record.id)))[:4]
    votes = {"ann": ["include", "exclude", "include", "include"], "bob": ["include", "exclude", "exclude", "exclude"]}
    for reviewer, decisions in votes.items():
        for record_id, decision in zip(records, decisions, strict=True):
            decide(store, record_id, decision, reviewer, reviewers=2)
    # Cohen's kappa by hand: p_o = 2/4, p_e = 3/4 * 1/4 + 1/4 * 3/4 = 6/16, kappa = (8/16 - 6/16) / (10/16) = 0.2.
    before = screening_progress(store)
    assert before.kappa == (("ann", "bob", 4, pytest.approx(0.2)),)
    resolve_conflict(store, records[2], "exclude", "ann")  # a screener resolves one conflict
    resolve_conflict(store, records[3], "include", "carol")  # a third reviewer the other
    after = screening_progress(store)
    assert after.conflicts == ()
    assert after.kappa == before.kappa
    assert after.per_reviewer == {"ann": 4, "bob": 4}
