"""Active-learning ranking of records for title/abstract screening.

Each record is a TF-IDF vector of its title and abstract [1]_; a linear classifier (naive Bayes,
logistic regression or a linear SVM) is trained on the records screened so far and scores the
others, and a query strategy picks what to screen next: ``max`` (most likely relevant first, the
certainty-based sampling of Cormack & Grossman [2]_ and ASReview's default [3]_), ``uncertainty``
(closest to the decision boundary) or ``mixed`` (mostly max, one in ten at random, as ASReview's
``max_random`` mix). Training needs prior knowledge: at least one included and one excluded record.

:func:`rank_records` ranks the unscreened records of a store; :func:`train_scores` and
:func:`next_records` are the array core used by it and by :func:`simulate_screening`.

Sentence embeddings are not offered: the packages that compute them (sentence-transformers and
others) download their model weights from a model hub on first use, and no package on the
registries this project uses ships the weights, so they would not work offline.

References
----------
.. [1] Salton G, Buckley C (1988). Term-weighting approaches in automatic text retrieval. Information
   Processing & Management 24(5):513-523. https://doi.org/10.1016/0306-4573(88)90021-0
.. [2] Cormack GV, Grossman MR (2014). Evaluation of machine-learning protocols for technology-assisted
   review in electronic discovery. SIGIR 2014:153-162. https://doi.org/10.1145/2600428.2609601
.. [3] van de Schoot R, de Bruin J, Schram R, et al. (2021). An open source machine learning framework
   for efficient and transparent systematic reviews. Nature Machine Intelligence 3:125-133.
   https://doi.org/10.1038/s42256-020-00287-7
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from secretome._result import Result, json_safe
from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._screening import SCREENING_STAGES
from secretome.evidence._stopping import StoppingDecision, hypergeometric_stop, knee_stop
from secretome.evidence._store import Store

__all__ = [
    "CLASSIFIERS",
    "QUERY_STRATEGIES",
    "RankedRecord",
    "Ranking",
    "next_records",
    "rank_records",
    "text_features",
    "train_scores",
]

Classifier = Literal["nb", "logistic", "svm"]
QueryStrategy = Literal["max", "uncertainty", "mixed"]
CLASSIFIERS: tuple[str, ...] = ("nb", "logistic", "svm")
"""Classifiers: multinomial naive Bayes, logistic regression, linear SVM (all scikit-learn)."""
QUERY_STRATEGIES: tuple[str, ...] = ("max", "uncertainty", "mixed")
"""Query strategies: most relevant first, most uncertain first, or max with one in ten at random."""

# One query in ten is random under "mixed": ASReview's max_random mix uses 0.95/0.05; 0.1 keeps
# exploration visible in small sets while staying mostly certainty-based.
_RANDOM_SHARE = 0.1


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InputError(f"must be one of {', '.join(map(repr, allowed))}", field=name, value=value)


def text_features(titles: Sequence[str | None], abstracts: Sequence[str | None]):
    """TF-IDF features of title + abstract, one row per record (Salton & Buckley 1988).

    Unigrams and bigrams, sublinear term frequency, terms in at most 95 % of the records: the
    features of ASReview's default model ("ELAS u4"; van de Schoot et al. 2021). A record without
    abstract is represented by its title alone.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n_records x n_terms``, rows L2-normalised.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{t or ''} {a or ''}".strip() for t, a in zip(titles, abstracts, strict=True)]
    # Removing stop words and hapaxes (min_df=2) was measured with the same weights: WSS@95 0.485 against
    # 0.505 on the ADHD set, 0.633 against 0.572 on triptans (benchmarks/README.md); neither wins on both,
    # so ASReview's features are kept. In sets of fewer than 20 records a 95 % cut would drop every shared word.
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95 if len(texts) >= 20 else 1.0)
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # every text empty: no vocabulary
        raise InputError("no words to learn from in any title or abstract", field="title") from None


def _model(classifier: str, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import LinearSVC

    # Included records are rare (often < 5 %): without reweighting a classifier learns "exclude
    # everything". Logistic regression uses balanced class weights; the SVM the stronger weights of
    # ASReview's default (see _sample_weights). Logistic C was measured on the Cohen 2006 sets
    # (liblinear C=1: WSS@95 0.409/0.594 on ADHD/triptans against lbfgs C=10 0.380 on ADHD at 25x the time).
    if classifier == "nb":
        return MultinomialNB(alpha=0.1)
    if classifier == "logistic":
        return LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=seed)
    return LinearSVC(C=0.11, random_state=seed)


# Includes weigh this many times more than under "balanced" class weights: ASReview's default
# balancer ("Balanced", ratio 9.8, in its ELAS u4 model; van de Schoot et al. 2021).
_INCLUDE_RATIO = 9.8


def _sample_weights(labels: np.ndarray) -> np.ndarray:
    """Weights 1 for includes and n_inc / (ratio * n_exc) for excludes, scaled to mean 1 (ASReview's rule)."""
    n_inc, n_exc = int(labels.sum()), int(labels.size - labels.sum())
    weights = np.where(labels == 1, 1.0, n_inc / (_INCLUDE_RATIO * n_exc))
    return weights * (labels.size / weights.sum())


def train_scores(features, labelled: np.ndarray, labels: np.ndarray, *, classifier: Classifier = "svm", seed: int = 0):
    """Train on the labelled rows of ``features`` and score every row (higher = more likely included).

    Parameters
    ----------
    features : sparse matrix
        Features (:func:`text_features`).
    labelled : array of int
        Row indices of the screened records.
    labels : array of {0, 1}
        Their decisions (1 = include), aligned with ``labelled``.
    classifier : {'nb', 'logistic', 'svm'}

    Returns
    -------
    numpy.ndarray
        One score per row: the decision function (SVM, logistic) or log-odds (naive Bayes).
    """
    _check_choice("classifier", classifier, CLASSIFIERS)
    labels = np.asarray(labels, dtype=int)
    if labels.min(initial=1) == labels.max(initial=0) or labels.size == 0:
        raise InputError("training needs at least one included and one excluded record", field="decision")
    weights = _sample_weights(labels) if classifier == "svm" else None
    model = _model(classifier, seed).fit(features[labelled], labels, sample_weight=weights)
    if classifier == "nb":
        log_p = model.predict_log_proba(features)
        return log_p[:, 1] - log_p[:, 0]
    return model.decision_function(features)


def next_records(
    scores: np.ndarray,
    unlabelled: np.ndarray,
    n: int,
    *,
    query_strategy: QueryStrategy = "max",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """The ``n`` unlabelled rows to screen next, in order, by a query strategy.

    ``max`` takes the highest scores; ``uncertainty`` the scores nearest the boundary (0);
    ``mixed`` takes max but one pick in ten at random among the rest (exploration).
    Ties keep row order (stable sort), so a ranking is reproducible.
    """
    _check_choice("query_strategy", query_strategy, QUERY_STRATEGIES)
    unlabelled = np.asarray(unlabelled)
    n = min(n, unlabelled.size)
    s = scores[unlabelled]
    key = -np.abs(s) if query_strategy == "uncertainty" else s
    order = unlabelled[np.argsort(-key, kind="stable")]
    if query_strategy != "mixed" or n == 0:
        return order[:n]
    rng = rng if rng is not None else np.random.default_rng(0)
    n_random = int(rng.binomial(n, _RANDOM_SHARE)) if n > 1 else int(rng.random() < _RANDOM_SHARE)
    top = order[: n - n_random]
    rest = order[n - n_random :]
    picks = rng.choice(rest, size=n_random, replace=False) if n_random else rest[:0]
    return np.concatenate([top, picks])


@dataclass(frozen=True, slots=True)
class RankedRecord:
    """One record to screen: its store id, rank (1 = next), score and bibliographic text."""

    record_id: int
    rank: int
    score: float
    title: str | None
    abstract: str | None
    year: int | None
    doi: str | None
    pmid: str | None


@dataclass(frozen=True, slots=True)
class Ranking(Result):
    """The unscreened records of a store in the order to screen them.

    Attributes
    ----------
    store : str
    stage : str
        The screening stage whose decisions trained the model.
    classifier, query_strategy : str
    n_included, n_excluded : int
        Latest decisions used as training labels.
    n_unscreened : int
        Records without a decision at the stage (all of them are ranked; ``records`` holds the first n).
    records : tuple of RankedRecord
    notes : tuple of str
        Fallbacks taken (records ranked on their title alone).
    stopping : tuple of StoppingDecision
        What each stopping rule says after the decisions so far (:mod:`secretome.evidence._stopping`).
    """

    store: str
    stage: str
    classifier: str
    query_strategy: str
    n_included: int
    n_excluded: int
    n_unscreened: int
    records: tuple[RankedRecord, ...]
    notes: tuple[str, ...] = field(default=())
    stopping: tuple[StoppingDecision, ...] = field(default=())

    def summary(self) -> str:
        """A header, then one line per record (rank, id, score, year, title).

        >>> r = RankedRecord(12, 1, 1.25, "MSC exosomes in OA rats", None, 2020, None, None)
        >>> print(Ranking("sqlite:///e.db", "title_abstract", "svm", "max", 2, 5, 40, (r,)).summary())
        Screening priority for sqlite:///e.db (stage title_abstract; svm, query max)
        trained on 2 included and 5 excluded records; 40 records unscreened, next 1:
        rank  record   score  year  title
           1      12  1.2500  2020  MSC exosomes in OA rats
        """
        lines = [
            f"Screening priority for {self.store} (stage {self.stage}; {self.classifier}, query {self.query_strategy})",
            f"trained on {self.n_included} included and {self.n_excluded} excluded records; "
            f"{self.n_unscreened} records unscreened, next {len(self.records)}:",
            f"{'rank':>4}  {'record':>6}  {'score':>6}  year  title",
        ]
        for r in self.records:
            title = (r.title or "(no title)")[:90]
            lines.append(f"{r.rank:>4}  {r.record_id:>6}  {r.score:6.4f}  {r.year or '':>4}  {title}")
        lines += [f"stopping rule {d.summary()}" for d in self.stopping]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per ranked record."""
        return pd.DataFrame([json_safe(r) for r in self.records], columns=list(RankedRecord.__dataclass_fields__))


def _latest_labels(session, stage: str) -> dict[int, int]:
    """The latest decision of each record at *stage* as 1 (include) or 0 (exclude), keyed in the order
    the records were first decided."""
    query = (
        sa.select(orm.ScreeningDecision.record_id, orm.ScreeningDecision.decision)
        .where(orm.ScreeningDecision.stage == stage)
        .order_by(orm.ScreeningDecision.decided_at, orm.ScreeningDecision.id)
    )
    # Later rows overwrite earlier ones: the same "latest decision counts" rule as prisma_counts.
    return {record_id: int(decision == "include") for record_id, decision in session.execute(query)}


def rank_records(
    store: Store,
    n: int | None = None,
    *,
    stage: str = "title_abstract",
    classifier: Classifier = "svm",
    query_strategy: QueryStrategy = "max",
    seed: int = 0,
) -> Ranking:
    """Rank the unscreened records of a store by active learning on the decisions so far.

    Parameters
    ----------
    store : Store
        A store with imported, de-duplicated records and some screening decisions.
    n : int, optional
        How many records to return (default: all unscreened ones).
    stage : {'title_abstract', 'full_text'}
        Whose decisions train the model (the latest decision of each record counts).
    classifier : {'svm', 'logistic', 'nb'}
    query_strategy : {'max', 'uncertainty', 'mixed'}
    seed : int
        Seeds the classifier and the random picks of ``mixed``.

    Returns
    -------
    Ranking
        ``records`` in the order to screen them, each with its ``record_id``.

    Raises
    ------
    InputError
        No decisions yet, or only one kind (prior knowledge needs at least one included and one
        excluded record), or an unknown option.
    """
    _check_choice("query_strategy", query_strategy, QUERY_STRATEGIES)
    _check_choice("classifier", classifier, CLASSIFIERS)
    stage = stage.replace("-", "_")
    _check_choice("stage", stage, SCREENING_STAGES)
    if n is not None and n < 1:
        raise InputError("must be at least 1", field="n", value=n)
    with store.session() as session:
        rows = session.execute(
            sa.select(
                orm.Record.id, orm.Record.title, orm.Record.abstract, orm.Record.year, orm.Record.doi, orm.Record.pmid
            )
            .where(orm.Record.duplicate_of.is_(None))
            .order_by(orm.Record.id)
        ).all()
        decided = _latest_labels(session, stage)
    ids = np.array([r.id for r in rows], dtype=int)
    is_labelled = np.array([i in decided for i in ids], dtype=bool)
    labels = np.array([decided[i] for i in ids[is_labelled]], dtype=int)
    n_inc = int(labels.sum())
    n_exc = int(labels.size - n_inc)
    if n_inc == 0 or n_exc == 0:
        raise InputError(
            f"ranking needs at least one included and one excluded record at {stage} "
            f"(has {n_inc} included, {n_exc} excluded); screen a few records first",
            field="decision",
        )
    notes = []
    n_title_only = sum(not (r.abstract or "").strip() for r in rows)
    if n_title_only:
        notes.append(f"{n_title_only} records have no abstract and are ranked on their title alone")
    features = text_features([r.title for r in rows], [r.abstract for r in rows])
    scores = train_scores(features, np.flatnonzero(is_labelled), labels, classifier=classifier, seed=seed)
    unlabelled = np.flatnonzero(~is_labelled)
    take = unlabelled.size if n is None else n
    order = next_records(scores, unlabelled, take, query_strategy=query_strategy, rng=np.random.default_rng(seed))
    ranked = tuple(
        RankedRecord(
            int(ids[i]),
            k + 1,
            float(scores[i]),
            rows[i].title,
            rows[i].abstract,
            rows[i].year,
            rows[i].doi,
            rows[i].pmid,
        )
        for k, i in enumerate(order)
    )
    # The decisions in the order the records were first decided, for the stopping rules.
    known = set(ids.tolist())
    in_order = np.array([label for record_id, label in decided.items() if record_id in known], dtype=int)
    stopping = (knee_stop(in_order, ids.size), hypergeometric_stop(in_order, ids.size))
    return Ranking(
        store.url, stage, classifier, query_strategy, n_inc, n_exc, int(unlabelled.size), ranked, tuple(notes),
        stopping,
    )  # fmt: skip
