"""Active-learning ranking of a store's unscreened records, and the stopping rules it reports."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence import (
    create_store,
    dedupe_records,
    import_files,
    next_records,
    rank_records,
    screen_record,
    text_features,
    train_scores,
)


@pytest.fixture
def store(store_url, synthetic_corpus, imports_dir):
    with create_store(store_url, corpus=synthetic_corpus) as created:
        import_files(created, [imports_dir / "dedupe.ris"])
        dedupe_records(created)
        yield created


def _canonical(store) -> list[int]:
    with store.session() as session:
        query = sa.select(orm.Record.id).where(orm.Record.duplicate_of.is_(None)).order_by(orm.Record.id)
        return list(session.scalars(query))


def test_ranking_needs_one_decision_of_each_kind(store):
    with pytest.raises(InputError, match="has 0 included, 0 excluded"):
        rank_records(store)
    first = _canonical(store)[0]
    screen_record(store, first, "include", stage="title_abstract", reviewer="KH")
    with pytest.raises(InputError, match="has 1 included, 0 excluded"):
        rank_records(store)


def test_the_unscreened_canonical_records_are_ranked_once(store):
    ids = _canonical(store)
    screen_record(store, ids[0], "include", stage="title_abstract", reviewer="KH")
    screen_record(store, ids[1], "exclude", stage="title_abstract", reviewer="KH", reason="not OA")
    ranking = rank_records(store)
    ranked = [r.record_id for r in ranking.records]
    assert sorted(ranked) == sorted(ids[2:])
    assert [r.rank for r in ranking.records] == list(range(1, len(ids) - 1))
    assert (ranking.n_included, ranking.n_excluded, ranking.n_unscreened) == (1, 1, len(ids) - 2)
    scores = [r.score for r in ranking.records]
    assert scores == sorted(scores, reverse=True)  # "max": most likely included first
    assert rank_records(store, 2).records == ranking.records[:2]
    assert [d.rule for d in ranking.stopping] == ["knee", "hypergeometric"]
    assert not any(d.stop for d in ranking.stopping)  # two decisions: far too early to stop
    assert "stopping rule knee: continue after 2 of" in ranking.summary()


def test_array_core_orders_by_score_and_uncertainty():
    features = text_features(["mesenchymal secretome knee", "tax law", "knee secretome rats", "law court"], [""] * 4)
    scores = train_scores(features, np.array([0, 1]), np.array([1, 0]), classifier="logistic")
    assert next_records(scores, np.array([2, 3]), 2).tolist() == [2, 3]
    assert scores[2] > 0 > scores[3]
    uncertain = next_records(np.array([3.0, -0.1, 0.5, -2.0]), np.arange(4), 2, query_strategy="uncertainty")
    assert uncertain.tolist() == [1, 2]


@pytest.mark.parametrize("option", [{"classifier": "forest"}, {"query_strategy": "random"}, {"stage": "abstract"}])
def test_unknown_options_name_the_field(store, option):
    with pytest.raises(InputError) as caught:
        rank_records(store, **option)
    assert caught.value.field == next(iter(option))
