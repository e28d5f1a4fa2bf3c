"""The Synthesis view's analysis: one outcome's random-effects model, recomputed for the toggles chosen, or
one of the report's Mantel-Haenszel comparisons of events between arms (rule S6).

The rows are the report's analysis dataset (:func:`secretome.report.analysis_dataset`, rules D1-D11)
and the effect sizes its rules S1-S2: Hedges' g by metafor's ``escalc("SMD")`` formulas between arms,
the standardised mean change (SMCR) within an arm, the log odds (PLO) of an event; g and SMCR are
signed so that a positive value is a benefit. The toggles are the usual sensitivity analyses of a
review (Cochrane Handbook 10.14): another tau^2 estimator, subgroups by MSC source or product (metafor's
``rma(mods = ~ factor(x))`` test), leaving one study out, and leaving out studies at high risk of
bias (:func:`~secretome.evidence.risk_of_bias_class`); studies whose only source is secondary are left
out unless asked for, as in the report. A comparison of events between arms (measure ``RD``) is the report's
own (:func:`secretome.report.compare_events`: metafor's ``rma.mh(measure = "RD")`` with its sensitivity
analyses); the toggles do not apply to it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from secretome import vocab
from secretome.errors import InputError, check_choice
from secretome.meta import (
    METHODS,
    LeaveOneOutResult,
    RandomEffectsResult,
    SubgroupResult,
    forest_plot,
    leave_one_out,
    random_effects,
    subgroups,
)
from secretome.report import MEASURE_LABELS, MEASURE_NAMES, ComparedEvents, compare_events, effect_sizes, poolable_rows

__all__ = ["SUBGROUPS", "Analysis", "AnalysisChoice", "Comparison", "analyse", "analysis_choices"]

SUBGROUPS = {"": "none", "msc_source": "MSC source", "product": "product"}
"""Subgroup columns the view offers, with their labels."""

_ARM_COLUMNS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "m_pre", "sd_pre", "xi")
_TERMS = {"msc_source": vocab.MSC_SOURCES, "product": vocab.PRODUCTS}


@dataclass(frozen=True, slots=True)
class AnalysisChoice:
    """A measure and outcome within one evidence level and product class, with how many studies give
    poolable rows (the report's rule S1: Hedges' g between arms, SMCR within an arm, PLO for events)."""

    outcome: str
    evidence_level: str
    product_class: str
    n_studies: int
    measure: str = "SMD"

    @property
    def key(self) -> str:
        """What the view puts in its URL: ``outcome/level/class``, and ``/measure`` unless SMD."""
        key = f"{self.outcome}/{self.evidence_level}/{self.product_class}"
        return key if self.measure == "SMD" else f"{key}/{self.measure}"

    @property
    def label(self) -> str:
        """The outcome's label, level, class and (unless SMD) measure, as a reader reads them."""
        what = {"SMD": "", "RD": ", RD between arms, Mantel-Haenszel"}.get(self.measure, f", {self.measure}")
        level = vocab.EVIDENCE_LEVELS[self.evidence_level].label
        return f"{vocab.OUTCOMES[self.outcome].label} ({level}, {self.product_class}{what}; k = {self.n_studies})"


def analysis_choices(dataset: pd.DataFrame) -> list[AnalysisChoice]:
    """Every measure x outcome x level x class with poolable rows from at least two studies with a
    primary source (the report's rule S2); ``n_studies`` counts those studies."""
    usable = poolable_rows(dataset)
    usable = usable[usable["source_quality"] != "secondary"] if not usable.empty else usable
    if usable.empty:
        return []
    counts = usable.groupby(["outcome", "evidence_level", "product_class", "measure"])["study_id"].nunique()
    pooled = [AnalysisChoice(o, lv, pc, int(n), m) for (o, lv, pc, m), n in counts.items() if n >= 2]
    return pooled + [AnalysisChoice(c.outcome, c.evidence_level, c.product_class, len(c.studies), c.measure)
                     for c in compare_events(dataset)]  # fmt: skip


@dataclass(frozen=True)
class Analysis:
    """One recomputed analysis: its rows (with ``yi``, ``vi``, ``label``), model, plotted result and notes."""

    choice: AnalysisChoice
    rows: pd.DataFrame
    result: RandomEffectsResult
    plotted: RandomEffectsResult | SubgroupResult
    leave_one_out: LeaveOneOutResult | None
    notes: tuple[str, ...]
    method: str

    @property
    def events(self) -> int | None:
        """Events in the analysed rows of a PLO analysis (``None`` for the other measures). With none, the pooled
        log odds only restate escalc's 1/2 correction, and the view says "0 events in n" as the report does."""
        return int(self.rows["xi"].sum()) if self.choice.measure == "PLO" else None

    @property
    def participants(self) -> int:
        """Patients or animals in the analysed rows' treated arms (a PLO analysis counts those)."""
        return round(float(self.rows["n1i"].sum()))

    @property
    def measure_name(self) -> str:
        """What the pooled estimate is, in words."""
        return MEASURE_NAMES[self.choice.measure]

    def forest_svg(self) -> bytes:
        """The forest plot (meta's :func:`~secretome.meta.forest_plot`) as SVG."""
        return forest_plot(self.plotted, xlabel=MEASURE_LABELS[self.choice.measure])

    def forest_pdf(self) -> bytes:
        """The same forest plot as PDF."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "forest.pdf"
            forest_plot(self.plotted, path, xlabel=MEASURE_LABELS[self.choice.measure])
            return path.read_bytes()

    def to_csv(self) -> str:
        """The analysed rows: label, yi, vi and the per-arm numbers, with their provenance.

        ``metafor::rma(yi, vi, data = read.csv(file), method = "<method>")`` reruns the model.
        """
        columns = ["label", "study_id", "measure", "yi", "vi", *_ARM_COLUMNS, "pi", "p_bound", "p_direction",
                   "msc_source", "product", "timepoint"]  # fmt: skip
        columns += ["risk_of_bias", "source_quality", "rule", "source", "location", "quote", "status"]
        return self.rows[columns].to_csv(index=False, lineterminator="\n")


@dataclass(frozen=True)
class Comparison:
    """One of the report's comparisons of events between arms (rule S6), as the report shows it."""

    choice: AnalysisChoice
    compared: ComparedEvents
    notes: tuple[str, ...] = ()

    @property
    def tables(self) -> pd.DataFrame:
        """The 2x2 tables: label, events and n per arm, and the observed risk difference in points."""
        rows = self.compared.rows
        rd = 100 * (rows["xi"] / rows["n1i"] - rows["x2i"] / rows["n2i"])
        return rows[["label", "study_id", "xi", "n1i", "x2i", "n2i"]].assign(rd_points=rd).reset_index(drop=True)

    def forest_svg(self) -> bytes:
        """The report's forest plot of the comparison as SVG."""
        return self.compared.forest()

    def forest_pdf(self) -> bytes:
        """The same forest plot as PDF."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "forest.pdf"
            self.compared.forest(path)
            return path.read_bytes()

    def to_csv(self) -> str:
        """The 2x2 tables with their provenance (:meth:`ComparedEvents.to_csv`)."""
        return self.compared.to_csv()


def _comparison(dataset: pd.DataFrame, choice: AnalysisChoice, toggled: bool) -> Comparison:
    wanted = (choice.outcome, choice.evidence_level, choice.product_class)
    (compared,) = [c for c in compare_events(dataset) if (c.outcome, c.evidence_level, c.product_class) == wanted]
    # The toggles are the random-effects model's; the comparison's own refits are its sensitivity table.
    note = "the toggles apply to random-effects analyses; this comparison's refits are in its sensitivity table"
    return Comparison(choice, compared, (note,) if toggled else ())


def analyse(
    dataset: pd.DataFrame,
    key: str,
    *,
    method: str = "REML",
    subgroup: str = "",
    omit: str = "",
    without_high_risk: bool = False,
    with_secondary: bool = False,
) -> Analysis | Comparison:
    """Recompute the analysis *key* (``outcome/level/class[/measure]``) with the toggles given; a comparison of
    events between arms (measure ``RD``) is returned as the report computes it.

    Raises
    ------
    InputError
        An unknown analysis, estimator, subgroup column or study to omit, or fewer than two studies
        left after the toggles (the message says which toggle removed them).
    """
    check_choice("method", method, METHODS)
    check_choice("subgroup", subgroup, list(SUBGROUPS))
    choices = {c.key: c for c in analysis_choices(dataset)}
    if key not in choices:
        raise InputError(
            "no such analysis (outcome/level/class with two or more poolable studies)", field="outcome", value=key
        )
    choice = choices[key]
    if choice.measure == "RD":
        toggled = bool(method != "REML" or subgroup or omit or without_high_risk or with_secondary)
        return _comparison(dataset, choice, toggled)
    usable = poolable_rows(dataset)
    group = usable[
        (usable["outcome"] == choice.outcome)
        & (usable["evidence_level"] == choice.evidence_level)
        & (usable["product_class"] == choice.product_class)
        & (usable["measure"] == choice.measure)
    ]
    rows = effect_sizes(group)
    notes = []
    if without_high_risk:
        dropped = sorted(set(rows.loc[rows["risk_of_bias"] == "high", "study_id"]))
        rows = rows[rows["risk_of_bias"] != "high"]
        notes.append(f"without studies at high risk of bias: {', '.join(dropped) or 'none was'} left out")
    secondary = sorted(set(rows.loc[rows["source_quality"] == "secondary", "study_id"]))
    if with_secondary:
        notes.append(f"with secondary sources: {', '.join(secondary) or 'none in this analysis'}")
    elif secondary:
        # As the report (rule S2): a study whose only source is secondary is pooled only on request.
        rows = rows[rows["source_quality"] != "secondary"]
        notes.append(f"secondary sources left out as in the report: {', '.join(secondary)}")
    if omit:
        if omit not in set(rows["label"]):
            raise InputError("not a study of this analysis", field="omit", value=omit)
        rows = rows[rows["label"] != omit]
        notes.append(f"{omit} left out")
    if len(rows) < 2:
        raise InputError(f"fewer than two effect sizes left ({'; '.join(notes)})", field="outcome", value=key)
    labels = list(rows["label"])
    result = random_effects(rows["yi"], rows["vi"], method=method, labels=labels)
    plotted: RandomEffectsResult | SubgroupResult = result
    if subgroup:
        terms = _TERMS[subgroup]
        groups = rows[subgroup].map(lambda v: terms[v].label if isinstance(v, str) and v in terms else "unspecified")
        sizes = groups.value_counts()
        if len(sizes) < 2:
            notes.append(f"one {SUBGROUPS[subgroup]} only: no subgroups")
        elif (sizes < 2).any():
            small = ", ".join(sorted(sizes[sizes < 2].index))
            notes.append(f"not compared by {SUBGROUPS[subgroup]}: a single effect size for {small}")
        else:
            plotted = subgroups(rows["yi"], rows["vi"], groups, method=method, labels=labels)
    loo = None
    if len(rows) >= 3 and (rows["vi"] > 0).all():
        loo = leave_one_out(rows["yi"], rows["vi"], method=method, labels=labels)
    elif len(rows) >= 3:
        # meta's leave_one_out takes positive variances only; the model above fits a 0 as metafor.
        notes.append("leave-one-out not shown: a sampling variance is 0")
    return Analysis(choice, rows.reset_index(drop=True), result, plotted, loo, tuple(notes), method)
