"""The mechanism section: the model's predictions for the preset experiments, set beside the evidence.

Rules (the report's):

M1. Each experiment compares treated presets with the untreated preset of the same OA model, for
    the calibrated subject: the best fit shipped by tools/make_calibration.py (:func:`calibrated_values`;
    the animal mechanism and the score maps for animal presets, with the human stage for people), every
    other parameter at its stated or assumed value (all of them when no calibration is shipped).
M2. A prediction's direction is benefit when the treated readout moves, relative to untreated, in
    the direction of benefit of the readout's vocabulary outcome; changes under 1% of the larger of the two
    values count as no difference. Changes are given in the readout's own unit; a percentage is added only
    when the untreated value is at least a tenth of the readout's healthy value (never off a near-zero base).
M4. Uncertainty is calibrated where a calibration is shipped: the 5-95% and 25-75% bands run every arm over
    the calibrated ensemble (parameter sets of the animal mechanism inside the simultaneous likelihood-ratio
    region of its fit, the profile-likelihood method of Raue et al. 2009, doi:10.1093/bioinformatics/btp358;
    :func:`secretome.model.region_ensemble`), the same sets in every arm, so arms are paired; the parameters not
    fitted keep their values, so the bands are conditional on them. Without a shipped ensemble the bands are
    prior-driven (a virtual cohort drawn from the priors of the assumed parameters). Either way they say what
    the model allows, not what animals vary by; the ``bands`` column says which.
M5. The most influential mechanism parameters (score maps held at their values) are ranked by Morris
    screening (mu*, Morris 1991) of the treated arm's readouts at the last readout day, around the calibrated
    subject.
M3. Beside each prediction stands the evidence for the same vocabulary outcome from animal studies
    of secretome products (one vote per study, rule S3). A prediction is never shown as evidence.
M6. Evidence versus model: every direction constraint of the calibration table (rules C1-C3 of
    :mod:`secretome.report._calibration_data`) with the model's sign at the study's day, nominal and
    calibrated, and whether the study was held out of the fit; every quantitative point with the model's value
    and z-score; every fitted parameter with its profile-likelihood interval, reported as not identifiable
    where the profile reaches a prior bound (the artefacts of tools/make_calibration.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from secretome import __version__, vocab
from secretome._progress import ProgressCallback, track
from secretome.errors import SecretomeWarning
from secretome.model import (
    PROFILE_RESTART_MARGIN,
    Model,
    SimulationResult,
    cohort,
    ensemble_cohort,
    preset,
    sensitivity,
    simulate,
)
from secretome.report._artefacts import BUNDLED, artefact_name, cached_frame
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


_CALIBRATION_FILES = ("table", "skipped", "fit", "profiles", "directions", "points", "ensemble")


def calibration_artefacts() -> dict[str, pd.DataFrame]:
    """The shipped results of tools/make_calibration.py (empty frames when not shipped)."""
    out = {}
    for name in _CALIBRATION_FILES:
        path = BUNDLED / f"calibration-{name}.csv"
        out[name] = pd.read_csv(path) if path.is_file() else pd.DataFrame()
    return out


def calibrated_values(name: str) -> dict[str, float]:
    """Rule M1: the shipped best-fit values for preset *name* (empty when no calibration is shipped).

    Animal presets take the animal mechanism and the score maps; human presets the human stage and the score
    maps (the human stage was fitted with the shared parameters at their assumed values).
    """
    fit = calibration_artefacts()["fit"]
    if fit.empty:
        return {}
    stages = ["human mechanism" if name.startswith("human") else "animal mechanism", "readout maps"]
    known = {p.name for p in preset(name).parameters}
    values = {}
    for stage in stages:
        rows = fit[fit["stage"] == stage]
        values.update({r.parameter: float(r.estimate) for r in rows.itertuples() if r.parameter in known})
    return values


def calibrated_preset(name: str) -> Model:
    """Preset *name* at its calibrated values (rule M1)."""
    return preset(name).with_values(**calibrated_values(name))


# The presets are deterministic, so one process never needs to simulate an experiment twice.
@cache
def _run(experiment: Experiment) -> ExperimentRun:
    arms = (("untreated", experiment.untreated), *experiment.arms)
    models = {label: calibrated_preset(name) for label, name in arms}
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


def calibrated_ensemble(name: str) -> dict[str, np.ndarray] | None:
    """Rule M4: the shipped calibrated ensemble as ``parameters=`` for preset *name*, or ``None``.

    The ensemble is of the animal mechanism, so human presets (and a missing artefact) get ``None``.
    """
    frame = calibration_artefacts()["ensemble"]
    if frame.empty or name.startswith("human"):
        return None
    known = {p.name for p in preset(name).parameters}
    return {c: frame[c].to_numpy(float) for c in frame.columns if c in known}


def cohort_bands(name: str, *, subjects: int, seed: int = 0, progress: ProgressCallback | None = None) -> pd.DataFrame:
    """Rule M4: the bands of :data:`PLOTTED` for preset *name* (cached artefact).

    Columns ``time, readout, quantile, value``, plus ``subjects`` (ensemble members or virtual subjects),
    ``failed``, ``varied`` (parameters varied) and ``bands`` (``"calibrated"`` or ``"prior-driven"``).
    *subjects* and *seed* set the prior-driven cohort; the calibrated bands use every ensemble member.
    """
    model = calibrated_preset(name)
    times = np.arange(0.0, model.t_end + 0.5, 1.0)
    ensemble = calibrated_ensemble(name)

    def compute_calibrated() -> pd.DataFrame:
        assert ensemble is not None  # only called with a shipped ensemble
        res = ensemble_cohort(model, ensemble, times=times, progress=progress)
        frame = res.to_frame()
        frame = frame[frame["readout"].isin(PLOTTED)][["time", "readout", "quantile", "value"]]
        return frame.assign(subjects=res.subjects, failed=len(res.failed), varied=len(res.varied),
                            bands="calibrated")  # fmt: skip

    def compute_prior() -> pd.DataFrame:
        res = cohort(model, subjects=subjects, seed=seed, times=times, progress=progress)
        frame = res.to_frame()
        frame = frame[frame["readout"].isin(PLOTTED)][["time", "readout", "quantile", "value"]]
        return frame.assign(subjects=res.subjects, failed=len(res.failed), varied=len(res.varied),
                            bands="prior-driven")  # fmt: skip

    key = bands_artefact(name, subjects=subjects, seed=seed)
    return cached_frame(key, compute_calibrated if ensemble is not None else compute_prior)


def bands_artefact(name: str, *, subjects: int, seed: int = 0) -> str:
    """The artefact file :func:`cohort_bands` reads or writes for preset *name* (named by all that made it)."""
    model = calibrated_preset(name)
    ensemble = calibrated_ensemble(name)
    if ensemble is not None:
        members = {k: v.tolist() for k, v in sorted(ensemble.items())}
        return artefact_name("calibrated", name, repr(model), members, PLOTTED, __version__)
    return artefact_name("cohort", name, repr(model), subjects, seed, PLOTTED, __version__)


def influential_parameters(
    name: str, readout: str, at_time: float, *, trajectories: int, progress: ProgressCallback | None = None
) -> pd.DataFrame:
    """Rule M5: Morris mu* of every assumed mechanism parameter for *readout* at *at_time* (cached artefact).

    Runs that fail to integrate get the median output (SALib needs every run); how many did is a column of the
    table (``failed runs``), where the report shows it, instead of a warning printed once and lost.
    """
    model = calibrated_preset(name)

    def compute() -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecretomeWarning)  # the count goes into the table below
            res = sensitivity(
                model, method="morris", samples=trajectories, readout=readout, at_time=at_time, progress=progress
            )
        return res.ranking().reset_index().assign(**{"failed runs": f"{res.failed} of {res.evaluations}"})

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


def held_out_summary(directions: pd.DataFrame, table: pd.DataFrame) -> dict[str, int]:
    """Rule M6: training and held-out directions reproduced by the calibrated model, and how many report benefit.

    Every held-out direction a study reports as a benefit of treatment is also what a model that always
    predicts benefit would get right, so the count of such constraints is given beside the agreement.
    """
    calibrated = directions[directions["parameters"] == "calibrated"]
    held = calibrated[calibrated["split"] == "test"]
    train = calibrated[calibrated["split"] == "train"]
    benefit = table[(table["kind"] == "direction") & (table["split"] == "test") & (table["benefit"] > 0)]
    return {
        "train": len(train), "train_agree": int(train["agrees"].sum()),
        "held_out": len(held), "held_out_agree": int(held["agrees"].sum()),
        "held_out_nominal_agree": int(directions.query("parameters == 'nominal' and split == 'test'")["agrees"].sum()),
        "held_out_benefit": len(benefit),
    }  # fmt: skip


def fitted_parameters(fit: pd.DataFrame, profiles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rule M6: each fitted parameter with its profile-likelihood interval, or why it has none.

    With *profiles*, a parameter whose profile reaches a chi^2 lower than its stage's fit (by more than the
    refits' tolerance, ``PROFILE_RESTART_MARGIN``) is marked: the estimate is not the optimum of its stage.
    """
    lowest = {} if profiles is None or profiles.empty else profiles.groupby(["stage", "parameter"])["chi2"].min()
    rows = []
    for r in fit.itertuples(index=False):
        lower = "open (prior bound)" if pd.isna(r.ci_lower) else f"{r.ci_lower:.3g}"
        upper = "open (prior bound)" if pd.isna(r.ci_upper) else f"{r.ci_upper:.3g}"
        low = lowest.get((r.stage, r.parameter), r.chi2)
        rows.append({
            "stage": r.stage, "parameter": r.parameter, "estimate": f"{r.estimate:.3g}",
            "95% profile-likelihood interval": f"{lower} to {upper}",
            "prior": f"{r.prior_low:.3g} to {r.prior_high:.3g}",
            "identifiable": "yes" if r.identifiable else "no (the data leave it open)",
            "chi2 nominal -> fit": f"{r.chi2_nominal:.3g} -> {r.chi2:.3g} ({r.rows} rows)",
            "optimum": f"no: its profile reaches chi2 {low:.3g}" if low < r.chi2 - PROFILE_RESTART_MARGIN else "yes",
        })  # fmt: skip
    return pd.DataFrame(rows)


def points_versus_model(points: pd.DataFrame) -> pd.DataFrame:
    """Rule M6: each quantitative point, the model's value nominal and calibrated, and the calibrated z-score."""
    if points.empty:
        return pd.DataFrame()
    wide = points.pivot_table(index=["study_id", "condition", "observable", "time", "split", "value", "noise_sd"],
                              columns="parameters", values=["model", "z"], aggfunc="first")  # fmt: skip
    return pd.DataFrame(
        [
            {"study": study, "condition": condition, "readout": observable, "day": time,
             "held out": "yes" if split == "test" else "no", "reported": f"{value:.4g} +/- {noise:.2g}",
             "model, nominal": f"{row[('model', 'nominal')]:.4g}",
             "model, calibrated": f"{row[('model', 'calibrated')]:.4g}",
             "z (calibrated)": f"{row[('z', 'calibrated')]:+.2f}"}
            for (study, condition, observable, time, split, value, noise), row in wide.iterrows()
        ]
    )  # fmt: skip


def profiles_figure(profiles: pd.DataFrame, level_chi2: float = 3.841) -> str:
    """One panel per fitted parameter: chi^2 above the best fit along its profile, with the 95% threshold."""
    names = list(dict.fromkeys(zip(profiles["stage"], profiles["parameter"], strict=True)))
    columns = min(len(names), 5)
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 2.1 * rows), squeeze=False)
    for ax, (stage, name) in zip(axes.flat, names, strict=False):
        part = profiles[(profiles["stage"] == stage) & (profiles["parameter"] == name)].sort_values("value")
        ax.plot(part["value"], part["chi2"] - part["chi2_best"], marker=".", linewidth=1.0)
        ax.axhline(level_chi2, color="#b00", linewidth=0.8, linestyle="--")
        low, high = part["value"].min(), part["value"].max()
        if high > 10.0 * low:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(mticker.NullFormatter())
        else:
            # Within one decade a log axis labels only its minor ticks, which collide; a linear axis reads.
            ax.xaxis.set_major_locator(mticker.MaxNLocator(3))
        ax.set_title(f"{name} ({stage})", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    axes[0][0].set_ylabel("chi2 - chi2 at best fit", fontsize=7)
    fig.tight_layout()
    return svg_of(fig)


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
            "SOX-9 → pace of aggrecan G and\ncollagen II C turnover (not their level)\n"
            "ADAMTS-5 → G loss; MMP-13 → C loss\n"
            "load / stiffness(G) → wear\nEV cargo (miRNA): less stress apoptosis,\nless protease induction",
        ),
    }
    for x, y, w, h, title, body in boxes.values():
        ax.add_patch(plt.Rectangle((x, y), w, h, fill=False, linewidth=1.2))
        ax.text(x + 1.5, y + h - 2.5, title, fontsize=9, weight="bold", va="top")
        ax.text(x + 1.5, y + h - 7.0, body, fontsize=7.5, va="top")
    # Labels of the two vertical arrows go beside them, one to each side, so that they do not run into each other.
    arrows = (
        ((42, 40), (56, 40), "IL-1 / TNF drive (IL-1Ra blocks)", "center"),
        ((56, 30), (42, 30), "fragments, debris", "center"),
        ((20, 22), (20, 28), "cytokines", "right"),
        ((28, 28), (28, 22), "IL-10, TSG-6, EVs, DAMPs", "left"),
        ((42, 12), (56, 12), "EV uptake", "center"),
    )
    beside = {"center": (0.0, 1.0), "right": (-1.0, -0.5), "left": (1.0, -0.5)}
    for start, end, label, align in arrows:
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "linewidth": 1.0})
        dx, dy = beside[align]
        x, y = (start[0] + end[0]) / 2 + dx, (start[1] + end[1]) / 2 + dy
        ax.text(x, y, label, fontsize=6.5, ha=align)
    fig.tight_layout()
    return svg_of(fig)
