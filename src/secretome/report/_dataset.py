"""The analysis dataset: the written rules that turn study results into rows a meta-analysis can use.

The report owns these rules (DESIGN.md); each is applied in :func:`analysis_dataset` and recorded
in the ``rule`` column of the rows it touched, so a reader can rerun or dispute every choice:

D1. Only primary studies enter (in vitro, animal, clinical); reviews are described, not pooled.
D2. Product, product class (cells or secretome) and MSC source are the treatment arm's; a result
    whose treatment arm names no product is kept for the tables but never pooled.
D3. Direction of benefit comes from the vocabulary outcome (``higher_is_better``). A result that
    states a direction keeps it; per-arm means (or medians) give the direction of their difference.
D4. Per-arm numbers are poolable when both arms give n, mean and SD or SE; an SE becomes
    SD = SE x sqrt(n) (Cochrane Handbook 6.5.2.2). Where the result does not restate an arm's n, the
    n the study file gives for that arm (with its own provenance) is used. A median with its quartiles
    and/or range becomes a mean (Luo et al. 2018) and SD (Wan et al. 2014), which assumes roughly
    normal data; such rows say so in ``rule``.
D5. Baseline values are not effects of treatment: a result at baseline (day 0) gets no direction and
    is never selected. Otherwise one time point per study, outcome and comparison is selected: the
    latest, by the days the file states or else read from its label ("month 12", "weeks 2, 4 and 6":
    the last; a month counts 30.4375 days, for ordering only), and the last listed among unreadable
    labels (the longest follow-up, which trials name as primary most often).
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
from secretome.evidence import ArmData, Study, StudyResult
from secretome.meta import escalc, mean_sd_from_quantiles, parse_p_value, split_shared_control

__all__ = ["analysis_dataset", "effect_sizes"]

COLUMNS = (
    "study_id",
    "year",
    "design",
    "evidence_level",
    "outcome",
    "domain",
    "higher_is_better",
    "timepoint",
    "timepoint_days",
    "followup_days",
    "treatment",
    "control",
    "product",
    "product_class",
    "msc_source",
    "kind",
    "benefit",
    "significant",
    "p",
    "n1i",
    "m1i",
    "sd1i",
    "n2i",
    "m2i",
    "sd2i",
    "pi",
    "p_bound",
    "p_direction",
    "poolable",
    "selected",
    "rule",
    "source",
    "location",
    "quote",
    "status",
)


def analysis_dataset(studies: Sequence[Study]) -> pd.DataFrame:
    """One row per result of a primary study, with the columns in ``COLUMNS``, rules D1-D7 applied.

    ``benefit`` is +1 (the treatment did better), -1 (worse), 0 (no difference stated) or missing
    (not stated). ``selected`` marks the one row per study, outcome and comparison that analyses use
    (D5); ``poolable`` marks rows with the per-arm numbers a standardised mean difference needs (D4).
    ``n2i`` is the control's share after rule D6.
    """
    rows = []
    for study in studies:
        level = vocab.DESIGNS[study.design].evidence_level
        if level == "review":
            continue
        arms = {arm.id: arm for arm in study.arms}
        for result in study.results:
            rows.append(_row(study, level, arms, result))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    if frame.empty:
        return frame
    frame = _select_timepoints(frame)
    return _split_shared_controls(frame)


def effect_sizes(rows: pd.DataFrame) -> pd.DataFrame:
    """*rows* of :func:`analysis_dataset` with ``yi``, ``vi`` (rules D7, D8) and a forest ``label``.

    Each row's own inputs are used (metafor's ``escalc("SMD")``): per-arm means (D4) or a p-value
    with its direction and group sizes (D8). ``yi`` is signed so that a positive value is a benefit
    of the treatment; a study with several comparisons (D6) is labelled by its treatment arm.
    """
    means = {name: rows[name] for name in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    with warnings.catch_warnings():
        # A 'P < x' row is flagged in the dataset (p_bound) and in its rule; the engine's warning would repeat it.
        warnings.simplefilter("ignore", SecretomeWarning)
        es = escalc("SMD", **means, pi=rows["pi"], direction=rows["p_direction"])
    orientation = np.where(rows["higher_is_better"].astype(bool), 1.0, -1.0)
    # A study with several comparisons shows each, by treatment arm, or by both arms where one treatment
    # arm meets several controls.
    repeated = rows["study_id"].duplicated(keep=False)
    same_arm = rows.duplicated(["study_id", "treatment"], keep=False)
    arms = rows["treatment"].where(~same_arm, rows["treatment"] + " vs " + rows["control"].astype(str))
    labels = rows["study_id"].where(~repeated, rows["study_id"] + " (" + arms + ")")
    return rows.assign(yi=es.yi * orientation, vi=es.vi, label=labels)


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
        "significant": result.significant,
        "p": result.p,
        "source": result.provenance.source,
        "location": result.provenance.location,
        "quote": result.provenance.quote,
        "status": result.provenance.status,
    }
    if product is None:
        rules.append("D2: no product on the treatment arm, not pooled")
    days = result.timepoint_days if result.timepoint_days is not None else followup_days(result.timepoint)
    row["followup_days"] = days
    sign = 1 if outcome.higher_is_better else -1
    benefit: int | None = None
    if result.kind == "direction":
        benefit = {"improved": 1, "worsened": -1, "no_difference": 0}.get(result.direction or "")
    elif result.kind == "effect" and result.effect is not None:
        benefit = _sign(_effect_difference(result.effect.measure, result.effect.estimate), sign)
        rules.append("D3: direction of the stated effect")
    else:
        data = {d.arm: d for d in result.arm_data}
        treated, control = data.get(result.treatment), data.get(result.control or "")
        if treated is not None and control is not None:
            for stat in ("mean", "median"):
                a, b = getattr(treated, stat), getattr(control, stat)
                if a is not None and b is not None:
                    benefit = _sign(a - b, sign)
                    rules.append(f"D3: direction of the difference in {stat}s")
                    break
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
    has_inputs = row.get("sd1i") is not None or row.get("pi") is not None
    row["poolable"] = has_inputs and product is not None and days != 0
    row["rule"] = "; ".join(rules)
    return row


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
            sd = stats.sd if stats.sd is not None else (stats.se * math.sqrt(n) if stats.se is not None else None)
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
    # D5: order within each comparison by days (unreadable before readable, then as listed).
    frame = frame.assign(_order=range(len(frame)))
    key = ["study_id", "outcome", "treatment", "control"]
    candidates = frame[frame["followup_days"].fillna(-1.0) != 0]
    ranked = candidates.assign(_days=candidates["followup_days"].fillna(-1.0)).sort_values([*key, "_days", "_order"])
    last = ranked.groupby(key, dropna=False, sort=False).tail(1).index
    frame["selected"] = frame.index.isin(last)
    frame.loc[frame["selected"], "rule"] += "; D5: latest time point"
    return frame.drop(columns="_order")


def _split_shared_controls(frame: pd.DataFrame) -> pd.DataFrame:
    chosen = frame.index[frame["selected"] & frame["poolable"]]
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
