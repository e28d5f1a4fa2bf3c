"""The model's calibration table, built from the evidence (the report owns these rules; the model knows no store).

C1. Untreated time courses: quantitative points from cited papers (:data:`UNTREATED_POINTS`), each with its
    source, location and verbatim quote. Points given as a change from baseline (joint-space narrowing,
    cartilage volume loss) are converted to a level against the preset's own baseline (status ``converted``).
C2. The corpus's animal secretome results with a direction become direction constraints on the sign of
    treated minus untreated: the study's species and OA model name the preset, its product the protocol
    (conditioned medium weekly, or EVs weekly; per-joint amounts of :data:`secretome.model.PROTOCOLS`), its
    outcome the readout in the outcome's unit, its day the time (the preset's end when the study gives none).
    Results without a matching preset, readout or direction are left out and counted with the reason.
C3. Split by study: a study is held out (``test``) when the first byte of the SHA-256 of its id is divisible by
    3, so about a third of the studies, fixed by their ids, never enter the fit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from secretome import vocab
from secretome.evidence import Study
from secretome.model import PROTOCOLS, Model, outcome_readouts, preset, simulate

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
    "quote": "The mean annual change in JSW across all estimates was 0.14mm/yr ± 0.14",
    "status": "converted",
}
_RAYNAULD = {
    "study_id": "raynauld-2006-art",
    "source": "http://www.arthritis-research.com/content/8/1/R21",
    "location": "abstract",
    "quote": "Knee OA cartilage volume losses were statistically significant compared to baseline values: -3.7 ± 3.0% "
    "for global cartilage and -5.5 ± 4.3% for the medial compartment at 12 months, and -5.7 ± 4.4% and -8.3 ± "
    "6.5%, respectively, at 24 months.",
    "status": "converted",
}

# (condition, observable, day, value, SD, provenance, how the value is read); "baseline-" values are changes.
UNTREATED_POINTS = (
    ("rat-mia", "mankin", 14.0, 11.5, 1.0, _NAVEEN, "level"),
    ("rat-aclt", "mankin", 14.0, 10.1, 1.1, _NAVEEN, "level"),
    ("human-knee-oa", "jsw", 365.0, -0.14, 0.14, _EMRANI, "change"),
    ("human-knee-oa", "thickness", 365.0, -0.037, 0.030, _RAYNAULD, "relative change"),
    ("human-knee-oa", "thickness", 730.0, -0.057, 0.044, _RAYNAULD, "relative change"),
)

_PRESET_OF = {
    ("rat", "mia"): "rat-mia",
    ("rat", "aclt"): "rat-aclt",
    ("rat", "dmm"): "rat-dmm",
    ("rat", "mmt"): "rat-dmm",
    ("rat", "focal_defect"): "rat-focal-defect",
    ("mouse", "dmm"): "mouse-dmm",
    ("mouse", "collagenase"): "mouse-collagenase",
    ("mouse", "mia"): "mouse-mia",
}
_PROTOCOL_OF = {
    "conditioned_medium": "cm-weekly",
    "extracellular_vesicles": "ev-weekly",
    "exosomes": "ev-weekly",
}


def condition_model(name: str) -> Model:
    """The model of a condition: a preset, or ``<preset>+<protocol>`` (the protocol's doses, end time kept)."""
    if "+" not in name:
        return preset(name)
    base, protocol = name.split("+", 1)
    model = preset(base)
    return replace(model.with_doses(PROTOCOLS[protocol].doses(), t_end=model.t_end), name=name)


def held_out(study_id: str) -> bool:
    """Rule C3."""
    return hashlib.sha256(study_id.encode("utf-8")).digest()[0] % 3 == 0


def calibration_table(studies: Sequence[Study], dataset: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rules C1-C3: the calibration table (provenance columns included) and the results left out, with reasons.

    *dataset* is the analysis dataset (:func:`secretome.report._dataset.analysis_dataset`) of *studies*.
    """
    rows = []
    for condition, observable, day, value, sd, provenance, how in UNTREATED_POINTS:
        if how == "level":
            level, noise = value, sd
        else:
            baseline = float(simulate(preset(condition), times=[0.0, day]).readout_series(observable)[0])
            level = baseline + value if how == "change" else baseline * (1.0 + value)
            noise = sd if how == "change" else baseline * sd
        rows.append({"kind": "quantitative", "condition": condition, "observable": observable, "time": day,
                     "value": level, "noise_sd": noise, **provenance})  # fmt: skip
    population = {s.id: s.population for s in studies}
    skipped = []
    animal = dataset[(dataset["evidence_level"] == "animal") & (dataset["product_class"] == "secretome")]
    for result in animal.itertuples(index=False):
        why = None
        pop = population.get(result.study_id)
        base = _PRESET_OF.get((pop.species, pop.oa_model)) if pop is not None else None
        protocol = _PROTOCOL_OF.get(result.product)
        if base is None:
            why = f"no preset for {getattr(pop, 'species', None)} / {getattr(pop, 'oa_model', None)}"
        elif protocol is None:
            why = f"no protocol for product {result.product}"
        elif pd.isna(result.benefit) or result.benefit == 0:
            why = "no direction (no difference or not stated)"
        if why is None:
            model = condition_model(f"{base}+{protocol}")
            readouts = outcome_readouts(model.readouts)
            # An OARSI score read on the other species' scale keeps its direction: use the preset's OARSI.
            readout = readouts.get(result.outcome) or (
                readouts.get("oarsi_mouse_score") if result.outcome == "oarsi_score" else None
            )
            if readout is None:
                why = f"no readout for outcome {result.outcome}"
        if why is not None:
            skipped.append({"study_id": result.study_id, "outcome": result.outcome, "reason": why})
            continue
        day = model.t_end if pd.isna(result.timepoint_days) else min(float(result.timepoint_days), model.t_end)
        better = 1 if vocab.OUTCOMES[result.outcome].higher_is_better else -1
        rows.append(
            {
                "kind": "direction", "condition": f"{base}+{protocol}", "observable": readout.name, "time": day,
                "value": better * int(result.benefit), "noise_sd": float("nan"), "study_id": result.study_id,
                "source": result.source, "location": result.location, "quote": result.quote, "status": result.status,
            }
        )  # fmt: skip
    table = pd.DataFrame(rows)
    table["split"] = ["test" if held_out(s) else "train" for s in table["study_id"]]
    columns = ["kind", "condition", "observable", "time", "value", "noise_sd", "split", "study_id", "source",
               "location", "quote", "status"]  # fmt: skip
    return table[columns], pd.DataFrame(skipped, columns=["study_id", "outcome", "reason"])
