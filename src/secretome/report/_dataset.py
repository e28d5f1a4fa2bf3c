"""The analysis dataset: the written rules that turn study results into rows a meta-analysis can use.

The report owns these rules (DESIGN.md); each is applied in :func:`analysis_dataset` and recorded
in the ``rule`` column of the rows it touched, so a reader can rerun or dispute every choice:

D1. Only primary studies enter (in vitro, animal, clinical); reviews are described, not pooled, and background
    papers (``scope: background``: not a study of MSC therapy) are neither pooled nor counted.
D2. Product, product class (cells or secretome) and MSC source are the treatment arm's; a result
    whose treatment arm names no product is kept for the tables but never pooled.
D3. Direction of benefit comes from the vocabulary outcome (``higher_is_better``). A result that
    states a direction keeps it; per-arm means, mean changes from baseline (or medians), or both
    arms' proportions of events, give the direction of their difference.
    Numbers filed under an outcome that names no measure ("histological score", system not named) have
    no known direction of benefit: they are listed, never counted or pooled.
D4. Per-arm numbers are poolable when both arms give n, mean and SD or SE; an SE becomes
    SD = SE x sqrt(n) (Cochrane Handbook 6.5.2.2). Where the result does not restate an arm's n, the
    n the study file gives for that arm (with its own provenance) is used. A median with its quartiles
    and/or range becomes a mean (Luo et al. 2018) and SD (Wan et al. 2014), which assumes roughly
    normal data; such rows say so in ``rule``.
D5. Baseline values are not effects of treatment: a result at baseline (day 0) gets no direction and
    is never selected. Otherwise one time point per study, outcome and comparison is selected, by one
    rule set in advance and applied alike to every study (as the Cochrane Handbook asks of the timing
    of outcome measurement): the latest at which the study gives the numbers its measure needs
    (``poolable``), and only where no time point gives them, the latest at all (a direction, for the
    vote count). "Latest" is by the days the file states or else read from its label ("month 12",
    "weeks 2, 4 and 6": the last; a month counts 30.4375 days, for ordering only), and the last
    listed among unreadable labels (the longest follow-up, which trials name as primary most often).
    So a later result stated only as a direction never displaces an earlier one with numbers, and the
    vote of a study with numbers comes from the same result that it pools.
D6. Several treatment arms compared with one control in one analysis: the control's n is split
    evenly between the comparisons, so no animal or patient is counted twice (Cochrane Handbook
    23.3.4, "splitting the shared group"); its mean and SD are unchanged. One treatment arm compared
    with several controls is split the same way.
D7. Effect sizes are Hedges' g (metafor ``measure="SMD"``), signed so that a positive value is a
    benefit of the treatment, whatever the direction of the scale.
D8. A result without per-arm numbers but with a p-value of the between-group test, a stated
    direction and the n of both arms becomes Hedges' g from that p (metafor ``escalc(pi=, n1i=, n2i=)``:
    t = qt(p/2, n1 + n2 - 2), signed by the direction). A p given as "P < x" is used at its bound
    x, so |g| is a lower bound (Cochrane Handbook 6.5.2.3), and the row says so (``p_bound``); "P > x"
    and "NS" give no effect size.
D9. A result of one arm without a comparator (case series, a single-arm change) with the arm's mean
    and SD (or SE) at follow-up and at baseline and its n is a standardised mean change, raw-score
    standardised (metafor ``measure="SMCR"``, Becker 1988): ``m1i`` at follow-up, ``m_pre`` and
    ``sd_pre`` at baseline. Its pre-post correlation r is not reported by any paper of the corpus, so
    it is an assumption (r = 0.5, with a sensitivity analysis over 0.3 and 0.7). Such rows never
    enter a comparison between arms (``comparison`` = ``within``); nor does a comparison of two
    treatment arms (``head_to_head``, e.g. injection vs implantation of the same cells).
D10. Events of an arm with its n (e.g. patients with an adverse event) are a proportion, pooled on the
    logit scale (metafor ``measure="PLO"``, 1/2 added to a zero or full count as escalc does): ``xi``
    events of ``n1i``. In a trial, the treatment arm's events give its proportion (the incidence among
    treated patients); the proportion is not a comparison between arms (rule D12 is).
D12. Where the comparator arm gives its events of n as well, the row is also a 2x2 table: ``xi`` of
    ``n1i`` treated against ``x2i`` of ``n2i`` (a shared comparator split as D6 says, events with it),
    for the comparison of the arms (rule S6).
D11. Each row carries its study's source quality (``secondary``: the only stored source is a vendor,
    clinic, practitioner, blog or document-sharing page) and risk-of-bias class (``high`` if any domain
    is at the severe end of its tool's scale). Secondary rows are described and mapped, and pooled
    only in a sensitivity analysis.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from secretome import vocab
from secretome.errors import InputError, SecretomeWarning
from secretome.evidence import ArmData, Study, StudyResult, risk_of_bias_class
from secretome.meta import change_scores, escalc, mean_sd_from_quantiles, parse_p_value, split_shared_control

__all__ = ["CHANGE_R", "analysis_dataset", "effect_sizes"]

CHANGE_R = 0.5
"""Rule D9: the assumed pre-post correlation of a within-arm change (0.3 and 0.7 in sensitivity)."""

COLUMNS = (
    "study_id",
    "year",
    "design",
    "evidence_level",
    "outcome",
    "construct",
    "domain",
    "higher_is_better",
    "timepoint",
    "timepoint_days",
    "followup_days",
    "treatment",
    "control",
    "control_role",
    "product",
    "product_class",
    "msc_source",
    "kind",
    "comparison",
    "measure",
    "benefit",
    "significant",
    "p",
    "n1i",
    "m1i",
    "sd1i",
    "n2i",
    "m2i",
    "sd2i",
    "m_pre",
    "sd_pre",
    "xi",
    "x2i",
    "pi",
    "p_bound",
    "p_direction",
    "source_quality",
    "risk_of_bias",
    "poolable",
    "selected",
    "rule",
    "source",
    "location",
    "quote",
    "status",
)


def analysis_dataset(studies: Sequence[Study]) -> pd.DataFrame:
    """One row per result of a primary study (:attr:`Study.is_primary`), columns ``COLUMNS``, rules D1-D11 applied.

    ``benefit`` is +1 (the treatment did better), -1 (worse), 0 (no difference stated) or missing
    (not stated). ``comparison`` is ``between`` (treatment vs a control arm), ``head_to_head`` (two
    treatment arms) or ``within`` (one arm, change from baseline or events). ``selected`` marks the
    one row per study, outcome and comparison that analyses use (D5); ``poolable`` marks rows with
    the numbers their ``measure`` needs: SMD (D4, D8), SMCR (D9) or PLO (D10). ``n2i`` is the
    control's share after rule D6.
    """
    rows = []
    for study in studies:
        if not study.is_primary:  # reviews, and background papers that are not studies of MSC therapy
            continue
        level = vocab.DESIGNS[study.design].evidence_level
        arms = {arm.id: arm for arm in study.arms}
        for result in study.results:
            rows.append(_row(study, level, arms, result))
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).astype({"year": "Int64"})
    if frame.empty:
        return frame
    frame = _select_timepoints(frame)
    return _split_shared_controls(frame)


def effect_sizes(rows: pd.DataFrame, *, r: float = CHANGE_R) -> pd.DataFrame:
    """*rows* of :func:`analysis_dataset` with ``yi``, ``vi`` (rules D7-D10) and a forest ``label``.

    Each row's own inputs and ``measure`` are used, by metafor's ``escalc`` formulas: SMD from
    per-arm means (D4) or a p-value with its direction and group sizes (D8); SMCR from the arm's
    follow-up and baseline (D9, pre-post correlation *r*); PLO from events of n (D10). SMD and SMCR
    are signed so that a positive value is a benefit of the treatment; PLO is the log odds of the
    event. A study with several comparisons (D6) is labelled by its treatment arm.
    """
    yi = pd.Series(np.nan, index=rows.index)
    vi = pd.Series(np.nan, index=rows.index)
    orientation = pd.Series(np.where(rows["higher_is_better"].astype(bool), 1.0, -1.0), index=rows.index)
    measure = rows["measure"]
    smd, change, events = (rows[measure == m] for m in ("SMD", "SMCR", "PLO"))
    if not smd.empty:
        means = {name: smd[name] for name in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
        with warnings.catch_warnings():
            # A 'P < x' row is flagged in the dataset (p_bound) and in its rule; the engine's warning would repeat it.
            warnings.simplefilter("ignore", SecretomeWarning)
            es = escalc("SMD", **means, pi=smd["pi"], direction=smd["p_direction"])
        yi[smd.index], vi[smd.index] = es.yi * orientation[smd.index], es.vi
    if not change.empty:
        es = change_scores(
            "SMCR", m1i=change["m1i"], m2i=change["m_pre"], sd1i=change["sd_pre"], ni=change["n1i"], ri=r, warn=False
        )
        yi[change.index], vi[change.index] = es.yi * orientation[change.index], es.vi
    if not events.empty:
        es = escalc("PLO", xi=events["xi"], ni=events["n1i"])
        yi[events.index], vi[events.index] = es.yi, es.vi
    # A study with several comparisons shows each, by treatment arm, or by both arms where one treatment
    # arm meets several controls.
    repeated = rows["study_id"].duplicated(keep=False)
    same_arm = rows.duplicated(["study_id", "treatment"], keep=False)
    arms = rows["treatment"].where(~same_arm, rows["treatment"] + " vs " + rows["control"].astype(str))
    labels = rows["study_id"].where(~repeated, rows["study_id"] + " (" + arms + ")")
    return rows.assign(yi=yi, vi=vi, label=labels)


def _row(study: Study, level: str, arms: dict, result: StudyResult) -> dict[str, object]:
    outcome = vocab.OUTCOMES[result.outcome]
    intervention = arms[result.treatment].intervention
    product = intervention.product if intervention else None
    rules = ["D1"]
    row: dict[str, object] = {
        "study_id": study.id,
        "year": study.reference.year,
        "design": study.design,
        "evidence_level": level,
        "outcome": result.outcome,
        # Rule S1: the outcome an analysis pools this one under (VAS 0-10 under VAS 0-100 mm).
        "construct": outcome.construct or outcome.id,
        "domain": outcome.domain,
        "higher_is_better": outcome.higher_is_better,
        "timepoint": result.timepoint,
        "timepoint_days": result.timepoint_days,
        "treatment": result.treatment,
        "control": result.control,
        "product": product,
        "product_class": vocab.PRODUCTS[product].product_class if product else None,
        "msc_source": intervention.msc_source if intervention else None,
        "kind": result.kind,
        "control_role": arms[result.control].role if result.control in arms else None,
        "comparison": _comparison(arms, result),
        "measure": None,
        "significant": result.significant,
        "p": result.p,
        "source": result.provenance.source,
        "location": result.provenance.location,
        "quote": result.provenance.quote,
        "status": result.provenance.status,
        "source_quality": study.source_quality,
        "risk_of_bias": risk_of_bias_class(study),
    }
    if product is None:
        rules.append("D2: no product on the treatment arm, not pooled")
    days = result.timepoint_days if result.timepoint_days is not None else followup_days(result.timepoint)
    row["followup_days"] = days
    sign = 1 if outcome.higher_is_better else -1
    benefit: int | None = None
    if result.kind == "direction":
        benefit = {"improved": 1, "worsened": -1, "no_difference": 0}.get(result.direction or "")
    elif not outcome.named:
        rules.append(f"D3: {outcome.id} names no measure, so its numbers have no direction of benefit: not pooled")
    elif result.kind == "effect" and result.effect is not None:
        benefit = _sign(_effect_difference(result.effect.measure, result.effect.estimate), sign)
        rules.append("D3: direction of the stated effect")
    else:
        data = {d.arm: d for d in result.arm_data}
        treated, control = data.get(result.treatment), data.get(result.control or "")
        if treated is not None and control is not None:
            for stat, label in (("mean", "means"), ("mean_change", "mean changes"), ("median", "medians")):
                a, b = getattr(treated, stat), getattr(control, stat)
                if a is not None and b is not None:
                    benefit = _sign(a - b, sign)
                    rules.append(f"D3: direction of the difference in {label}")
                    break
            proportions = _proportions((treated, control), (arms[result.treatment], arms.get(result.control)))
            if benefit is None and proportions is not None:
                benefit = _sign(proportions[0] - proportions[1], sign)
                rules.append("D3: direction of the difference in proportions of events")
            arm_n = (arms[result.treatment].n, arms[result.control].n if result.control in arms else None)
            numbers = _smd_inputs((treated, control), arm_n)
            if numbers is not None:
                row.update(numbers)
                if any(d.sd is None for d in (treated, control)):
                    rules.append("D4: SD = SE x sqrt(n)")
                if any(d.n is None for d in (treated, control)):
                    rules.append("D4: n from the arm")
                if any(d.mean is None for d in (treated, control)):
                    rules.append("D4: mean and SD from median and quartiles/range (Luo 2018; Wan 2014)")
        within = None if treated is None else _within_arm(treated, arms[result.treatment].n, sign)
        if within is not None and result.control is None:
            numbers, rule, change = within
            row.update(numbers)
            rules.append(rule)
            if change is not None:
                benefit = change
        elif within is not None and row.get("sd1i") is None and treated.events is not None:
            # D10 uses only the treated arm's events, so a comparison whose comparator gives none keeps them.
            row.update(within[0])
            rules.append("D10: events of n in the treatment arm (a proportion)")
            control_n = None if control is None else (control.n if control.n is not None else arms[result.control].n)
            if control is not None and control.events is not None and control_n is not None:
                row.update(x2i=float(control.events), n2i=float(control_n))
                rules.append("D12: the comparator's events of n too (a 2x2 table)")
    if row.get("sd1i") is None and result.p is not None and benefit in (1, -1):
        p_inputs = _p_inputs(result.p, arms.get(result.treatment), arms.get(result.control or ""))
        if p_inputs is not None:
            # The direction of m1 - m2 on the outcome's own scale, as escalc's ``direction`` wants it.
            row.update(p_inputs, p_direction=benefit * sign)
            rules.append(
                "D8: Hedges' g from the p-value and group sizes" + (" (p at its bound)" if p_inputs["p_bound"] else "")
            )
    if days == 0:
        benefit = None
        rules.append("D5: baseline, not an effect")
    row["benefit"] = benefit
    if row.get("xi") is not None:
        row["measure"] = "PLO"
    elif row.get("m_pre") is not None:
        row["measure"] = "SMCR"
    elif row.get("sd1i") is not None or row.get("pi") is not None:
        row["measure"] = "SMD"
    row["poolable"] = row["measure"] is not None and product is not None and days != 0
    row["rule"] = "; ".join(rules)
    return row


def _proportions(data: tuple[ArmData, ArmData], arms: tuple[object, object]) -> tuple[float, float] | None:
    """Events over n of the treated and of the comparator arm (n from the arm where the result omits it)."""
    out = []
    for stats, arm in zip(data, arms, strict=True):
        n = stats.n if stats.n is not None else getattr(arm, "n", None)
        if stats.events is None or not n:
            return None
        out.append(stats.events / n)
    return out[0], out[1]


def _effect_difference(measure: str, estimate: float) -> float:
    # Ratio measures are reported on their natural scale; no effect is 1, not 0.
    return math.log(estimate) if measure in ("OR", "RR", "ROM", "HR") and estimate > 0 else estimate


def _sign(difference: float, orientation: int) -> int:
    return 0 if difference == 0 else (1 if difference * orientation > 0 else -1)


def _smd_inputs(data: tuple[ArmData, ArmData], arm_n: tuple[int | None, int | None]) -> dict[str, float] | None:
    out: dict[str, float] = {}
    for suffix, stats, fallback_n in zip(("1i", "2i"), data, arm_n, strict=True):
        n = stats.n if stats.n is not None else fallback_n
        if n is None:
            return None
        if stats.mean is not None:
            mean = stats.mean
            sd = _sd(stats.sd, stats.se, n)
        elif stats.median is not None and n >= 2 and _has_spread(stats):
            estimate = mean_sd_from_quantiles(
                [n],
                median=[stats.median],
                minimum=_one(stats.min),
                maximum=_one(stats.max),
                q1=_one(stats.q1),
                q3=_one(stats.q3),
            )
            mean, sd = float(estimate.mean[0]), float(estimate.sd[0])
        else:
            return None
        if sd is None:
            return None
        out[f"n{suffix}"], out[f"m{suffix}"], out[f"sd{suffix}"] = float(n), float(mean), float(sd)
    return out


def _sd(sd: float | None, se: float | None, n: float) -> float | None:
    """Rule D4: the SD as stated, else SD = SE x sqrt(n) (Cochrane Handbook 6.5.2.2), else missing."""
    if sd is not None:
        return sd
    return se * math.sqrt(n) if se is not None else None


def _comparison(arms: dict, result: StudyResult) -> str:
    # Two treatment arms against each other (e.g. injection vs implantation of the same cells) answer
    # another question than treatment vs control; they are never pooled with it.
    if not result.control:
        return "within"
    control = arms.get(result.control)
    return "head_to_head" if control is not None and control.role == "treatment" else "between"


def _within_arm(stats: ArmData, arm_n: int | None, sign: int) -> tuple[dict[str, float], str, int | None] | None:
    """Rules D9 and D10 for one arm: its events of n, or its change from baseline with both SDs."""
    n = stats.n if stats.n is not None else arm_n
    if n is None:
        return None
    if stats.events is not None:
        return {"n1i": float(n), "xi": float(stats.events)}, "D10: events of n, a proportion", None
    if stats.mean is None or stats.mean_pre is None:
        return None
    sd, sd_pre = _sd(stats.sd, stats.se, n), _sd(stats.sd_pre, stats.se_pre, n)
    if sd is None or sd_pre is None:
        return None
    numbers = {"n1i": float(n), "m1i": stats.mean, "sd1i": sd, "m_pre": stats.mean_pre, "sd_pre": sd_pre}
    rule = f"D9: change from baseline within the arm (SMCR, r = {CHANGE_R} assumed)"
    return numbers, rule, _sign(stats.mean - stats.mean_pre, sign)


def _p_inputs(p: object, treated: object, control: object) -> dict[str, object] | None:
    n1, n2 = getattr(treated, "n", None), getattr(control, "n", None)
    if n1 is None or n2 is None:
        return None
    try:
        value, bound = parse_p_value(p)
    except InputError:  # "P > 0.05", "NS": no effect size (rule D8)
        return None
    if not 0 < abs(value) < 1:
        return None
    return {"n1i": float(n1), "n2i": float(n2), "pi": abs(value), "p_bound": bound}


def _has_spread(stats: ArmData) -> bool:
    return (stats.q1 is not None and stats.q3 is not None) or (stats.min is not None and stats.max is not None)


def _one(value: float | None) -> list[float] | None:
    return None if value is None else [value]


_UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
_NUMBER = r"\d+(?:\.\d+)?"
# "12 months", "5-week course" (number first) and "months 2, 4 and 6", "week 8" (unit first).
_NUMBER_UNIT = re.compile(rf"({_NUMBER})\s*-?\s*(day|week|month|year)s?\b", re.IGNORECASE)
_UNIT_NUMBERS = re.compile(rf"\b(day|week|month|year)s?\s+((?:{_NUMBER}(?:\s*(?:,|and|-|to)\s*)?)+)", re.IGNORECASE)
_BASELINE = re.compile(r"^\s*(baseline|pre-?treatment|before treatment|day 0)\s*$", re.IGNORECASE)


def followup_days(label: str | None) -> float | None:
    """The latest follow-up a time-point label names, in days; 0 for baseline; ``None`` if unreadable.

    >>> followup_days("months 2, 4 and 6"), followup_days("12 months follow-up"), followup_days("baseline")
    (182.625, 365.25, 0.0)
    >>> followup_days("not stated in the abstract") is None
    True
    """
    if not label:
        return None
    if _BASELINE.match(label):
        return 0.0
    found = [float(n) * _UNIT_DAYS[u.lower()] for n, u in _NUMBER_UNIT.findall(label)]
    for unit, numbers in _UNIT_NUMBERS.findall(label):
        found += [float(n) * _UNIT_DAYS[unit.lower()] for n in re.findall(_NUMBER, numbers)]
    return max(found) if found else None


def _select_timepoints(frame: pd.DataFrame) -> pd.DataFrame:
    # D5: order within each comparison by whether it has numbers, then by days (unreadable before
    # readable), then as listed; the last row of each comparison is its selected time point.
    frame = frame.assign(_order=range(len(frame)))
    key = ["study_id", "outcome", "treatment", "control"]
    candidates = frame[frame["followup_days"].fillna(-1.0) != 0]
    ranked = candidates.assign(_days=candidates["followup_days"].fillna(-1.0)).sort_values(
        [*key, "poolable", "_days", "_order"]
    )
    last = ranked.groupby(key, dropna=False, sort=False).tail(1).index
    frame["selected"] = frame.index.isin(last)
    with_numbers = frame["selected"] & frame["poolable"]
    frame.loc[with_numbers, "rule"] += "; D5: latest time point with numbers"
    frame.loc[frame["selected"] & ~frame["poolable"], "rule"] += "; D5: latest time point (none has numbers)"
    return frame.drop(columns="_order")


def _split_shared_controls(frame: pd.DataFrame) -> pd.DataFrame:
    frame = _split_shared_event_controls(frame)
    chosen = frame.index[frame["selected"] & frame["poolable"] & (frame["measure"] == "SMD")]
    if chosen.empty:
        return frame
    rows = frame.loc[chosen]
    # Rule D6, for a shared control (n2i) and, the same way, for one treatment arm compared with several controls (n1i).
    for column, arm, who in (("n2i", "control", "control"), ("n1i", "treatment", "treatment")):
        groups = list(zip(rows["study_id"], rows["outcome"], rows[arm].astype(str), strict=True))
        split = pd.Series(split_shared_control(rows[column].to_numpy(dtype=float), groups), index=chosen)
        shared = split.index[split < rows[column]]
        frame.loc[chosen, column] = split
        parts = (rows.loc[shared, column] / split[shared]).round().astype(int).astype(str)
        frame.loc[shared, "rule"] = frame.loc[shared, "rule"] + f"; D6: {who} n split between " + parts + " comparisons"
    return frame


def _split_shared_event_controls(frame: pd.DataFrame) -> pd.DataFrame:
    # Rule D6 for 2x2 tables (D12): a shared comparator's n and its events are split alike, so it keeps its
    # proportion (Cochrane Handbook 23.3.4: "the number of events and the total number of participants").
    chosen = frame.index[frame["selected"] & frame["poolable"] & frame["x2i"].notna()]
    if chosen.empty:
        return frame
    rows = frame.loc[chosen]
    groups = list(zip(rows["study_id"], rows["outcome"], rows["control"].astype(str), strict=True))
    split = pd.Series(split_shared_control(rows["n2i"].to_numpy(dtype=float), groups), index=chosen)
    shared = split.index[split < rows["n2i"]]
    frame.loc[chosen, "x2i"] = rows["x2i"] * split / rows["n2i"]
    frame.loc[chosen, "n2i"] = split
    parts = (rows.loc[shared, "n2i"] / split[shared]).round().astype(int).astype(str)
    frame.loc[shared, "rule"] = frame.loc[shared, "rule"] + "; D6: control n and events split between " + parts
    frame.loc[shared, "rule"] = frame.loc[shared, "rule"] + " comparisons"
    return frame
