"""The Screening view's queue in the active-learning order, and the line that says which order it is."""

from __future__ import annotations

import re
import threading
import time

import pytest

from secretome.evidence import decide, rank_records, record_order
from secretome.serve import (
    CachedPriority,
    QueueOrder,
    ServeSettings,
    active_learning_order,
    create_app,
    store_order,
)

from .conftest import make_client


@pytest.fixture
def ranked_client(store, store_url):
    with make_client(create_app(ServeSettings(db=store_url, reviewer="alice", order="ranked"), store=store)) as client:
        yield client


def _shown(page: str) -> tuple[int, str]:
    record = re.search(r'data-record="(\d+)"', page)
    note = re.search(r'<p class="meta" id="queue-order">([^<]*)</p>', page)
    assert record is not None, "no record on the Screening page"
    assert note is not None, "no line saying the queue's order on the Screening page"
    return int(record.group(1)), note.group(1)


def test_the_queue_follows_the_ranker_once_it_has_an_include_and_an_exclude(ranked_client, store):
    first, note = _shown(ranked_client.get("/screening").text)
    assert first == record_order(store)[0]
    assert note.startswith("Order: as imported, until one record is included and one excluded")
    ids = record_order(store)
    decide(store, ids[0], "include", "bob")
    decide(store, ids[1], "exclude", "bob")
    shown, note = _shown(ranked_client.get("/screening").text)
    ranking = rank_records(store)
    assert shown == ranking.records[0].record_id
    trained = "trained on 1 included and 1 excluded records"
    assert note == f"Order: ranked by active learning (svm, most likely relevant first), {trained}"


def test_each_priority_orders_every_record_once(store):
    decide(store, record_order(store)[0], "include", "bob")
    decide(store, record_order(store)[1], "exclude", "bob")
    for priority in (store_order, active_learning_order):
        order = priority(store, "title_abstract")
        assert sorted(order.record_ids) == sorted(record_order(store))
    # The ranked order puts the decided records last (the store's order), the unscreened first as ranked.
    ranked = active_learning_order(store, "title_abstract").record_ids
    assert ranked[: len(rank_records(store).records)] == tuple(r.record_id for r in rank_records(store).records)


def test_a_cached_priority_computes_once_per_state_and_retrains_in_the_background(store):
    # A fake ranker that counts its fits and can be held mid-fit, to see what pages get meanwhile.
    fits: list[int] = []
    release = threading.Event()

    def ranker(store_, stage):
        fits.append(len(fits))
        if len(fits) > 1:
            release.wait(10)
        return QueueOrder((len(fits),), f"fit {len(fits)}", ranked=True)

    cached = CachedPriority(ranker)
    assert cached(store, "title_abstract").note == "fit 1"
    assert cached(store, "title_abstract").note == "fit 1"
    assert len(fits) == 1  # the same state: no second fit
    decide(store, record_order(store)[0], "include", "bob")
    # The state moved on: the page gets the last ranking at once while one thread fits the next.
    assert cached(store, "title_abstract").note == "fit 1"
    assert cached(store, "title_abstract").note == "fit 1"
    release.set()
    deadline = time.monotonic() + 10
    while cached(store, "title_abstract").note != "fit 2":
        assert time.monotonic() < deadline, "the background fit never replaced the cached order"
        time.sleep(0.02)
    assert len(fits) == 2  # one background fit, not one per page
