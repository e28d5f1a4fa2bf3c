"""Synthesis per outcome domain: random-effects pooling where numbers allow, vote counting otherwise.

Rules (the report's, applied to the analysis dataset of :mod:`secretome.report._dataset`):

S1. Pooling never crosses evidence level (in vitro, animal, clinical), product class (cells vs
    cell-free secretome) or measure: each analysis is one measure x outcome x level x class. A
    comparison between arms (SMD) never meets a change within one arm (SMCR: case series) or an
    event proportion (PLO); a head-to-head comparison of two treatments is never pooled. An outcome
    on another range of the same instrument (VAS pain on 0-10 and on 0-100 mm) is one outcome, as
    the measures are standardised (Cochrane Handbook 10.5.1); a study that reports both enters once,
    on the construct's own scale.
S2. An outcome is pooled when at least two studies with a primary source give poolable rows (rules
    D4, D8-D10): REML random-effects model (Viechtbauer 2005), z-test, 95% CI and prediction
    interval. One study, or none, leaves the outcome to the vote count.
S5. Sensitivity of every pooled analysis (Cochrane Handbook 10.14): each study left out in turn
    (k >= 3), without studies at high risk of bias, with the studies whose only source is secondary
    (left out of S2), and for SMCR the pre-post correlation r at 0.3 and 0.7; a funnel plot and
    Egger's regression test (Egger et al. 1997) where k >= 10 (Sterne et al. 2011) and no sampling
    variance is 0.
S4. Within a pooled outcome with more than one MSC source, product (e.g. exosomes and conditioned
    medium) or kind of comparator (no treatment, placebo or sham, active control), these are
    compared as subgroups (each its own REML model; test of differences QM with one tau^2, metafor's
    ``rma(mods = ~ factor(source))``) when every subgroup has at least two effect sizes and no
    sampling variance is 0; otherwise the report says which subgroup is too small, or that a
    variance is 0.
S6. Events compared between arms (rule D12) are pooled per outcome x level x class with at least two
    studies with a primary source, as a Mantel-Haenszel risk difference (metafor
    ``rma.mh(measure="RD")``; Greenland & Robins 1985, variance of Sato, Greenland & Robins 1989):
    trials without an event in either arm, the usual case for serious adverse events, keep their weight
    (risk difference 0), where an odds or risk ratio would leave them out (Cochrane Handbook 10.4.4.1),
    and no continuity correction is added to the pooled tables. Sensitivity as S5 (each study left out
    where k >= 3, without high risk of bias, with secondary sources).
S3. Vote counting by direction of effect (SWiM; Campbell et al. 2020): one vote per study per
    domain from its selected rows, comparisons with a control arm apart from single-arm changes
    (a case series never votes beside a trial), head-to-head comparisons not at all; a study whose
    rows point both ways casts none (``mixed``), a study that states only "no difference" casts none
    either. The sign test is a two-sided exact
    binomial test of the benefit votes against 1/2 (McKenzie & Brennan, Cochrane Handbook 12.4.2.3).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from secretome import vocab
from secretome.errors import SecretomeError, SecretomeWarning
from secretome.meta import (
    EggerResult,
    MantelHaenszelResult,
    RandomEffectsResult,
    SubgroupResult,
    back_transform,
    egger_test,
    forest_plot,
    mantel_haenszel,
    random_effects,
    subgroups,
)
from secretome.report._dataset import CHANGE_R, effect_sizes

__all__: list[str] = []


@dataclass(frozen=True)
class SubgroupTest:
    """Rule S4 for one column: the subgroup analysis, or why there is none."""

    column: str
    result: SubgroupResult | None
    note: str | None = None


MEASURE_LABELS = {
    "SMD": "Hedges' g (positive = benefit of treatment)",
    "SMCR": f"standardised mean change from baseline (positive = benefit; r = {CHANGE_R})",
    "PLO": "log odds of the event (proportion of patients)",
}
"""How each measure's forest axis and tables name it."""

MEASURE_NAMES = {"SMD": "Hedges' g", "SMCR": "standardised mean change", "PLO": "log odds"}
"""What a pooled estimate of each measure is, in words."""

NO_HETEROGENEITY = "not available (a sampling variance is 0)"
"""What the report and the workbench show for I^2, H^2 and Q when a fit has none: metafor's NA, as Q and
I^2 weight each study by 1/vi (:class:`~secretome.meta.RandomEffectsResult` gives ``None``)."""


@dataclass(frozen=True)
class PooledOutcome:
    """One random-effects meta-analysis: a measure and outcome within one evidence level and product class."""

    measure: str
    outcome: str
    domain: str
    evidence_level: str
    product_class: str
    rows: pd.DataFrame
    """The pooled rows of the analysis dataset, with ``yi`` and ``vi`` (rules D7-D10)."""
    result: RandomEffectsResult
    subgroup_tests: tuple[SubgroupTest, ...] = ()
    """Rule S4: one entry per column (``msc_source``, ``product``) with more than one value."""
    sensitivity: pd.DataFrame | None = None
    """Rule S5: one row per refit (``analysis``, ``k``, ``estimate``, ``ci_lb``, ``ci_ub``, ``tau2``, ``I2``,
    ``note``; I2 is empty, and the note says why, when a sampling variance is 0)."""
    egger: EggerResult | None = None
    """Rule S5: Egger's test where k >= 10."""

    @property
    def id(self) -> str:
        """A stable name: ``level-class-outcome-measure`` (the ``analysis_id`` of analysis.csv)."""
        return f"{self.evidence_level}-{self.product_class}-{self.outcome}-{self.measure}"

    @property
    def studies(self) -> tuple[str, ...]:
        """The ids of the studies pooled."""
        return tuple(dict.fromkeys(self.rows["study_id"]))

    @property
    def events(self) -> int | None:
        """Events in the pooled rows of a PLO analysis (``None`` for the other measures)."""
        return int(self.rows["xi"].sum()) if self.measure == "PLO" else None

    @property
    def participants(self) -> int:
        """Patients or animals in the pooled rows (both arms; shared arms counted once, rule D6); of a PLO
        analysis, the treated arms whose proportions it pools (their comparators are rule S6's)."""
        arms = ["n1i"] if self.measure == "PLO" else ["n1i", "n2i"]
        return round(float(self.rows[arms].fillna(0).to_numpy().sum()))


@dataclass(frozen=True)
class ComparedEvents:
    """Rule S6: one Mantel-Haenszel risk difference, treatment against comparator, of one outcome within one
    evidence level and product class."""

    outcome: str
    domain: str
    evidence_level: str
    product_class: str
    rows: pd.DataFrame
    """The 2x2 tables pooled (``xi`` of ``n1i`` against ``x2i`` of ``n2i``), with a forest ``label``."""
    result: MantelHaenszelResult
    sensitivity: pd.DataFrame
    """One row per refit (``analysis``, ``k``, ``estimate``, ``ci_lb``, ``ci_ub``, ``note``)."""

    measure = "RD"
    """The measure of every rule-S6 comparison (metafor's ``rma.mh(measure = "RD")``)."""

    @property
    def id(self) -> str:
        """``level-class-outcome-RD``, the ``events_analysis_id`` of analysis.csv."""
        return f"{self.evidence_level}-{self.product_class}-{self.outcome}-{self.measure}"

    @property
    def studies(self) -> tuple[str, ...]:
        """The ids of the studies pooled."""
        return tuple(dict.fromkeys(self.rows["study_id"]))

    @property
    def participants(self) -> int:
        """Patients in both arms (a shared comparator counted once, rule D6)."""
        return round(float(self.rows[["n1i", "n2i"]].to_numpy().sum()))

    @property
    def events(self) -> tuple[float, float]:
        """Events in the treated and in the comparator arms."""
        return float(self.rows["xi"].sum()), float(self.rows["x2i"].sum())

    def forest(self, path: str | Path | None = None) -> bytes:
        """The forest plot of the tables (meta's :func:`~secretome.meta.forest_plot` of the ``rma.mh`` fit), with
        each arm's events / n beside it; SVG, or written to *path* (.svg or .pdf)."""
        ilab = {
            "treated\nevents / n": [f"{x:g} / {n:g}" for x, n in zip(self.rows["xi"], self.rows["n1i"], strict=True)],
            "comparator\nevents / n": [
                f"{x:.3g} / {n:.3g}" for x, n in zip(self.rows["x2i"], self.rows["n2i"], strict=True)
            ],
        }
        # Fewer events in the treated arms (a negative difference) favour treatment where an event is harm.
        favours = ("Favours treatment", "Favours comparator")
        if vocab.OUTCOMES[self.outcome].higher_is_better:
            favours = favours[::-1]
        axis = "risk difference (treatment - comparator)"
        return forest_plot(self.result, path, xlabel=axis, ilab=ilab, favours=favours)

    def to_csv(self) -> str:
        """The 2x2 tables pooled, with their provenance; ``metafor::rma.mh(ai = xi, n1i = n1i, ci = x2i,
        n2i = n2i, measure = "RD", data = read.csv(file))`` reruns the comparison."""
        columns = ["label", "study_id", "treatment", "control", "xi", "n1i", "x2i", "n2i", "timepoint",
                   "risk_of_bias", "source_quality", "rule", "source", "location", "quote", "status"]  # fmt: skip
        return self.rows[columns].to_csv(index=False, lineterminator="\n")


def compare_events(dataset: pd.DataFrame) -> list[ComparedEvents]:
    """Rule S6: a Mantel-Haenszel risk difference per outcome x level x class with >= 2 primary studies."""
    usable = poolable_rows(dataset)
    if usable.empty:
        return []
    tables = usable[usable["x2i"].notna() & (usable["comparison"] == "between")]
    compared = []
    for (outcome, level, product_class), group in tables.groupby(_KEY[1:]):
        primary = group[group["source_quality"] != "secondary"]
        if primary["study_id"].nunique() < 2:
            continue
        rows = effect_sizes(primary)  # for the forest labels of rule D6's split comparisons
        result = _risk_difference(rows)
        refits = [("main analysis", rows), *_refit_rows(group, rows)]
        table = []
        for name, part in refits:
            if part["study_id"].nunique() < 2:
                table.append({"analysis": name, "k": len(part), "note": "fewer than two studies left, not refitted"})
                continue
            fit = result if name == "main analysis" else _risk_difference(part)
            # With no event left in any arm, the difference is 0 with no spread: not an estimate of safety.
            none = part["xi"].sum() + part["x2i"].sum() == 0
            table.append({"analysis": name, "k": fit.k, "estimate": fit.estimate, "ci_lb": fit.ci_lb,
                          "ci_ub": fit.ci_ub, "note": "no event in any arm left" if none else ""})  # fmt: skip
        sensitivity = pd.DataFrame(table).reindex(columns=["analysis", "k", "estimate", "ci_lb", "ci_ub", "note"])
        compared.append(
            ComparedEvents(outcome, rows["domain"].iloc[0], level, product_class, rows, result, sensitivity)
        )
    return compared


def _risk_difference(rows: pd.DataFrame) -> MantelHaenszelResult:
    with warnings.catch_warnings():
        # Tables without events in either arm have no yi for the heterogeneity test (drop00); the report
        # says how many tables have one (k_yi of k) instead of repeating the engine's warning per refit.
        warnings.simplefilter("ignore", SecretomeWarning)
        return mantel_haenszel(
            "RD", ai=rows["xi"], n1i=rows["n1i"], ci=rows["x2i"], n2i=rows["n2i"], labels=list(rows["label"])
        )


@dataclass(frozen=True)
class VoteCount:
    """Direction-of-effect votes of one domain within one evidence level and product class."""

    domain: str
    evidence_level: str
    product_class: str
    votes: pd.DataFrame
    """One row per study: ``study_id``, ``vote`` (benefit, harm, mixed, no_difference, not_stated)."""
    comparison: str = "between"
    """``between`` (treatment vs control arm) or ``within`` (one arm's change from baseline)."""

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


def poolable_rows(dataset: pd.DataFrame) -> pd.DataFrame:
    """The rows an analysis may pool: selected (D5), with the numbers of their measure, and not a
    head-to-head comparison of two treatments (S1); ``outcome`` is the construct pooled (S1), the
    outcome as reported stays in ``reported_outcome``."""
    if dataset.empty:
        return dataset
    rows = dataset[dataset["selected"] & dataset["poolable"] & (dataset["comparison"] != "head_to_head")]
    rows = rows.assign(reported_outcome=rows["outcome"], outcome=rows["construct"])
    # The construct's own scale first, so a study that reports both scales enters on that one.
    order = (rows["reported_outcome"] != rows["outcome"]).sort_values(kind="stable").index
    keys = ["study_id", "outcome", "measure", "treatment", "control"]
    kept = rows.loc[order].drop_duplicates(keys)
    return rows[rows.index.isin(kept.index)]


def pool_outcomes(dataset: pd.DataFrame) -> list[PooledOutcome]:
    """Rules S1, S2, S5: one :class:`PooledOutcome` per measure x outcome x level x class with >= 2 studies."""
    usable = poolable_rows(dataset)
    if usable.empty:
        return []
    pooled = []
    for (measure, outcome, level, product_class), group in usable.groupby(_KEY):
        primary = group[group["source_quality"] != "secondary"]
        if primary["study_id"].nunique() < 2:
            continue
        rows = effect_sizes(primary)
        result = _fit(rows)
        tests = tuple(t for t in (_subgroup_test(rows, c) for c in SUBGROUP_COLUMNS) if t is not None)
        # meta's subgroups and egger_test take positive variances only (the model fits a 0 as metafor).
        egger = egger_test(rows["yi"], rows["vi"]) if len(rows) >= 10 and _positive(rows) else None
        pooled.append(
            PooledOutcome(
                measure,
                outcome,
                rows["domain"].iloc[0],
                level,
                product_class,
                rows,
                result,
                tests,
                _sensitivity(group, rows, result),
                egger,
            )
        )
    return pooled


_KEY = ["measure", "outcome", "evidence_level", "product_class"]


def _fit(rows: pd.DataFrame) -> RandomEffectsResult:
    return random_effects(rows["yi"], rows["vi"], method="REML", labels=list(rows["label"]))


def _sensitivity(group: pd.DataFrame, rows: pd.DataFrame, main: RandomEffectsResult) -> pd.DataFrame:
    """Rule S5: the main fit, then each refit, as a reader compares them (one row each)."""
    refits: list[tuple[str, pd.DataFrame | RandomEffectsResult]] = [("main analysis", main)]
    refits += _refit_rows(group, rows)
    if rows["measure"].iloc[0] == "SMCR":
        refits += [(f"r = {r}", effect_sizes(rows, r=r)) for r in (0.3, 0.7)]
    table = []
    for name, refit in refits:
        fit = refit if isinstance(refit, RandomEffectsResult) else _refit(refit)
        if fit is None:
            table.append({"analysis": name, "k": len(refit), "note": "fewer than two studies left, not refitted"})
            continue
        table.append(
            {
                "analysis": name,
                "k": fit.k,
                "estimate": fit.estimate,
                "ci_lb": fit.ci_lb,
                "ci_ub": fit.ci_ub,
                "tau2": fit.tau2,
                "I2": fit.I2,
                "note": "" if fit.I2 is not None else f"I2 {NO_HETEROGENEITY}",
            }
        )
    columns = ["analysis", "k", "estimate", "ci_lb", "ci_ub", "tau2", "I2", "note"]
    return pd.DataFrame(table).reindex(columns=columns)


def _refit_rows(group: pd.DataFrame, rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Rules S5 and S6: the rows of each sensitivity refit of the analysis of *rows* (from *group*, the same
    outcome with its secondary sources): each study left out (k >= 3 studies), without high risk of bias,
    with the secondary sources."""
    refits = []
    studies = list(dict.fromkeys(rows["study_id"]))
    if len(studies) >= 3:
        refits += [(f"without {s}", rows[rows["study_id"] != s]) for s in studies]
    high = rows["risk_of_bias"] == "high"
    if high.any():
        dropped = ", ".join(sorted(set(rows.loc[high, "study_id"])))
        refits.append((f"without high risk of bias ({dropped})", rows[~high]))
    secondary = group[group["source_quality"] == "secondary"]
    if not secondary.empty:
        added = ", ".join(sorted(set(secondary["study_id"])))
        refits.append((f"with secondary sources ({added})", effect_sizes(group)))
    return refits


def _refit(rows: pd.DataFrame) -> RandomEffectsResult | None:
    if rows["study_id"].nunique() < 2:
        return None
    try:
        return _fit(rows)
    except SecretomeError:  # a refit that does not converge is a row of the table, not the end of the report
        return None


def analyses_frame(pooled: list[PooledOutcome], compared: Sequence[ComparedEvents] = ()) -> pd.DataFrame:
    """``analyses.csv``: one row per pooled analysis, as metafor names its model.

    ``rma(yi, vi, method = method, test = test, data = subset(analysis.csv, analysis_id == id))``
    reruns each random-effects row; ``estimate``, CI and PI are on the measure's scale (PLO: log odds), and
    ``proportion``/``proportion_ci_lb``/``proportion_ci_ub`` back-transform PLO (``transf.ilogit``). A
    row of *compared* (method ``MH``, measure ``RD``, rule S6) reruns as ``rma.mh(ai = xi, n1i = n1i,
    ci = x2i, n2i = n2i, measure = "RD", data = subset(analysis.csv, events_analysis_id == id))``.
    """
    rows = []
    for p in pooled:
        res = p.result
        back = back_transform([res.estimate, res.ci_lb, res.ci_ub], "PLO") if p.measure == "PLO" else None
        rows.append(
            {
                "id": p.id,
                "outcome": p.outcome,
                "domain": p.domain,
                "design": p.evidence_level,
                "product_class": p.product_class,
                "measure": p.measure,
                "k": res.k,
                "studies": len(p.studies),
                "participants": p.participants,
                "method": "REML",
                "test": "z",
                "estimate": res.estimate,
                "ci_lb": res.ci_lb,
                "ci_ub": res.ci_ub,
                "pi_lb": res.pi_lb,
                "pi_ub": res.pi_ub,
                "tau2": res.tau2,
                "I2": res.I2,
                "pval": res.pval,
                "r": CHANGE_R if p.measure == "SMCR" else None,
                "proportion": None if back is None else back[0],
                "proportion_ci_lb": None if back is None else back[1],
                "proportion_ci_ub": None if back is None else back[2],
                "egger_p": None if p.egger is None else p.egger.pval,
            }
        )
    for c in compared:
        res = c.result
        rows.append(
            {
                "id": c.id,
                "outcome": c.outcome,
                "domain": c.domain,
                "design": c.evidence_level,
                "product_class": c.product_class,
                "measure": c.measure,
                "k": res.k,
                "studies": len(c.studies),
                "participants": c.participants,
                "method": "MH",
                "test": "z",
                "estimate": res.estimate,
                "ci_lb": res.ci_lb,
                "ci_ub": res.ci_ub,
                "I2": res.I2,
                "pval": res.pval,
            }
        )
    return pd.DataFrame(rows, columns=_ANALYSES_COLUMNS)


_ANALYSES_COLUMNS = [
    "id", "outcome", "domain", "design", "product_class", "measure", "k", "studies", "participants", "method",
    "test", "estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "pval", "r", "proportion",
    "proportion_ci_lb", "proportion_ci_ub", "egger_p",
]  # fmt: skip


def with_analyses(
    dataset: pd.DataFrame, pooled: list[PooledOutcome], compared: Sequence[ComparedEvents] = ()
) -> pd.DataFrame:
    """*dataset* with ``analysis_id``, ``yi`` and ``vi`` on the rows each pooled analysis used, and
    ``events_analysis_id`` on the 2x2 tables each rule-S6 comparison used (a row can be both: the treated
    arm's proportion and its comparison with the comparator)."""
    out = dataset.assign(analysis_id=None, yi=np.nan, vi=np.nan, events_analysis_id=None)
    for p in pooled:
        out.loc[p.rows.index, "analysis_id"] = p.id
        out.loc[p.rows.index, "yi"] = p.rows["yi"]
        out.loc[p.rows.index, "vi"] = p.rows["vi"]
    for c in compared:
        out.loc[c.rows.index, "events_analysis_id"] = c.id
    return out


SUBGROUP_COLUMNS = {"msc_source": "MSC source", "product": "product", "control_role": "comparator"}
_SUBGROUP_TERMS = {"msc_source": vocab.MSC_SOURCES, "product": vocab.PRODUCTS, "control_role": vocab.ARM_ROLES}


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
    if not _positive(rows):
        return SubgroupTest(column, None, f"Not compared by {SUBGROUP_COLUMNS[column]}: a sampling variance is 0.")
    return SubgroupTest(column, subgroups(rows["yi"], rows["vi"], groups, method="REML", labels=list(rows["label"])))


def _positive(rows: pd.DataFrame) -> bool:
    """Whether every sampling variance of *rows* is above 0."""
    return bool((rows["vi"] > 0).all())


def count_votes(dataset: pd.DataFrame) -> list[VoteCount]:
    """Rule S3: one :class:`VoteCount` per domain x level x class x comparison, from the selected rows."""
    if dataset.empty:
        return []
    chosen = dataset[dataset["selected"] & dataset["product_class"].notna() & (dataset["comparison"] != "head_to_head")]
    counts = []
    keys = ["domain", "evidence_level", "product_class", "comparison"]
    for (domain, level, product_class, comparison), rows in chosen.groupby(keys):
        votes = rows.groupby("study_id", sort=True)["benefit"].agg(_vote).rename("vote").reset_index()
        counts.append(VoteCount(domain, level, product_class, votes, comparison))
    return counts


def outcome_votes(dataset: pd.DataFrame, evidence_level: str, product_class: str) -> pd.DataFrame:
    """Rule S3 per outcome instead of per domain: ``study_id``, ``outcome``, ``vote`` for one level and class."""
    columns = ["study_id", "outcome", "vote"]
    if dataset.empty:
        return pd.DataFrame(columns=columns)
    chosen = dataset[
        dataset["selected"]
        & (dataset["comparison"] == "between")
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
