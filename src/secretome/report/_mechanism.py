"""The mechanism section: the model's predictions for the preset experiments, set beside the evidence.

Rules (the report's):

M1. Each experiment compares treated presets with the untreated preset of the same OA model, for
    the default subject (every parameter at its stated or assumed value).
M2. A prediction's direction is benefit when the treated readout moves, relative to untreated, in
    the direction of benefit of the readout's vocabulary outcome; changes under 1% of the larger of the two
    values count as no difference. Changes are given in the readout's own unit; a percentage is added only
    when the untreated value is at least a tenth of the readout's healthy value (never off a near-zero base).
M4. Uncertainty is prior-driven: a virtual cohort per preset (parameters drawn from the priors of
    the assumed ones, the same seed for every arm, so subjects are paired across arms) gives the 5-95%
    and 25-75% bands; it says what the assumptions allow, not what animals vary by.
M5. The most influential parameters are ranked by Morris screening (mu*, Morris 1991) of the
    treated arm's readouts at the last readout day.
M3. Beside each prediction stands the evidence for the same vocabulary outcome from animal studies
    of secretome products (one vote per study, rule S3). A prediction is never shown as evidence.
M6. Evidence versus model: every direction constraint of the calibration table (rules C1-C3 of
    :mod:`secretome.report._calibration_data`) with the model's sign at the study's day, nominal and
    calibrated, and whether the study was held out of the fit (the artefacts of tools/make_calibration.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from secretome import __version__, vocab
from secretome._progress import ProgressCallback, track
from secretome.model import Model, SimulationResult, cohort, preset, sensitivity, simulate
from secretome.report._artefacts import artefact_name, cached_frame
from secretome.report._figures import svg_of

__all__: list[str] = []

# Rule M2: smaller relative changes than this are no difference.
_NO_DIFFERENCE = 0.01


@dataclass(frozen=True)
class Experiment:
    """A preset experiment: the untreated preset, the treated arms and the days read out."""

    id: str
    title: str
    untreated: str
    arms: tuple[tuple[str, str], ...]
    """(label, preset name) of each treated arm."""
    readout_days: tuple[float, ...]


EXPERIMENTS = (
    Experiment(
        "review-rat-protocol",
        "The review's rat protocol: focal K-wire defect, conditioned medium 1 mL/kg weekly x 5",
        "rat-focal-defect",
        (("conditioned medium weekly x 5", "rat-focal-defect-cm"),),
        (60.0, 90.0, 120.0),
    ),
    Experiment(
        "single-vs-repeated",
        "Single versus repeated dosing at equal total dose (rat MIA, conditioned medium per joint)",
        "rat-mia",
        (("150 ug once", "rat-mia-cm-single"), ("30 ug weekly x 5", "rat-mia-cm-weekly")),
        (28.0, 56.0, 120.0),
    ),
    Experiment(
        "ev-schedules",
        "EVs: single versus weekly dosing at equal total dose (rat MIA, particles per joint)",
        "rat-mia",
        (("5e9 once", "rat-mia-ev-single"), ("1e9 weekly x 5", "rat-mia-ev-weekly")),
        (28.0, 56.0, 120.0),
    ),
)


@dataclass(frozen=True)
class ExperimentRun:
    """The simulations of one experiment: ``runs`` maps an arm label (``untreated`` first) to its result."""

    experiment: Experiment
    runs: dict[str, SimulationResult]
    models: dict[str, Model]


def run_experiments(
    experiments: Sequence[Experiment] = EXPERIMENTS, progress: ProgressCallback | None = None
) -> list[ExperimentRun]:
    """Simulate every arm of every experiment (rule M1) at whole days to the model's end time."""
    return [_run(experiment) for experiment in track(experiments, "model experiments", progress)]


# The presets are deterministic, so one process never needs to simulate an experiment twice.
@cache
def _run(experiment: Experiment) -> ExperimentRun:
    arms = (("untreated", experiment.untreated), *experiment.arms)
    models = {label: preset(name) for label, name in arms}
    runs = {label: simulate(model, times=np.arange(0.0, model.t_end + 0.5, 1.0)) for label, model in models.items()}
    return ExperimentRun(experiment, runs, models)


def readout_table(run: ExperimentRun) -> pd.DataFrame:
    """Every readout of every arm at the experiment's readout days (long format)."""
    rows = []
    for label, result in run.runs.items():
        for day in run.experiment.readout_days:
            i = int(np.argmin(np.abs(result.time - day)))
            for j, name in enumerate(result.readouts):
                rows.append(
                    {
                        "arm": label,
                        "day": float(result.time[i]),
                        "readout": name,
                        "outcome": result.readout_outcomes[j],
                        "value": float(result.readout_values[0, i, j]),
                        "unit": result.readout_units[j],
                    }
                )
    return pd.DataFrame(rows)


def predictions_beside_evidence(run: ExperimentRun, votes: pd.DataFrame) -> pd.DataFrame:
    """Rules M2-M3: predicted direction at the last readout day, and the evidence votes per outcome.

    *votes* has one row per study and outcome with ``outcome`` and ``vote`` (benefit, harm, mixed,
    no_difference, not_stated), from :func:`secretome.report._synthesis.outcome_votes`.
    """
    table = readout_table(run)
    last = table[table["day"] == table["day"].max()]
    untreated = last[last["arm"] == "untreated"].set_index("readout")["value"]
    rows = []
    for _, row in last[last["arm"] != "untreated"].iterrows():
        outcome = vocab.OUTCOMES[row["outcome"]]
        base, value = float(untreated[row["readout"]]), float(row["value"])
        difference = value - base
        scale = max(abs(base), abs(value))
        if scale == 0 or abs(difference) < _NO_DIFFERENCE * scale:
            predicted = "no difference"
        else:
            predicted = "benefit" if (difference > 0) == outcome.higher_is_better else "harm"
        # Rule M2: absolute change in the readout's unit; a percentage only off a base that is not near zero.
        healthy = float(
            run.runs["untreated"].readout_values[0, 0, run.runs["untreated"].readouts.index(row["readout"])]
        )
        change = f"{difference:+.3g} {row['unit']}"
        if abs(base) >= 0.1 * abs(healthy) and base != 0:
            change += f" ({100 * difference / abs(base):+.1f}%)"
        seen = votes.loc[votes["outcome"] == row["outcome"], "vote"]
        evidence = (
            f"{int((seen == 'benefit').sum())} / {int((seen == 'harm').sum())} / "
            f"{int((~seen.isin(['benefit', 'harm'])).sum())}"
            if len(seen)
            else "no study"
        )
        rows.append(
            {
                "arm": row["arm"],
                "readout": row["readout"],
                "outcome": outcome.label,
                "predicted change vs untreated": change,
                "predicted": predicted,
                "studies (benefit / harm / other)": evidence,
            }
        )
    return pd.DataFrame(rows)


PLOTTED = ("aggrecan", "collagen_ii", "chondrocytes", "il1b")
"""The readouts drawn (and banded) for every experiment."""


def cohort_bands(name: str, *, subjects: int, seed: int = 0, progress: ProgressCallback | None = None) -> pd.DataFrame:
    """Rule M4: the prior-driven bands of :data:`PLOTTED` for preset *name* (cached artefact).

    Columns ``time, readout, quantile, value``, plus ``subjects``, ``failed`` and ``varied`` (the
    number of assumed parameters drawn from their priors).
    """
    model = preset(name)
    times = np.arange(0.0, model.t_end + 0.5, 1.0)

    def compute() -> pd.DataFrame:
        res = cohort(model, subjects=subjects, seed=seed, times=times, progress=progress)
        frame = res.to_frame()
        frame = frame[frame["readout"].isin(PLOTTED)][["time", "readout", "quantile", "value"]]
        return frame.assign(subjects=res.subjects, failed=len(res.failed), varied=len(res.varied))

    key = artefact_name("cohort", name, repr(model), subjects, seed, PLOTTED, __version__)
    return cached_frame(key, compute)


def influential_parameters(
    name: str, readout: str, at_time: float, *, trajectories: int, progress: ProgressCallback | None = None
) -> pd.DataFrame:
    """Rule M5: Morris mu* of every assumed parameter for *readout* at *at_time* (cached artefact)."""
    model = preset(name)

    def compute() -> pd.DataFrame:
        res = sensitivity(
            model, method="morris", samples=trajectories, readout=readout, at_time=at_time, progress=progress
        )
        return res.ranking().reset_index()

    key = artefact_name("morris", name, repr(model), readout, at_time, trajectories, __version__)
    return cached_frame(key, compute)


def trajectories_figure(
    run: ExperimentRun, readouts: Sequence[str], bands: dict[str, pd.DataFrame] | None = None
) -> str:
    """One panel per readout: every arm's default-subject line over its cohort bands (5-95%, 25-75%)."""
    first = next(iter(run.runs.values()))
    fig, axes = plt.subplots(1, len(readouts), figsize=(3.2 * len(readouts), 2.9), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, name in zip(axes[0], readouts, strict=True):
        j = first.readouts.index(name)
        for colour, (label, result) in zip(colours, run.runs.items(), strict=False):
            if bands is not None:
                band = bands[label][bands[label]["readout"] == name].pivot_table(
                    index="time", columns="quantile", values="value"
                )
                ax.fill_between(band.index, band[0.05], band[0.95], color=colour, alpha=0.12, linewidth=0)
                ax.fill_between(band.index, band[0.25], band[0.75], color=colour, alpha=0.25, linewidth=0)
            ax.plot(result.time, result.readout_values[0, :, j], label=label, linewidth=1.4, color=colour)
        for day in run.experiment.readout_days:
            ax.axvline(day, color="#bbb", linewidth=0.8, linestyle=":")
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel(f"time ({first.time_unit})", fontsize=8)
        ax.set_ylabel(first.readout_units[j], fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return svg_of(fig)


def assumption_counts(runs: Sequence[ExperimentRun]) -> pd.DataFrame:
    """Per preset: parameters with a source and parameters assumed (with a prior range)."""
    rows = {}
    for run in runs:
        for model in run.models.values():
            assumed = sum(1 for p in model.parameters if p.assumed)
            rows[model.name] = {"preset": model.name, "sourced": len(model.parameters) - assumed, "assumed": assumed}
    return pd.DataFrame(list(rows.values()))


def evidence_versus_model(directions: pd.DataFrame) -> pd.DataFrame:
    """Rule M6: one row per direction constraint, the reported sign beside the model's (nominal, calibrated)."""
    if directions.empty:
        return pd.DataFrame()
    wide = directions.pivot_table(
        index=["study_id", "condition", "observable", "time", "split", "reported"],
        columns="parameters",
        values=["difference", "agrees"],
        aggfunc="first",
    )
    rows = []
    for key, row in wide.iterrows():
        study, condition, observable, time, split, reported = key
        rows.append(
            {
                "study": study,
                "experiment (preset + protocol)": condition,
                "readout": observable,
                "day": time,
                "held out": "yes" if split == "test" else "no",
                "reported": "up" if reported > 0 else "down",
                "model, nominal (treated - untreated)": f"{row[('difference', 'nominal')]:+.3g}",
                "model, calibrated": f"{row[('difference', 'calibrated')]:+.3g}",
                "agrees (calibrated)": "yes" if row[("agrees", "calibrated")] else "no",
            }
        )
    return pd.DataFrame(rows)


def calibration_artefacts() -> dict[str, pd.DataFrame]:
    """The shipped results of tools/make_calibration.py (empty frames when not shipped)."""
    from secretome.report._artefacts import BUNDLED

    out = {}
    for name in ("table", "skipped", "fit", "directions"):
        path = BUNDLED / f"calibration-{name}.csv"
        out[name] = pd.read_csv(path) if path.is_file() else pd.DataFrame()
    return out


def model_diagram() -> str:
    """An SVG diagram of the model: compartments, species and the processes between them."""
    fig, ax = plt.subplots(figsize=(9.0, 4.6))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 52)
    ax.axis("off")
    boxes = {
        "fluid": (
            2,
            28,
            40,
            22,
            "Synovial fluid (V_sf)",
            "IL-1β  TNF-α  IL-6  IL-10\nfragments (DAMPs)\n"
            "doses: CM (IL-1Ra, TSG-6, TGF-β)\nEVs   MSCs   MIA   collagenase",
        ),
        "synovium": (2, 2, 40, 20, "Synovium", "M1 ⇄ M2 macrophages\nM1 → IL-1β, TNF-α; M2 → IL-10"),
        "cartilage": (
            56,
            2,
            42,
            48,
            "Cartilage",
            "chondrocytes N → apoptotic Na → cleared\nMIA → necrosis\n"
            "SOX-9 → repair of aggrecan G, collagen II C\nADAMTS-5 → G loss; MMP-13 → C loss\n"
            "load / stiffness(G) → wear\nEV cargo (miRNA): less apoptosis,\nless protease induction",
        ),
    }
    for x, y, w, h, title, body in boxes.values():
        ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, linewidth=1.2))
        ax.text(x + 1.5, y + h - 2.5, title, fontsize=9, weight="bold", va="top")
        ax.text(x + 1.5, y + h - 7.0, body, fontsize=7.5, va="top")
    arrows = (
        ((42, 40), (56, 40), "IL-1 / TNF drive (IL-1Ra blocks)"),
        ((56, 30), (42, 30), "fragments, debris"),
        ((20, 22), (20, 28), "cytokines"),
        ((28, 28), (28, 22), "IL-10, TSG-6, EVs, DAMPs"),
        ((42, 12), (56, 12), "EV uptake"),
    )
    for start, end, label in arrows:
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "linewidth": 1.0})
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 1.0, label, fontsize=6.5, ha="center")
    fig.tight_layout()
    return svg_of(fig)
