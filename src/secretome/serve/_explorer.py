"""The Model explorer view's work: a preset dosed by one regimen against no dose, beside the evidence.

Model side, through the public API of :mod:`secretome.model` only (the ``secretome model compare`` and
``cohort`` commands do the same):

- The regimen is one dose entry of docs/regimen-format.md (product, amount per joint in the product's
  unit, first day, interval, count), applied to the preset by :func:`~secretome.model.parse_regimen`, so
  its checks and limits hold; it replaces the preset's own protocol, and *untreated* is the preset with no
  dose (as :func:`~secretome.model.compare`'s untreated arm).
- Lines: :func:`~secretome.model.simulate` of the report's subject (rule M1: the calibrated values where a
  calibration is shipped, every other parameter at its stated or assumed value), treated and untreated, at
  whole days to the preset's end time, so the explorer and the report's mechanism section draw the same lines.
- Bands: :func:`~secretome.model.cohort` of the same *n* virtual subjects in each arm (the assumed
  parameters drawn from their priors with one seed), 5-95% and 25-75%. They are prior-driven: they show
  what the assumptions allow, not how animals vary.
- Table: :func:`~secretome.model.compare_times` at the declared times (one simulation per arm): treated,
  untreated and their difference for the default subject, and the 5/50/95% quantiles of the paired
  difference over the same subjects, in the readout's own unit.

Evidence side, by the report's rules (:mod:`secretome.report`), for each readout's vocabulary outcome:
the vote of each study (rule S3, :func:`~secretome.report.outcome_votes`) of the preset's evidence level
(clinical for the human preset, animal otherwise) and the chosen product's class (cells or secretome),
with each study's species; the Synthesis view's pooled analyses of that outcome, level and class (rule S2);
and the "evidence versus model" rows of the shipped calibration for the readout (rule M6,
:func:`~secretome.report.evidence_versus_model`). A prediction is never shown as evidence.
"""

from __future__ import annotations

import functools
import io
import math
import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from secretome import vocab
from secretome._limits import MAX_DOSES
from secretome.errors import InputError
from secretome.evidence import Study
from secretome.model import (
    ORGANISMS,
    PROTOCOLS,
    CohortResult,
    ComparisonResult,
    Model,
    Product,
    SimulationResult,
    cohort,
    compare_times,
    parse_regimen,
    preset,
    preset_lines,
    simulate,
)
from secretome.report import PLOTTED, calibrated_values, calibration_artefacts, evidence_versus_model, outcome_votes
from secretome.serve._synthesis import Analysis, analyse, analysis_choices

__all__ = [
    "MAX_SUBJECTS",
    "MAX_TIMES",
    "Exploration",
    "ExplorerRequest",
    "FormOptions",
    "OutcomeEvidence",
    "default_request",
    "dosable_presets",
    "explore",
    "explorer_request",
    "form_options",
    "outcome_evidence",
]

MAX_SUBJECTS = 200
"""Virtual subjects of the bands at most, so a page takes seconds (benchmarks/serve_model.py; the CLI takes 100,000)."""

MAX_TIMES = 10
"""Declared time points of the difference table at most."""

DEFAULT_SUBJECTS = 50
DEFAULT_PRESET = "rat-mia"


@dataclass(frozen=True)
class ExplorerRequest:
    """One filled-in explorer form: preset, one repeated dose of a product, readouts, times and bands."""

    preset: str
    product: str
    amount: float
    start: float
    every: float
    count: int
    readouts: tuple[str, ...]
    times: tuple[float, ...]
    subjects: int = DEFAULT_SUBJECTS
    seed: int = 0

    def regimen(self) -> dict[str, object]:
        """The regimen as parsed YAML (docs/regimen-format.md): one entry, single or repeated."""
        return {"doses": [{"product": self.product, "amount": self.amount, "start": self.start,
                           "every": self.every, "count": self.count}]}  # fmt: skip

    def query(self) -> dict[str, object]:
        """The form fields of this request, as the form shows them (numbers to 15 significant digits)."""
        return {
            "preset": self.preset, "product": self.product, "amount": f"{self.amount:.15g}",
            "start": f"{self.start:.15g}", "every": f"{self.every:.15g}", "count": self.count,
            "readout": list(self.readouts), "times": ", ".join(f"{t:.15g}" for t in self.times),
            "subjects": self.subjects, "seed": self.seed,
        }  # fmt: skip


@functools.cache
def dosable_presets() -> tuple[tuple[str, str], ...]:
    """``(name, one line)`` of each preset with a product to dose (the joint presets, not Baker 2017's core)."""
    return tuple((name, line) for name, line in preset_lines() if preset(name).products)


@dataclass(frozen=True)
class FormOptions:
    """What the form offers for one preset: its products (name, words, unit) and readouts (name, unit, outcome)."""

    preset: str
    products: tuple[tuple[str, str, str], ...]
    readouts: tuple[tuple[str, str, str], ...]


@functools.lru_cache(maxsize=64)
def form_options(name: str) -> FormOptions:
    """The form's choices for preset *name* (the default preset's when *name* is not a dosable preset)."""
    if name not in dict(dosable_presets()):
        name = DEFAULT_PRESET
    model = preset(name)
    products = tuple((p.name, p.description, vocab.DOSE_UNITS[p.unit].label) for p in model.products)
    readouts = tuple((r.name, r.unit, vocab.OUTCOMES[r.outcome].label) for r in model.readouts)
    return FormOptions(name, products, readouts)


def default_times(end: float) -> tuple[float, ...]:
    """A quarter, half and all of the preset's time, in whole days."""
    return tuple(sorted({float(round(end / 4)), float(round(end / 2)), float(end)} - {0.0}))


def default_request(name: str = DEFAULT_PRESET) -> ExplorerRequest:
    """The form as first shown: *name* dosed with the review's rat protocol, the readouts the report draws."""
    model = preset(name)
    known = {r.name for r in model.readouts}
    p = PROTOCOLS["cm-weekly"]  # the review's rat protocol, per joint (the preset table's "cm-weekly")
    return ExplorerRequest(name, p.product, p.amount, p.start, p.every, p.count,
                           tuple(r for r in PLOTTED if r in known), default_times(model.t_end))  # fmt: skip


def _number(fields: Mapping[str, str], name: str, *, minimum: float, strict: bool = False) -> float:
    text = fields.get(name, "").strip()
    if not text:
        raise InputError("is required", field=name)
    try:
        value = float(text)
    except ValueError:
        raise InputError("must be a number", field=name, value=text) from None
    if not math.isfinite(value):
        raise InputError("must be a finite number", field=name, value=text)
    if value < minimum or (strict and value == minimum):
        raise InputError(f"must be {'>' if strict else '>='} {minimum:g}", field=name, value=text)
    return value


def _integer(fields: Mapping[str, str], name: str, *, low: int, high: int) -> int:
    text = fields.get(name, "").strip()
    if not text:
        raise InputError("is required", field=name)
    # ASCII digits, few of them: int() rejects "²" and integers of more than 4,300 digits with a ValueError.
    if not (text.isascii() and text.isdigit() and len(text) <= 12) or not low <= int(text) <= high:
        raise InputError(f"must be a whole number from {low} to {high}", field=name, value=text)
    return int(text)


def _times(text: str, model: Model) -> tuple[float, ...]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        return default_times(model.t_end)
    if len(parts) > MAX_TIMES:
        raise InputError(f"at most {MAX_TIMES} time points", field="times", value=text)
    times = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise InputError("must be numbers separated by commas", field="times", value=part) from None
        if not 0 < value <= model.t_end:
            raise InputError(
                f"each time must be > 0 and <= the preset's end, {model.t_end:g} {model.time_unit}",
                field="times", value=part,
            )  # fmt: skip
        times.append(value)
    return tuple(sorted(set(times)))


def explorer_request(fields: Mapping[str, str], readouts: Sequence[str]) -> ExplorerRequest:
    """Parse the explorer form (*fields* by name, the checked *readouts*); an :class:`InputError` names the field.

    Fields: ``preset``, ``product``, ``amount`` (per joint, in the product's unit, > 0), ``start`` (day of
    the first dose, >= 0), ``every`` (days between doses, > 0), ``count`` (doses, 1 for a single dose),
    ``times`` (comma-separated; empty for a quarter, half and all of the preset's time), ``subjects``
    (2 to :data:`MAX_SUBJECTS`) and ``seed``. The last dose must fall within the preset's time.
    """
    name = fields.get("preset", "").strip()
    presets = dict(dosable_presets())
    if name not in presets:
        raise InputError(f"not a preset with a product to dose; one of {', '.join(presets)}", field="preset",
                         value=name)  # fmt: skip
    model = preset(name)
    products = [p.name for p in model.products]
    if fields.get("product", "").strip() not in products:
        raise InputError(f"not a product of {name}; one of {', '.join(products)}", field="product",
                         value=fields.get("product", ""))  # fmt: skip
    product = model.product(fields["product"].strip())
    amount = _number(fields, "amount", minimum=0.0, strict=True)
    start = _number(fields, "start", minimum=0.0)
    every = _number(fields, "every", minimum=0.0, strict=True)
    count = _integer(fields, "count", low=1, high=MAX_DOSES)
    last = start + every * (count - 1)
    if last > model.t_end:
        raise InputError(
            f"the last dose, on day {last:g}, is after the preset's end ({model.t_end:g} {model.time_unit})",
            field="count", value=str(count),
        )  # fmt: skip
    known = [r.name for r in model.readouts]
    chosen = tuple(dict.fromkeys(r.strip() for r in readouts if r.strip()))
    if not chosen:
        raise InputError("choose at least one readout", field="readout")
    for r in chosen:
        if r not in known:
            raise InputError(f"not a readout of {name}; one of {', '.join(known)}", field="readout", value=r)
    times = _times(fields.get("times", ""), model)
    subjects = _integer(fields, "subjects", low=2, high=MAX_SUBJECTS) if fields.get("subjects") else DEFAULT_SUBJECTS
    seed = _integer(fields, "seed", low=0, high=2**32 - 1) if fields.get("seed") else 0
    request = ExplorerRequest(name, product.name, amount, start, every, count, chosen, times, subjects, seed)
    try:
        parse_regimen(request.regimen(), model)  # the regimen format's own checks (declared limits)
    except InputError as exc:
        # Its fields are the regimen file's (doses[1].amount); the form's are the last part (amount).
        field = (exc.field or "").rsplit(".", 1)[-1]
        raise InputError(exc.reason, field=field, value=exc.value) from None
    return request


@dataclass(frozen=True)
class Exploration:
    """The model side of one request: lines, bands and the differences at the declared times."""

    request: ExplorerRequest
    description: str
    product: Product
    treated: SimulationResult
    untreated: SimulationResult
    treated_bands: CohortResult
    untreated_bands: CohortResult
    comparisons: tuple[ComparisonResult, ...]
    notes: tuple[str, ...]
    calibrated: bool = False

    @property
    def subjects_used(self) -> int:
        """Virtual subjects in every band (drawn minus failed, the fewest of the band sets)."""
        used = [b.subjects - len(b.failed) for b in (self.treated_bands, self.untreated_bands)]
        used += [c.subjects - c.failed for c in self.comparisons]
        return min(used)

    def dose_label(self) -> str:
        """The regimen in words: amount and unit per joint, schedule."""
        r = self.request
        unit = vocab.DOSE_UNITS[self.product.unit].label
        when = (
            f"once on day {r.start:g}" if r.count == 1 else f"every {r.every:g} days x {r.count} from day {r.start:g}"
        )
        return f"{self.product.name.upper()} {r.amount:g} {unit} per joint {when}"

    def to_frame(self) -> pd.DataFrame:
        """Per declared time and readout: treated, untreated, difference, and its 5/50/95% band."""
        frames = []
        for c in self.comparisons:
            frame = c.to_frame().rename(columns={"a": "treated", "b": "untreated"})
            frames.append(frame.assign(time=c.at_time, time_unit=c.time_unit, subjects=c.subjects - c.failed))
        table = pd.concat(frames, ignore_index=True)
        table = table[table["readout"].isin(self.request.readouts)]
        columns = ["readout", "unit", "time", "time_unit", "treated", "untreated", "difference", "band_05",
                   "band_50", "band_95", "subjects"]  # fmt: skip
        order = {name: i for i, name in enumerate(self.request.readouts)}
        table = table.assign(_order=table["readout"].map(order)).sort_values(["_order", "time"], kind="stable")
        return table[columns].reset_index(drop=True)

    def to_csv(self) -> str:
        """:meth:`to_frame` as CSV, headed by the preset, regimen and seed (``#`` lines)."""
        r = self.request
        head = f"# preset {r.preset}; {self.dose_label()}; treated minus untreated; seed {r.seed}\n"
        return head + self.to_frame().to_csv(index=False, lineterminator="\n")

    def figure_svg(self, readout: str) -> bytes:
        """Treated and untreated over time: the report's subject (M1) as lines over 5-95% and 25-75% bands."""
        j = self.treated.readouts.index(readout)
        fig = Figure(figsize=(5.0, 3.1))
        ax = fig.subplots()
        for label, line, bands, colour in (
            ("untreated", self.untreated, self.untreated_bands, "#7a7a7a"),
            ("treated", self.treated, self.treated_bands, "#1f6f8b"),
        ):
            band = bands.band(readout)
            ax.fill_between(band.index, band[0.05], band[0.95], color=colour, alpha=0.12, linewidth=0)
            ax.fill_between(band.index, band[0.25], band[0.75], color=colour, alpha=0.25, linewidth=0)
            ax.plot(line.time, line.readout_values[0, :, j], label=label, linewidth=1.5, color=colour)
        for t in self.request.times:
            ax.axvline(t, color="#bbb", linewidth=0.8, linestyle=":")
        doses = sorted({d.time for d in self.treated.doses})
        ax.plot(doses, [0.0] * len(doses), linestyle="none", marker="^", color="#1f6f8b", markersize=5,
                transform=ax.get_xaxis_transform(), clip_on=False, label="dose")  # fmt: skip
        ax.set_xlabel(f"time ({self.treated.time_unit})", fontsize=8)
        ax.set_ylabel(self.treated.readout_units[j], fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3)
        fig.tight_layout()
        buffer = io.BytesIO()
        # Text as text and fixed ids, as the report's figures (report/_figures.py), and no date: small and
        # reproducible, so the same request draws the same bytes.
        with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()


@functools.lru_cache(maxsize=32)
def explore(request: ExplorerRequest) -> Exploration:
    """Simulate *request*: default-subject lines, cohort bands and :func:`~secretome.model.compare_times`.

    Results are cached per request (the presets are deterministic and the draws fixed by the seed).
    Warnings of the engines (failed subjects, solver messages) are kept in ``notes``.
    """
    fitted = calibrated_values(request.preset)
    model = preset(request.preset).with_values(**fitted)
    treated = parse_regimen(request.regimen(), model)
    untreated = model.with_doses(())
    grid = np.arange(0.0, model.t_end + 0.5, 1.0)
    grid = grid[grid <= model.t_end]
    with warnings.catch_warnings(record=True) as caught, tempfile.TemporaryDirectory() as folder:
        warnings.simplefilter("always")
        # compare() reads its regimen from a file (the CLI's contract): the same mapping, written as YAML.
        path = Path(folder) / "regimen.yaml"
        path.write_text(yaml.safe_dump(request.regimen()), encoding="utf-8")
        lines = [simulate(m, times=grid) for m in (treated, untreated)]
        bands = [cohort(m, subjects=request.subjects, seed=request.seed, times=grid) for m in (treated, untreated)]
        comparisons = compare_times(model, os.fspath(path), request.times, subjects=request.subjects,
                                    seed=request.seed)  # fmt: skip
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))
    description = dict(preset_lines())[request.preset]
    return Exploration(request, description, model.product(request.product), lines[0], lines[1], bands[0], bands[1],
                       comparisons, notes, calibrated=bool(fitted))  # fmt: skip


@dataclass(frozen=True)
class OutcomeEvidence:
    """The evidence for one readout's vocabulary outcome, by the report's rules.

    ``votes`` has ``study_id``, ``vote``, ``species`` and ``products`` (rule S3); ``pooled`` the Synthesis
    view's analyses of the outcome (rule S2); ``versus_model`` the report's "evidence versus model" rows for
    the readout (rule M6, from the shipped calibration of the bundled corpus).
    """

    readout: str
    outcome: str
    evidence_level: str
    product_class: str
    species: str | None
    votes: pd.DataFrame
    pooled: tuple[Analysis, ...]
    versus_model: pd.DataFrame

    @property
    def outcome_label(self) -> str:
        """The outcome's label in the vocabulary."""
        return vocab.OUTCOMES[self.outcome].label

    def counts(self, species: str | None = None) -> tuple[int, int, int]:
        """Studies voting benefit, harm and anything else (mixed, no difference, not stated), of *species*."""
        seen = self.votes if species is None else self.votes[self.votes["species"] == species]
        vote = seen["vote"]
        return int((vote == "benefit").sum()), int((vote == "harm").sum()), int((~vote.isin(["benefit", "harm"])).sum())


def _preset_species(name: str) -> str | None:
    """The vocabulary species of a joint preset, from its ``<species>-<induction>`` name; ``None`` otherwise."""
    prefix = name.split("-", 1)[0]
    return prefix if prefix in ORGANISMS and prefix in vocab.SPECIES else None


def outcome_evidence(
    studies: Sequence[Study], dataset: pd.DataFrame, exploration: Exploration
) -> dict[str, OutcomeEvidence]:
    """Per readout of *exploration*, the evidence for its outcome (see the module's docstring)."""
    species = _preset_species(exploration.request.preset)
    level = "clinical" if species == "human" else "animal"
    product_class = vocab.PRODUCTS[exploration.product.product].product_class
    votes = outcome_votes(dataset, level, product_class)
    of_study = {s.id: (s.population.species if s.population else None) for s in studies}
    votes = votes.assign(species=votes["study_id"].map(of_study))
    # The products of the rows each vote rests on (a class holds several: CM, EVs, exosomes...).
    rows = dataset[dataset["selected"]] if not dataset.empty else dataset
    products = rows.groupby(["study_id", "outcome"])["product"].agg(lambda p: tuple(sorted(set(p.dropna()))))
    keys = zip(votes["study_id"], votes["outcome"], strict=True)
    votes = votes.assign(products=[products.get(key, ()) for key in keys])
    choices = [c for c in analysis_choices(dataset) if (c.evidence_level, c.product_class) == (level, product_class)]
    directions = calibration_artefacts()["directions"]
    versus = evidence_versus_model(directions)
    out = {}
    for j, readout in enumerate(exploration.treated.readouts):
        if readout not in exploration.request.readouts:
            continue
        outcome = exploration.treated.readout_outcomes[j]
        # The random-effects analyses; a comparison of events between arms (RD) is in the Synthesis view.
        pooled = tuple(analyse(dataset, c.key) for c in choices if c.outcome == outcome and c.measure != "RD")
        rows = versus[versus["readout"] == readout].reset_index(drop=True) if not versus.empty else versus
        mine = votes[votes["outcome"] == outcome][["study_id", "vote", "species", "products"]].reset_index(drop=True)
        out[readout] = OutcomeEvidence(readout, outcome, level, product_class, species, mine, pooled, rows)
    return out
