"""The order in which the Screening view offers records: one seam, so the ranker can be swapped.

A priority is a function ``(store, stage) -> QueueOrder``: the record ids, best first, and one line
saying what ordered them, which the view shows above the record (a reviewer must know whether the
queue is ranked yet). The view keeps the records still pending for the reviewer, in that order.
:data:`DEFAULT_PRIORITY` is the active-learning ranking of :func:`~secretome.evidence.rank_records`
(certainty-based, ASReview's default), which needs at least one included and one excluded record:
before that, and for the records the ranking leaves out (those decided by one reviewer of two), the
store's order (record id, i.e. import order).

:class:`CachedPriority` computes a priority once per state of the store
(:func:`~secretome.evidence.screening_state`): retraining the ranker on every page of every
reviewer made each page wait for a model fit, seconds under a team's load. When decisions arrive,
the last ranking is served while one background thread retrains, as ASReview LAB's queue serves the
last model's ranking while the next one trains.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from secretome.errors import InputError
from secretome.evidence import Store, rank_records, record_order, screening_state

__all__ = [
    "DEFAULT_PRIORITY",
    "PRIORITIES",
    "CachedPriority",
    "Priority",
    "QueueOrder",
    "active_learning_order",
    "store_order",
]


@dataclass(frozen=True, slots=True)
class QueueOrder:
    """Record ids in the order to screen them, and what put them in that order (one line)."""

    record_ids: tuple[int, ...]
    note: str
    ranked: bool = False


Priority = Callable[[Store, str], QueueOrder]


def store_order(store: Store, stage: str) -> QueueOrder:
    """Every de-duplicated record, in the store's order (record id: the order of import)."""
    return QueueOrder(tuple(record_order(store)), "Order: as imported")


def active_learning_order(store: Store, stage: str) -> QueueOrder:
    """The active-learning ranking of the unscreened records, then the rest in the store's order."""
    try:
        ranking = rank_records(store, stage=stage)
    except InputError:  # no prior knowledge yet (one include and one exclude): nothing to learn from
        note = "Order: as imported, until one record is included and one excluded; then ranked by active learning"
        return QueueOrder(tuple(record_order(store)), note)
    ranked = [r.record_id for r in ranking.records]
    seen = set(ranked)
    note = (
        f"Order: ranked by active learning ({ranking.classifier}, most likely relevant first), trained on "
        f"{ranking.n_included} included and {ranking.n_excluded} excluded records"
    )
    return QueueOrder(tuple(ranked + [r for r in record_order(store) if r not in seen]), note, ranked=True)


PRIORITIES: dict[str, Priority] = {"ranked": active_learning_order, "store": store_order}
"""The priorities ``secretome serve --order`` offers."""

DEFAULT_PRIORITY: Priority = active_learning_order


class CachedPriority:
    """*priority* computed once per screening state of the store and stage, and retrained in the background.

    A call whose state matches the cached order's returns it. When the state moved on (a decision, an
    import, an undo), a ranked order is returned as it is while one background thread computes the
    next (the page does not wait for a model fit); an order that is not ranked yet (too few
    decisions) is recomputed at once, which is cheap, so the ranking starts with the page after the
    first include and exclude. The first call of a stage computes while its concurrent callers wait.
    """

    def __init__(self, priority: Priority) -> None:
        self._priority = priority
        self._lock = threading.Lock()
        self._stage_locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, tuple[tuple[int, int, int], QueueOrder]] = {}
        self._training: set[str] = set()

    def __call__(self, store: Store, stage: str) -> QueueOrder:
        state = screening_state(store, stage)
        with self._lock:
            cached = self._cache.get(stage)
            if cached is not None and (cached[0] == state or stage in self._training):
                return cached[1]
            if cached is not None and cached[1].ranked:
                self._training.add(stage)
                threading.Thread(target=self._retrain, args=(store, stage), daemon=True).start()
                return cached[1]
            stage_lock = self._stage_locks.setdefault(stage, threading.Lock())
        with stage_lock:  # one computation at a time per stage; who waited finds it done
            with self._lock:
                cached = self._cache.get(stage)
            if cached is not None and cached[0] == state:
                return cached[1]
            return self._compute(store, stage)

    def _compute(self, store: Store, stage: str) -> QueueOrder:
        # The state is read before the order is computed, so a decision made meanwhile marks it stale.
        state = screening_state(store, stage)
        order = self._priority(store, stage)
        with self._lock:
            self._cache[stage] = (state, order)
        return order

    def _retrain(self, store: Store, stage: str) -> None:
        try:
            with self._stage_locks.setdefault(stage, threading.Lock()):
                self._compute(store, stage)
        finally:  # a failed fit keeps the last order; the next call tries again
            with self._lock:
                self._training.discard(stage)
