"""The model's calibration table, built from the evidence (the report owns these rules; the model knows no store).

C1. Untreated time courses: quantitative points from cited papers (:data:`UNTREATED_POINTS`), each with its
    source, location and verbatim quote. Points given as a change from baseline (joint-space narrowing,
    cartilage volume loss) are converted to a level against the condition's own baseline (status ``converted``).
    The model is the typical joint, so a reported mean is fitted within its standard error: SD / sqrt(n) with
    the n the same source gives (107 patients, Raynauld abstract; 27 estimates, Emrani abstract; 28 placebo
    patients at 6 months, Wildi Table 2 footnote; 472 placebo patients, Reginster Table 2; 222 + 264 placebo
    patients by Kellgren-Lawrence grade, the abstract of PMID 23290692, which does not say how many were imaged
    at each visit); a +/- whose kind the source does not state (Naveen) is used as given. A change over an
    interval is read at its end (weeks 48 and 96 are days 336 and 672; months and years are 365/12 and 365
    days). An arm is untreated only while it receives nothing (Wildi's placebo arm took chondroitin sulphate
    from month 6, so only its 6-month value is used). Every point found, usable or not, is listed with the
    reason in ``docs/model-timecourses.md``.
C2. Every animal secretome result of the corpus becomes data when the model can express it, read generically
    from the study file, so that new study files enter on the next run without code changes:

    - the study's species names the organism (:data:`secretome.model._cartilage.ORGANISMS`: rat, mouse, rabbit)
      and its OA model the induction (:data:`INDUCTION_OF`); the condition is ``<organism>-<induction>``,
      simulated to :data:`END_DAYS`;
    - the treatment arm's product names the protocol (conditioned medium weekly, or EVs weekly: the per-joint
      amounts of :data:`secretome.model.PROTOCOLS`); a stated route other than intra-articular is left out
      (the model doses the joint);
    - the outcome names the readout in the outcome's unit; a cartilage score the model has no map for
      (:data:`PROXY_OUTCOMES`) is read, for its direction only, on the OARSI readout (the model's score of matrix
      integrity);
    - the day is the result's, else the latest its time-point label names, else the end of the preset of the
      same organism and induction (its usual read-out day; :mod:`secretome.model._presets`) or of the
      condition, and no later than the condition's end (such rows say so in ``note``);
    - per-arm means with SD (or SE) on the readout's own outcome and unit give two quantitative points, the
      treated arm on ``<condition>+<protocol>`` and the control on ``<condition>``, each with the SE of its
      mean as noise (SD / sqrt(n) when n is known); otherwise the result's direction becomes a constraint on
      the sign of treated minus untreated (the reported benefit, turned into a sign on the readout's scale
      by the readout outcome's direction of benefit);
    - one constraint per study, condition, readout, day and sign (several arms of one study compared with one
      control, or several scores read on one proxy, give one constraint; ``results`` counts them).

    Results without a matching organism, induction, protocol, readout or direction are left out and listed with
    the reason.
C3. Split by study: a study is held out (``test``) when the first byte of the SHA-256 of its id is divisible by
    3, so about a third of the studies, fixed by their ids, never enter the fit.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from secretome import vocab
from secretome.evidence import Study
from secretome.model import (
    INDUCTIONS,
    ORGANISMS,
    PRESETS,
    PROTOCOLS,
    Model,
    induced_model,
    outcome_readouts,
    preset,
    simulate,
)

__all__: list[str] = []

_NAVEEN = {
    "study_id": "naveen-2014-ijms",
    "source": "https://pmc.ncbi.nlm.nih.gov/articles/PMC3880996",
    "location": "abstract",
    "quote": "The Mankin scores of the 3 groups were comparable (MIA: 11.5±1.0; ACLT: 10.1±1.1; human OA: 13.2±0.8).",
    "status": "verbatim",
}
_EMRANI = {
    "study_id": "emrani-2008-oac",
    "source": "https://acr.confex.com/acr/2007/webprogram/Paper6643.html",
    "location": "abstract (ACR 2007; Osteoarthritis Cartilage 2008, PMC2701468)",
    "quote": "Of 411 studies identified by the search, 23 met the inclusion criteria, presenting 27 distinct JSW "
    "progression estimates. ... The mean annual change in JSW across all estimates was 0.14mm/yr ± 0.14",
    "status": "converted",
}
_RAYNAULD = {
    "study_id": "raynauld-2006-art",
    "source": "http://www.arthritis-research.com/content/8/1/R21",
    "location": "abstract",
    "quote": "We selected 107 patients from a large trial (n = 1,232) evaluating the effect of a bisphosphonate on OA "
    "knees. ... Knee OA cartilage volume losses were statistically significant compared to baseline values: -3.7 ± "
    "3.0% for global cartilage and -5.5 ± 4.3% for the medial compartment at 12 months, and -5.7 ± 4.4% and -8.3 ± "
    "6.5%, respectively, at 24 months.",
    "status": "converted",
}

_WILDI = {
    "study_id": "wildi-2011-ard",
    "source": "https://ard.bmj.com/highwire/markup/185323/expansion?width=1000&height=500&iframe=true&postprocessors="
    "highwire_tables%2Chighwire_reclass%2Chighwire_figures%2Chighwire_math%2Chighwire_inline_linked_media%2C"
    "highwire_embed",
    "location": "Table 2 (Ann Rheum Dis 2011;70:982, doi:10.1136/ard.2010.140848, PMID 21367761; its p values 0.030 "
    "global, 0.015 lateral, 0.002 tibial plateaus are the abstract's); columns CS mean, SD, placebo mean, SD, p: the "
    "stored table text runs the cells together",
    "quote": "Cartilage volume loss (%) versus baseline ... Global6−2.873.26−4.673.390.0300.0520.011 ... n=32/30 for "
    "CS, n=28/22 for placebo at 6 and 12 months, respectively.",
    "status": "converted",
}

_REGINSTER = {
    "study_id": "reginster-2013-ard",
    "source": "http://ard.bmj.com/highwire/markup/188295/expansion?width=1000&height=500&iframe=true&postprocessors="
    "highwire_tables%2Chighwire_reclass%2Chighwire_figures%2Chighwire_math%2Chighwire_inline_linked_media%2C"
    "highwire_embed",
    "location": "Table 2 (SEKOIA: Reginster et al., Ann Rheum Dis 2013;72:179, PMC3599139, whose abstract gives "
    "'placebo: -0.37 (SD 0.59) mm' as the 3-year change in medial tibiofemoral JSW); the stored table text runs the "
    "cells together and its line breaks are shown as spaces",
    "quote": "Outcomes in the intention-to-treat population (n=1371) ... Placebo (n=472) ... Primary endpoint, mean "
    "(SD) Joint space width (mm)−0.23 (0.56)0.14 (0.04) (0.05 to 0.23) <0.001−0.27 (0.63)0.10 (0.04) (0.02 to 0.19) "
    "0.018−0.37 (0.59)",
    "status": "converted",
}
_DMOAD_PLACEBO = {
    "study_id": "dmoad-placebo-pmid23290692",
    "source": "https://read.qxmd.com/read/23290692/considerations-when-designing-a-disease-modifying-osteoarthritis-"
    "drug-dmoad-trial-using-radiography",
    "location": "abstract ('Considerations when designing a disease-modifying osteoarthritis drug (DMOAD) trial using "
    "radiography', PMID 23290692 as the QxMD address gives it): the placebo arm of a DMOAD trial, medial JSW by a "
    "modified Lyon-schuss radiograph",
    "quote": "Data are given mean ± standard deviation. RESULTS: Patients (74.9% female; 61.3 ± 9.1 years) had BMI "
    "31.6 ± 4.1kg/m(2) at baseline; 222 (173 females) had KLG2, 264 (191 female) KLG3. A significant loss in joint "
    "space width (JSW) from baseline to week 48 (-0.13 ± 0.36mm) and to week 96 (-0.22 ± 0.45mm) was observed for all "
    "randomised placebo patients",
    "status": "converted",
}

# (condition, observable, day, value, spread, n, provenance, how the value is read): "change" values are changes;
# the noise is spread / sqrt(n) (n None: the spread as given).
UNTREATED_POINTS = (
    ("rat-mia", "mankin", 14.0, 11.5, 1.0, None, _NAVEEN, "level"),
    ("rat-aclt", "mankin", 14.0, 10.1, 1.1, None, _NAVEEN, "level"),
    ("human-knee-oa", "jsw", 365.0, -0.14, 0.14, 27, _EMRANI, "change"),
    ("human-knee-oa", "thickness", 365.0, -0.037, 0.030, 107, _RAYNAULD, "relative change"),
    ("human-knee-oa", "thickness", 730.0, -0.057, 0.044, 107, _RAYNAULD, "relative change"),
    # Placebo arm, 6 months of placebo (global knee cartilage volume, read on thickness as Raynauld's is).
    ("human-knee-oa", "thickness", 182.5, -0.0467, 0.0339, 28, _WILDI, "relative change"),
    ("human-knee-oa", "jsw", 336.0, -0.13, 0.36, 222 + 264, _DMOAD_PLACEBO, "change"),
    ("human-knee-oa", "jsw", 672.0, -0.22, 0.45, 222 + 264, _DMOAD_PLACEBO, "change"),
    ("human-knee-oa", "jsw", 1095.0, -0.37, 0.59, 472, _REGINSTER, "change"),
)

INDUCTION_OF = {
    "mia": "mia",
    "aclt": "aclt",
    "dmm": "dmm",
    # Meniscal transection destabilises the joint as DMM does (a surgical instability): read as DMM.
    "mmt": "dmm",
    "collagenase": "collagenase",
    "focal_defect": "focal-defect",
}
"""Vocabulary OA model -> model induction (:data:`secretome.model._cartilage.INDUCTIONS`)."""

PROTOCOL_OF = {
    "conditioned_medium": "cm-weekly",
    "extracellular_vesicles": "ev-weekly",
    "exosomes": "ev-weekly",
}
"""Product -> dosing protocol (per-joint amounts, :data:`secretome.model.PROTOCOLS`)."""

PROXY_OUTCOMES = frozenset({"oa_progression", "histology_score", "macroscopic_score", "icrs_macroscopic_score"})
"""Cartilage scores without a map of their own: their direction is read on the OARSI readout."""

END_DAYS = {"human": 730.0}
"""Simulated days per organism (default :data:`DEFAULT_END_DAYS`): past the latest day the studies read."""
DEFAULT_END_DAYS = 120.0

COLUMNS = ("kind", "condition", "observable", "time", "value", "noise_sd", "split", "study_id", "outcome", "benefit",
           "results", "note", "source", "location", "quote", "status")  # fmt: skip


def condition_model(name: str) -> Model:
    """The model of a condition: ``<organism>-<induction>`` or a preset, optionally ``+<protocol>``.

    ``<organism>-<induction>`` is built by :func:`secretome.model._cartilage.induced_model` and simulated to
    :data:`END_DAYS`; another name is a preset (for example ``human-knee-oa``), simulated to its own end or to
    the latest of its :data:`UNTREATED_POINTS` if later (a trial read at 3 years).
    """
    base, _, protocol = name.partition("+")
    organism, _, induction = base.partition("-")
    if organism in ORGANISMS and induction in INDUCTIONS:
        model = induced_model(organism, induction, t_end=END_DAYS.get(organism, DEFAULT_END_DAYS), name=base)
    else:
        model = preset(base)
        latest = max((point[2] for point in UNTREATED_POINTS if point[0] == base), default=model.t_end)
        if latest > model.t_end:
            model = model.with_doses(model.doses, t_end=latest)
    if not protocol:
        return model
    return replace(model.with_doses(PROTOCOLS[protocol].doses(), t_end=model.t_end), name=name)


def held_out(study_id: str) -> bool:
    """Rule C3."""
    return hashlib.sha256(study_id.encode("utf-8")).digest()[0] % 3 == 0


def _untreated_rows() -> list[dict]:
    rows = []
    for condition, observable, day, value, spread, n, provenance, how in UNTREATED_POINTS:
        se = spread if n is None else spread / math.sqrt(n)
        if how == "level":
            level, noise = value, se
        else:
            baseline = float(simulate(condition_model(condition), times=[0.0, day]).readout_series(observable)[0])
            level = baseline + value if how == "change" else baseline * (1.0 + value)
            noise = se if how == "change" else baseline * se
        note = how if n is None else f"{how}; noise = SD / sqrt({n})"
        rows.append({"kind": "quantitative", "condition": condition, "observable": observable, "time": day,
                     "value": level, "noise_sd": noise, "outcome": None, "results": 1, "note": note,
                     **provenance})  # fmt: skip
    return rows


def _arm(study: Study, arm_id: str):
    return next((a for a in study.arms if a.id == arm_id), None)


def _readout(model: Model, outcome: str):
    """The readout for *outcome* and how it is read: ``"numbers"`` (the outcome's own readout in its unit, so
    per-arm means compare), ``"direction"`` (its readout in another unit) or ``"proxy"`` (the OARSI readout)."""
    readouts = outcome_readouts(model.readouts)
    if outcome in readouts:
        readout = readouts[outcome]
        same = readout.outcome == outcome and readout.unit == vocab.OUTCOMES[outcome].unit
        return readout, "numbers" if same else "direction"
    if outcome in PROXY_OUTCOMES or outcome in ("oarsi_score", "oarsi_mouse_score"):
        return next(r for r in model.readouts if r.name == "oarsi"), "proxy"
    return None, None


def _reason(study: Study | None, result) -> str | None:
    """Why a result cannot be expressed (organism, induction, protocol, route), or ``None``."""
    pop = None if study is None else study.population
    species = getattr(pop, "species", None)
    if species not in ORGANISMS or species == "human":
        return f"no organism for species {species}"
    if INDUCTION_OF.get(getattr(pop, "oa_model", None)) is None:
        return f"no induction for OA model {getattr(pop, 'oa_model', None)}"
    if PROTOCOL_OF.get(result.product) is None:
        return f"no protocol for product {result.product}"
    arm = _arm(study, result.treatment)
    route = None if arm is None or arm.intervention is None else arm.intervention.route
    if route not in (None, "intra_articular"):
        return f"route {route} (the model doses the joint)"
    return None


def _day(result, model: Model, base: str) -> tuple[float, str]:
    days = result.timepoint_days if pd.notna(result.timepoint_days) else result.followup_days
    if pd.isna(days):
        if base in PRESETS:
            return preset(base).t_end, f"day not stated: read at the end of preset {base} (its usual read-out)"
        return model.t_end, "day not stated: read at the end of the condition"
    if days > model.t_end:
        return model.t_end, f"day {days:g} read at the condition's end"
    return float(days), ""


def _numbers(result) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """(mean, SE) of the treated and the control arm, when both means and spreads are given."""
    arms = []
    for m, sd, n in ((result.m1i, result.sd1i, result.n1i), (result.m2i, result.sd2i, result.n2i)):
        if not (pd.notna(m) and pd.notna(sd) and sd > 0):
            return None
        arms.append((float(m), float(sd) / math.sqrt(n) if pd.notna(n) and n > 0 else float(sd)))
    return arms[0], arms[1]


def calibration_table(studies: Sequence[Study], dataset: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rules C1-C3: the calibration table (provenance columns included) and the results left out, with reasons.

    *dataset* is the analysis dataset (:func:`secretome.report._dataset.analysis_dataset`) of *studies*.
    """
    rows = _untreated_rows()
    by_id = {s.id: s for s in studies}
    skipped = []
    models: dict[str, Model] = {}
    animal = dataset[(dataset["evidence_level"] == "animal") & (dataset["product_class"] == "secretome")]
    for result in animal.itertuples(index=False):
        study = by_id.get(result.study_id)
        why = _reason(study, result)
        if why is None:
            pop = study.population  # type: ignore[union-attr]
            base = f"{pop.species}-{INDUCTION_OF[pop.oa_model]}"
            condition = f"{base}+{PROTOCOL_OF[result.product]}"
            model = models.setdefault(condition, condition_model(condition))
            readout, how = _readout(model, result.outcome)
            numbers = _numbers(result) if how == "numbers" else None
            if readout is None:
                why = f"no readout for outcome {result.outcome}"
            elif numbers is None and (pd.isna(result.benefit) or result.benefit == 0):
                why = "no direction (no difference or not stated) and no per-arm numbers"
        if why is not None:
            skipped.append({"study_id": result.study_id, "outcome": result.outcome, "reason": why})
            continue
        day, note = _day(result, model, base)
        provenance = {"study_id": result.study_id, "outcome": result.outcome, "results": 1, "source": result.source,
                      "location": result.location, "quote": result.quote, "status": result.status}  # fmt: skip
        if numbers is not None:
            for arm, (mean, se) in zip((condition, base), numbers, strict=True):
                rows.append({"kind": "quantitative", "condition": arm, "observable": readout.name, "time": day,
                             "value": mean, "noise_sd": se, "note": note or "per-arm mean, SE",
                             **provenance})  # fmt: skip
            continue
        sign = 1 if vocab.OUTCOMES[readout.outcome].higher_is_better else -1
        if how == "proxy":
            note = "; ".join(filter(None, [note, f"{result.outcome} read on the OARSI readout (direction only)"]))
        rows.append({"kind": "direction", "condition": condition, "observable": readout.name, "time": day,
                     "value": sign * int(result.benefit), "noise_sd": math.nan, "note": note,
                     "benefit": int(result.benefit),
                     **provenance})  # fmt: skip
    table = pd.DataFrame(rows)
    # Several arms (or outcomes read on one proxy) of a study say one thing about the model: one constraint.
    key = ["kind", "condition", "observable", "time", "value", "study_id"]
    directions = table["kind"] == "direction"
    counted = (
        table[directions]
        .groupby(key, sort=False, dropna=False)
        .agg({**{c: "first" for c in table.columns if c not in key}, "results": "sum"})
    )
    table = pd.concat([table[~directions], counted.reset_index()], ignore_index=True)
    table["split"] = ["test" if held_out(s) else "train" for s in table["study_id"]]
    return table[list(COLUMNS)], pd.DataFrame(skipped, columns=["study_id", "outcome", "reason"])
