"""The order in which the Screening view offers records: one seam, so the ranker can be swapped.

A priority is a function ``(store, stage) -> QueueOrder``: the record ids, best first, and one line
saying what ordered them, which the view shows above the record (a reviewer must know whether the
queue is ranked yet). The view keeps the records still pending for the reviewer, in that order.
:data:`DEFAULT_PRIORITY` is the active-learning ranking of :func:`~secretome.evidence.rank_records`
(certainty-based, ASReview's default), which needs at least one included and one excluded record:
before that, and for the records the ranking leaves out (those decided by one reviewer of two), the
store's order (record id, i.e. import order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from secretome.errors import InputError
from secretome.evidence import Store, rank_records, record_order

__all__ = ["DEFAULT_PRIORITY", "PRIORITIES", "Priority", "QueueOrder", "active_learning_order", "store_order"]


@dataclass(frozen=True, slots=True)
class QueueOrder:
    """Record ids in the order to screen them, and what put them in that order (one line)."""

    record_ids: tuple[int, ...]
    note: str


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
    return QueueOrder(tuple(ranked + [r for r in record_order(store) if r not in seen]), note)


PRIORITIES: dict[str, Priority] = {"ranked": active_learning_order, "store": store_order}
"""The priorities ``secretome serve --order`` offers."""

DEFAULT_PRIORITY: Priority = active_learning_order
