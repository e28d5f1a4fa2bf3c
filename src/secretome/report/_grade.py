"""The summary of findings: per analysis (or vote count), its effect, size and certainty, GRADE-style.

Certainty is judged by the written rules :data:`GRADE_RULES`, the same for every row, so that a
reader can check each judgement (GRADE: Guyatt et al. 2011, J Clin Epidemiol 64(4):383-394; for
animal evidence Hooijmans et al. 2018, doi:10.1371/journal.pone.0187271). They are this report's
operationalisation of the five GRADE domains; a review team would refine them by judgement. The
plain sentence follows GRADE's informative statements (Santesso et al. 2020,
doi:10.1016/j.jclinepi.2019.10.014).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from secretome import vocab
from secretome.evidence import Study, risk_of_bias_class
from secretome.meta import back_transform
from secretome.report._synthesis import NO_HETEROGENEITY, ComparedEvents, PooledOutcome, VoteCount

__all__: list[str] = []

GRADE_RULES = (
    "G0. Start: randomised trials and animal experiments at high (4); non-randomised comparisons and case series "
    "at low (2).",
    "G1. Risk of bias: -1 when at least half of the studies have a domain at high risk, have no assessment, or "
    "have not a single domain judged at low risk (everything unclear or not reported).",
    "G2. Inconsistency: -1 when I2 >= 50% (Cochrane Handbook 10.10.2: may represent substantial heterogeneity); "
    "for a vote count, when studies point both ways. Not assessable, and said so in the row without a step "
    "down, when I2 is not available because a sampling variance is 0 (metafor's NA: I2 weights by 1/vi) or, for "
    "a risk difference, when fewer than two studies have an event (the others have no yi).",
    "G3. Indirectness: -1 for animal evidence (animals, not patients; Hooijmans et al. 2018) and for in vitro "
    "evidence (cells or tissue in culture; it starts low by G0, as it is no randomised experiment in an organism).",
    "G4. Imprecision: -1 when the 95% CI includes no effect (SMD, SMCR), when the CI of a proportion is wider "
    "than 20 percentage points, when the CI of a risk difference is wider than 10 percentage points or its arms "
    "hold fewer than 30 events together (GRADE rates down when 'the number of events is small', Guyatt et al. "
    "2011, J Clin Epidemiol 64:1283-1293, https://www.jclinepi.com/article/S0895-4356(11)00206-X/fulltext; 30 "
    "is this report's threshold), or when there is no pooled "
    "estimate (vote count).",
    "G5. Publication bias: -1 when Egger's test gives p < 0.10 (k >= 10); not assessed below k = 10 or when a "
    "sampling variance is 0.",
    "Certainty: 4 high, 3 moderate, 2 low, 1 or less very low. Statements (Santesso et al. 2020): 'results in' "
    "(high), 'likely results in' (moderate), 'may result in' (low), 'the evidence is very uncertain' (very low). "
    "A risk difference whose CI includes 0 reads 'little or no difference' only when the CI is at most 10 points "
    "wide; a wider one gives the direction of the estimate and says that the CI includes no difference.",
)
"""The rules of certainty, as the report's Methods print them."""

LEVELS = {4: "high", 3: "moderate", 2: "low"}
_SUBJECT = {"cells": "MSC cell therapy", "secretome": "MSC secretome products"}
_RANDOMISED = {"clinical_rct", "animal"}


@dataclass(frozen=True, slots=True)
class Certainty:
    """The judgement of one row: the start, the reasons for each step down, the resulting level."""

    start: int
    downgrades: tuple[str, ...]
    not_assessed: tuple[str, ...] = ()
    """Domains a rule could not judge, and why (they do not change the level)."""

    @property
    def score(self) -> int:
        return self.start - len(self.downgrades)

    @property
    def label(self) -> str:
        return LEVELS.get(self.score, "very low")

    def text(self) -> str:
        reasons = "; ".join((*self.downgrades, *self.not_assessed))
        return f"{self.label} ({reasons})" if reasons else self.label


def summary_of_findings(
    pooled: list[PooledOutcome],
    votes: list[VoteCount],
    studies: Mapping[str, Study],
    compared: Sequence[ComparedEvents] = (),
) -> pd.DataFrame:
    """One row per pooled analysis, per comparison of events between arms (rule S6), then per vote count
    (two or more voting studies) of a domain that has no pooled analysis at the same level, class and
    comparison.

    Columns: ``domain``, ``outcome``, ``evidence``, ``product class``, ``effect``, ``studies``,
    ``participants``, ``certainty``, ``statement`` (a plain sentence) and ``analysis_id`` (the pooled
    analysis, empty for a vote count).
    """
    rows = []
    covered = set()
    for p in pooled:
        covered.add((p.domain, p.evidence_level, p.product_class, "within" if p.measure != "SMD" else "between"))
        certainty = _pooled_certainty(p, studies)
        rows.append(
            {
                "domain": vocab.OUTCOME_DOMAINS[p.domain].label,
                "outcome": vocab.OUTCOMES[p.outcome].label,
                "evidence": _evidence(p.evidence_level, {"SMD": "between", "PLO": "events"}.get(p.measure, "within")),
                "product class": p.product_class,
                "effect": _effect_text(p),
                "studies": len(p.studies),
                "participants": p.participants,
                "certainty": certainty.text(),
                "statement": _pooled_statement(p, certainty),
                "analysis_id": p.id,
            }
        )
    for c in compared:
        covered.add((c.domain, c.evidence_level, c.product_class, "between"))
        certainty = _compared_certainty(c, studies)
        rows.append(
            {
                "domain": vocab.OUTCOME_DOMAINS[c.domain].label,
                "outcome": vocab.OUTCOMES[c.outcome].label,
                "evidence": _evidence(c.evidence_level, "between"),
                "product class": c.product_class,
                "effect": f"risk difference {_points(c.result.estimate)} (95% CI {_points(c.result.ci_lb)} to "
                f"{_points(c.result.ci_ub)}) vs comparator",
                "studies": len(c.studies),
                "participants": c.participants,
                "certainty": certainty.text(),
                "statement": _compared_statement(c, certainty),
                "analysis_id": c.id,
            }
        )
    for v in votes:
        if (v.domain, v.evidence_level, v.product_class, v.comparison) in covered:
            continue
        if v.benefit + v.harm < 2:  # one study's direction is in the synthesis, not a finding
            continue
        certainty = _vote_certainty(v, studies)
        rows.append(
            {
                "domain": vocab.OUTCOME_DOMAINS[v.domain].label,
                "outcome": "direction of effect (vote count)",
                "evidence": _evidence(v.evidence_level, v.comparison),
                "product class": v.product_class,
                "effect": f"{v.benefit} of {len(v.votes)} studies report a benefit, {v.harm} a harm",
                "studies": len(v.votes),
                "participants": None,
                "certainty": certainty.text(),
                "statement": _vote_statement(v, certainty),
                "analysis_id": None,
            }
        )
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    return frame.astype({"participants": "Int64"})


_COLUMNS = ["domain", "outcome", "evidence", "product class", "effect", "studies", "participants", "certainty",
            "statement", "analysis_id"]  # fmt: skip


def _evidence(level: str, comparison: str) -> str:
    who = vocab.EVIDENCE_LEVELS[level].label
    kind = {"between": "between arms", "events": "treated arms (events)"}.get(comparison, "single arm")
    return f"{who}, {kind}"


def _indirectness(level: str) -> list[str]:
    """G3: animals and cells in culture are not patients."""
    return {"animal": ["indirectness: animals"], "in_vitro": ["indirectness: in vitro"]}.get(level, [])


def _start(designs: set[str]) -> int:
    # G0: only randomised experiments start high; one non-randomised study in the body brings it low.
    return 4 if designs and designs <= _RANDOMISED else 2


def _risk_of_bias(ids: tuple[str, ...], studies: Mapping[str, Study]) -> list[str]:
    concerns = 0
    for study_id in ids:
        study = studies[study_id]
        rob = study.risk_of_bias
        no_low = rob is None or not any(item.judgement == "low" for item in rob.items)
        if risk_of_bias_class(study) != "not_high" or no_low:
            concerns += 1
    return (
        [f"risk of bias: {concerns} of {len(ids)} studies at high or unclear risk"] if 2 * concerns >= len(ids) else []
    )


def _pooled_certainty(p: PooledOutcome, studies: Mapping[str, Study]) -> Certainty:
    res = p.result
    down = _risk_of_bias(p.studies, studies)
    unjudged = []
    if res.I2 is None:
        unjudged.append(f"inconsistency not assessable: I2 {NO_HETEROGENEITY}")
    elif res.I2 >= 50:
        down.append(f"inconsistency: I2 {res.I2:.0f}%")
    down.extend(_indirectness(p.evidence_level))
    if p.measure == "PLO":
        lb, ub = back_transform([res.ci_lb, res.ci_ub], "PLO")
        if ub - lb > 0.20:
            down.append("imprecision: CI wider than 20 points")
    elif res.ci_lb <= 0 <= res.ci_ub:
        down.append("imprecision: CI includes no effect")
    if p.egger is not None and p.egger.pval < 0.10:
        down.append(f"publication bias: Egger p = {p.egger.pval:.2g}")
    elif p.egger is None and res.k >= 10:
        unjudged.append("publication bias not assessable: a sampling variance is 0")
    return Certainty(_start({studies[s].design for s in p.studies}), tuple(down), tuple(unjudged))


def _compared_certainty(c: ComparedEvents, studies: Mapping[str, Study]) -> Certainty:
    res = c.result
    down = _risk_of_bias(c.studies, studies)
    unjudged = []
    if res.k_yi < 2 or math.isnan(res.I2):
        unjudged.append(f"inconsistency not assessable: {res.k_yi} of {res.k} tables have an event")
    elif res.I2 >= 50:
        down.append(f"inconsistency: I2 {res.I2:.0f}%")
    down.extend(_indirectness(c.evidence_level))
    if res.ci_ub - res.ci_lb > 0.10:
        down.append("imprecision: CI wider than 10 points")
    elif (total := sum(c.events)) < 30:
        down.append(f"imprecision: {total:g} event{'' if total == 1 else 's'} in both arms")
    return Certainty(_start({studies[s].design for s in c.studies}), tuple(down), tuple(unjudged))


def _points(rd: float) -> str:
    """A risk difference in percentage points, signed: +0.1 points."""
    return f"{100 * rd:+.1f} points"


def _compared_statement(c: ComparedEvents, certainty: Certainty) -> str:
    outcome = _lower(vocab.OUTCOMES[c.outcome].label)
    subject, where, uncertain = _opening(c.product_class, c.evidence_level, outcome, certainty)
    if uncertain:
        return f"{uncertain} compared with its comparators."
    verb = _VERBS[certainty.label].format(s=subject)
    res = c.result
    more = "more" if res.estimate > 0 else "fewer"
    if res.ci_lb <= 0 <= res.ci_ub:
        if res.ci_ub - res.ci_lb <= 0.10:  # G4's width: only a narrow CI around 0 says "little or no difference"
            return f"{verb} little or no difference in {outcome} compared with its comparators{where}."
        return f"{verb} {more} {outcome} than its comparators{where} (the 95% CI includes no difference)."
    return f"{verb} {more} {outcome} than its comparators{where}."


def _vote_certainty(v: VoteCount, studies: Mapping[str, Study]) -> Certainty:
    ids = tuple(v.votes["study_id"])
    down = _risk_of_bias(ids, studies)
    if v.benefit and v.harm:
        down.append("inconsistency: studies point both ways")
    down.extend(_indirectness(v.evidence_level))
    down.append("imprecision: no pooled estimate")
    return Certainty(_start({studies[s].design for s in ids}), tuple(down))


def _effect_text(p: PooledOutcome) -> str:
    res = p.result
    if p.events == 0:
        # Every study reports none: the pooled log odds would only restate escalc's 1/2 correction.
        return f"0 events in {p.participants} patients"
    if p.measure == "PLO":
        est, lb, ub = back_transform([res.estimate, res.ci_lb, res.ci_ub], "PLO")
        return f"{est:.0%} of patients (95% CI {lb:.0%} to {ub:.0%})"
    return f"{'g' if p.measure == 'SMD' else p.measure} {res.estimate:.2f} (95% CI {res.ci_lb:.2f} to {res.ci_ub:.2f})"


_VERBS = {"high": "{s} results in", "moderate": "{s} likely results in", "low": "{s} may result in"}


def _opening(product_class: str, level: str, topic: str, certainty: Certainty) -> tuple[str, str, str | None]:
    """The subject, the setting, and the whole very-low-certainty statement (``None`` above very low)."""
    subject = _SUBJECT.get(product_class, product_class)
    where = {"animal": " in animal models", "in_vitro": " in vitro"}.get(level, "")
    uncertain = f"The evidence is very uncertain about the effect of {subject} on {topic}{where}"
    return subject, where, uncertain if certainty.label == "very low" else None


def _pooled_statement(p: PooledOutcome, certainty: Certainty) -> str:
    outcome = _lower(vocab.OUTCOMES[p.outcome].label)
    subject, where, uncertain = _opening(p.product_class, p.evidence_level, outcome, certainty)
    if p.events == 0:
        # What was seen, whatever the certainty: a count of none is not a pooled proportion.
        return f"None of {p.participants} patients treated with {subject} in {len(p.studies)} studies had " \
               f"{outcome}{where} ({certainty.label} certainty)."  # fmt: skip
    if uncertain:
        return f"{uncertain}."
    verb = _VERBS[certainty.label].format(s=subject)
    res = p.result
    if p.measure == "PLO":
        est = float(back_transform([res.estimate], "PLO")[0])
        have = {"high": "have", "moderate": "likely have", "low": "may have"}[certainty.label]
        return f"About {est:.0%} of patients treated with {subject} {have} {outcome}{where}."
    if res.ci_lb <= 0 <= res.ci_ub:
        return f"{verb} little or no difference in {outcome}{where}."
    direction = "an improvement" if res.estimate > 0 else "a worsening"
    change = " from baseline" if p.measure == "SMCR" else ""
    return f"{verb} {direction} in {outcome}{change}{where}."


# Scores named after their authors keep their capital in a sentence.
_EPONYMS = {"Mankin", "O'Driscoll", "Lysholm", "Tegner", "Pineda", "Kellgren", "Outerbridge", "Wakitani", "Lequesne"}


def _lower(label: str) -> str:
    # "Adverse events" reads "adverse events" in a sentence; "VAS pain" and "Mankin score" keep their capitals.
    first = label.split(" ", 1)[0]
    return label if first.isupper() or first in _EPONYMS else label[0].lower() + label[1:]


def _vote_statement(v: VoteCount, certainty: Certainty) -> str:
    domain = _lower(vocab.OUTCOME_DOMAINS[v.domain].label)
    subject, where, uncertain = _opening(v.product_class, v.evidence_level, domain, certainty)
    if uncertain:
        return f"{uncertain}; no size is estimated."
    verb = _VERBS[certainty.label].format(s=subject)
    return f"{verb} a benefit on {domain}{where} (direction only; no size is estimated)."
