"""Claims spread a team over the queue: nobody is shown a record that its reviewers already have open."""

from __future__ import annotations

from secretome.serve._claims import Claims


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_single_screening_shows_each_reviewer_another_record():
    claims = Claims(seconds=600, clock=_Clock())
    queue = [5, 3, 8, 1]
    assert [claims.pick(name, "title_abstract", queue, 1) for name in ("ann", "bob", "cy")] == [5, 3, 8]
    # A reload shows ann her own record again, not the next free one.
    assert claims.pick("ann", "title_abstract", queue, 1) == 5
    # Other stages are separate queues.
    assert claims.pick("bob", "full_text", queue, 1) == 5


def test_dual_screening_gives_each_record_to_two_reviewers():
    claims = Claims(seconds=600, clock=_Clock())
    queue = [5, 3, 8]
    picks = [claims.pick(name, "title_abstract", queue, 2) for name in ("ann", "bob", "cy", "dee", "eve")]
    assert picks == [5, 5, 3, 3, 8]


def test_a_decided_record_counts_its_reviewer_and_claims_lapse():
    clock = _Clock()
    claims = Claims(seconds=600, clock=clock)
    assert claims.pick("ann", "title_abstract", [5, 3], 1) == 5
    claims.decided("ann", "title_abstract", 5)
    # The store may still list 5 as pending for bob (another process's view): he gets 3.
    assert claims.pick("bob", "title_abstract", [5, 3], 1) == 3
    # ann moves on (the store no longer lists 5 for her); her next pick does not free 5, which she decided.
    assert claims.pick("ann", "title_abstract", [3, 9], 1) == 9
    assert claims.pick("dee", "title_abstract", [5, 3, 9, 4], 1) == 4
    clock.now += 601  # a closed tab's claim lapses
    assert claims.pick("cy", "title_abstract", [5, 3], 1) == 5


def test_when_every_record_is_held_the_best_one_is_shown():
    claims = Claims(seconds=600, clock=_Clock())
    assert claims.pick("ann", "title_abstract", [5], 1) == 5
    assert claims.pick("bob", "title_abstract", [5], 1) == 5
    assert claims.pick("bob", "title_abstract", [], 1) is None


def test_an_undone_decision_gives_its_record_back_to_the_reviewer_who_undid_it():
    claims = Claims(seconds=600, clock=_Clock())
    assert claims.pick("ann", "title_abstract", [5, 3, 8], 1) == 5
    claims.decided("ann", "title_abstract", 5)
    assert claims.pick("ann", "title_abstract", [3, 8], 1) == 3
    claims.undone("ann", "title_abstract", 5, reopen=True)
    # A ranking computed while 5 was decided puts it last (ranked records first, the decided ones after):
    # ann is shown 5 again all the same, and 3, which she had open, goes to the next reviewer.
    assert claims.pick("ann", "title_abstract", [3, 8, 5], 1) == 5
    assert claims.pick("bob", "title_abstract", [3, 8, 5], 1) == 3
    # It stays hers on a reload, however the queue is ordered, until she decides it.
    assert claims.pick("ann", "title_abstract", [8, 5], 1) == 5


def test_an_undone_record_is_held_no_longer_than_a_record_shown():
    clock = _Clock()
    claims = Claims(seconds=600, clock=clock)
    assert claims.pick("ann", "title_abstract", [5, 3], 1) == 5
    claims.decided("ann", "title_abstract", 5)
    clock.now += 300
    claims.undone("ann", "title_abstract", 5, reopen=True)
    assert claims.pick("bob", "title_abstract", [5, 3], 1) == 3  # ann has it open
    clock.now += 599  # her claim is as long as one on a record shown: from the undo, not from the decision
    assert claims.pick("cy", "title_abstract", [5, 8], 1) == 8
    clock.now += 2
    assert claims.pick("dee", "title_abstract", [5, 8], 1) == 5


def test_a_decision_undone_by_an_admin_frees_its_record_at_once():
    claims = Claims(seconds=600, clock=_Clock())
    assert claims.pick("ann", "title_abstract", [5, 3], 1) == 5
    claims.decided("ann", "title_abstract", 5)
    assert claims.pick("ann", "title_abstract", [3], 1) == 3
    claims.undone("ann", "title_abstract", 5, reopen=False)
    assert claims.pick("bob", "title_abstract", [5, 3], 1) == 5
    assert claims.pick("ann", "title_abstract", [5, 3], 1) == 3  # ann keeps the record she has open
