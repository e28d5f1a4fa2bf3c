"""The order in which the Screening view offers records: one seam, so the ranker can be swapped.

A priority is a function ``(store, stage) -> record ids``, best first; the view keeps the records
still pending for the reviewer, in that order. :data:`DEFAULT_PRIORITY` is the active-learning
ranking of :func:`~secretome.evidence.rank_records` (certainty-based, ASReview's default), which
needs at least one included and one excluded record: before that, and for the records the ranking
leaves out (those decided by one reviewer of two), the store's order (record id, i.e. import order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from secretome.errors import InputError
from secretome.evidence import Store, rank_records, record_order

__all__ = ["DEFAULT_PRIORITY", "PRIORITIES", "Priority", "active_learning_order", "store_order"]

Priority = Callable[[Store, str], Sequence[int]]


def store_order(store: Store, stage: str) -> list[int]:
    """Every de-duplicated record, in the store's order (record id: the order of import)."""
    return record_order(store)


def active_learning_order(store: Store, stage: str) -> list[int]:
    """The active-learning ranking of the unscreened records, then the rest in the store's order."""
    try:
        ranked = [r.record_id for r in rank_records(store, stage=stage).records]
    except InputError:  # no prior knowledge yet (one include and one exclude): nothing to learn from
        ranked = []
    seen = set(ranked)
    return ranked + [r for r in store_order(store, stage) if r not in seen]


PRIORITIES: dict[str, Priority] = {"ranked": active_learning_order, "store": store_order}
"""The priorities ``secretome serve --order`` offers."""

DEFAULT_PRIORITY: Priority = active_learning_order
