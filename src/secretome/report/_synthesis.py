"""Synthesis per outcome domain: random-effects pooling where numbers allow, vote counting otherwise.

Rules (the report's, applied to the analysis dataset of :mod:`secretome.report._dataset`):

S1. Pooling never crosses evidence level (in vitro, animal, clinical) or product class (cells vs
    cell-free secretome): each analysis is one outcome x level x class.
S2. An outcome is pooled when at least two studies give poolable rows (rule D4): Hedges' g by
    metafor's ``escalc`` formulas, REML random-effects model (Viechtbauer 2005), z-test, 95% CI and
    prediction interval. One study, or none, leaves the outcome to the vote count.
S4. Within a pooled outcome with more than one MSC source, or more than one product (e.g. exosomes
    and conditioned medium), these are compared as subgroups (each its own REML model; test of
    differences QM with one tau^2, metafor's ``rma(mods = ~ factor(source))``) when every subgroup has
    at least two effect sizes; otherwise the report says which subgroup is too small.
S3. Vote counting by direction of effect (SWiM; Campbell et al. 2020): one vote per study per
    domain from its selected rows; a study whose rows point both ways casts none (``mixed``), a
    study that states only "no difference" casts none either. The sign test is a two-sided exact
    binomial test of the benefit votes against 1/2 (McKenzie & Brennan, Cochrane Handbook 12.4.2.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import binomtest

from secretome import vocab
from secretome.meta import RandomEffectsResult, SubgroupResult, random_effects, subgroups
from secretome.report._dataset import effect_sizes

__all__: list[str] = []


@dataclass(frozen=True)
class SubgroupTest:
    """Rule S4 for one column: the subgroup analysis, or why there is none."""

    column: str
    result: SubgroupResult | None
    note: str | None = None


@dataclass(frozen=True)
class PooledOutcome:
    """One random-effects meta-analysis: an outcome within one evidence level and product class."""

    outcome: str
    domain: str
    evidence_level: str
    product_class: str
    rows: pd.DataFrame
    """The pooled rows of the analysis dataset, with ``yi`` and ``vi`` (benefit-signed Hedges' g)."""
    result: RandomEffectsResult
    subgroup_tests: tuple[SubgroupTest, ...] = ()
    """Rule S4: one entry per column (``msc_source``, ``product``) with more than one value."""

    @property
    def studies(self) -> tuple[str, ...]:
        """The ids of the studies pooled."""
        return tuple(dict.fromkeys(self.rows["study_id"]))


@dataclass(frozen=True)
class VoteCount:
    """Direction-of-effect votes of one domain within one evidence level and product class."""

    domain: str
    evidence_level: str
    product_class: str
    votes: pd.DataFrame
    """One row per study: ``study_id``, ``vote`` (benefit, harm, mixed, no_difference, not_stated)."""

    @property
    def benefit(self) -> int:
        return int((self.votes["vote"] == "benefit").sum())

    @property
    def harm(self) -> int:
        return int((self.votes["vote"] == "harm").sum())

    @property
    def sign_test_p(self) -> float | None:
        """Two-sided exact binomial p of benefit vs harm votes; ``None`` when nobody voted."""
        n = self.benefit + self.harm
        return None if n == 0 else float(binomtest(self.benefit, n, 0.5).pvalue)


def pool_outcomes(dataset: pd.DataFrame) -> list[PooledOutcome]:
    """Rule S2: one :class:`PooledOutcome` per outcome x level x class with >= 2 poolable studies."""
    usable = dataset[dataset["selected"] & dataset["poolable"]] if not dataset.empty else dataset
    pooled = []
    for (outcome, level, product_class), group in usable.groupby(["outcome", "evidence_level", "product_class"]):
        if group["study_id"].nunique() < 2:
            continue
        rows = effect_sizes(group)
        result = random_effects(rows["yi"], rows["vi"], method="REML", labels=list(rows["label"]))
        tests = tuple(t for t in (_subgroup_test(rows, c) for c in SUBGROUP_COLUMNS) if t is not None)
        pooled.append(PooledOutcome(outcome, rows["domain"].iloc[0], level, product_class, rows, result, tests))
    return pooled


SUBGROUP_COLUMNS = {"msc_source": "MSC source", "product": "product"}
_SUBGROUP_TERMS = {"msc_source": vocab.MSC_SOURCES, "product": vocab.PRODUCTS}


def _subgroup_test(rows: pd.DataFrame, column: str) -> SubgroupTest | None:
    # Readers see the vocabulary's labels ("Umbilical cord"), not its ids.
    terms = _SUBGROUP_TERMS[column]
    groups = rows[column].map(lambda v: terms[v].label if isinstance(v, str) and v in terms else "unspecified")
    sizes = groups.value_counts()
    if len(sizes) < 2:
        return None
    small = sorted(sizes[sizes < 2].index)
    if small:
        reason = f"Not compared by {SUBGROUP_COLUMNS[column]}: a single effect size for {', '.join(small)}."
        return SubgroupTest(column, None, reason)
    return SubgroupTest(column, subgroups(rows["yi"], rows["vi"], groups, method="REML", labels=list(rows["label"])))


def count_votes(dataset: pd.DataFrame) -> list[VoteCount]:
    """Rule S3: one :class:`VoteCount` per domain x level x class, from the selected rows."""
    if dataset.empty:
        return []
    chosen = dataset[dataset["selected"] & dataset["product_class"].notna()]
    counts = []
    for (domain, level, product_class), rows in chosen.groupby(["domain", "evidence_level", "product_class"]):
        votes = rows.groupby("study_id", sort=True)["benefit"].agg(_vote).rename("vote").reset_index()
        counts.append(VoteCount(domain, level, product_class, votes))
    return counts


def outcome_votes(dataset: pd.DataFrame, evidence_level: str, product_class: str) -> pd.DataFrame:
    """Rule S3 per outcome instead of per domain: ``study_id``, ``outcome``, ``vote`` for one level and class."""
    columns = ["study_id", "outcome", "vote"]
    if dataset.empty:
        return pd.DataFrame(columns=columns)
    chosen = dataset[
        dataset["selected"]
        & (dataset["evidence_level"] == evidence_level)
        & (dataset["product_class"] == product_class)
    ]
    votes = chosen.groupby(["study_id", "outcome"], sort=True)["benefit"].agg(_vote).rename("vote").reset_index()
    return votes[columns]


def _vote(benefits: pd.Series) -> str:
    stated = set(benefits.dropna().astype(int))
    directions = stated - {0}
    if directions == {1}:
        return "benefit"
    if directions == {-1}:
        return "harm"
    if directions:
        return "mixed"
    return "no_difference" if stated else "not_stated"
