"""Simulated screening of a labelled set, and the metrics the screening literature reports.

A simulation replays a review whose decisions are known: from prior knowledge (one included and one
excluded record drawn per seed), the model of :mod:`secretome.evidence` ranks the rest, the top
record is "screened" (its known label revealed), the model retrains, and so on until every included
record is found; the remaining records follow in the last model's order. Over the resulting order:

- **WSS@r** (work saved over sampling at recall r; Cohen et al. 2006 [1]_): the share of records not
  screened when recall r is reached, minus the ``1 - r`` that random screening saves.
- **RRF@p** (relevant records found after screening p % of the records; ASReview [2]_).
- **ATD** (average time to discovery; Ferdinands et al. 2023 [3]_): the mean number of records
  screened to find each included record, as a share of all records.

Prior records are left out of every metric (they were known before screening), as in ASReview's
insights. Checked by hand on small orders in ``tests/evidence/test_simulation.py``.

References
----------
.. [1] Cohen AM, Hersh WR, Peterson K, Yen PY (2006). Reducing workload in systematic review
   preparation using automated citation classification. JAMIA 13(2):206-219.
   https://doi.org/10.1197/jamia.M1929
.. [2] van de Schoot R, de Bruin J, Schram R, et al. (2021). An open source machine learning
   framework for efficient and transparent systematic reviews. Nature Machine Intelligence 3:125-133.
   https://doi.org/10.1038/s42256-020-00287-7
.. [3] Ferdinands G, Schram R, de Bruin J, et al. (2023). Performance of active learning models for
   screening prioritization in systematic reviews: a simulation study into the Average Time to
   Discover relevant records. Systematic Reviews 12:100. https://doi.org/10.1186/s13643-023-02257-7
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from secretome._files import atomic_write_bytes, atomic_write_files
from secretome._progress import ProgressCallback, track
from secretome._result import Result
from secretome.errors import InputError
from secretome.evidence._ranking import (
    CLASSIFIERS,
    QUERY_STRATEGIES,
    Classifier,
    QueryStrategy,
    next_records,
    text_features,
    train_scores,
)
from secretome.evidence._stopping import STOPPING_RULES, first_stop

__all__ = [
    "LabelledSet",
    "SimulationResult",
    "SimulationRun",
    "atd",
    "draw_prior",
    "read_labelled",
    "rrf",
    "simulate_order",
    "simulate_screening",
    "write_simulation",
    "wss",
]

# Column names that hold the label, in the order they are looked for (ASReview reads the same names).
_LABEL_COLUMNS = ("included", "label_included", "final_included", "included_label", "label", "asreview_label")


def wss(labels_in_order: np.ndarray, recall: float = 0.95) -> float:
    """Work saved over sampling at ``recall`` (Cohen et al. 2006) for labels in screening order.

    >>> wss(np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), recall=1.0)  # both found after 2 of 10
    0.8
    """
    y = np.asarray(labels_in_order, dtype=int)
    n_needed = int(np.ceil(recall * y.sum()))
    n_screened = int(np.searchsorted(np.cumsum(y), n_needed) + 1)
    return float((y.size - n_screened) / y.size - (1.0 - recall))


def rrf(labels_in_order: np.ndarray, percent: float = 10.0) -> float:
    """Share of included records found after screening ``percent`` % of the records (ASReview's RRF).

    >>> rrf(np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]), percent=10)
    0.5
    """
    y = np.asarray(labels_in_order, dtype=int)
    n = int(np.ceil(percent / 100.0 * y.size))
    return float(y[:n].sum() / y.sum())


def atd(labels_in_order: np.ndarray) -> float:
    """Average time to discovery (Ferdinands et al. 2023) as a share of the records.

    The time to discover an included record is the number of records screened up to and including
    it; ATD averages it over the included records and divides by the number of records.

    >>> atd(np.array([1, 0, 0, 1]))  # found at 1 and at 4 of 4
    0.625
    """
    y = np.asarray(labels_in_order, dtype=int)
    return float(np.mean(np.flatnonzero(y) + 1) / y.size)


def simulate_order(
    features,
    y: np.ndarray,
    prior: Sequence[int],
    *,
    classifier: Classifier = "svm",
    query_strategy: QueryStrategy = "max",
    seed: int = 0,
    batch: int = 1,
) -> tuple[np.ndarray, float]:
    """Replay active learning on known labels; the array core of :func:`simulate_screening`.

    Parameters
    ----------
    features : sparse matrix
        Features, one row per record.
    y : array of {0, 1}
        Known labels.
    prior : sequence of int
        Rows screened before the model starts (at least one of each label).
    batch : int
        Records screened between two retrainings (1: retrain after every decision).

    Returns
    -------
    order : numpy.ndarray
        Every row once, in screening order after the prior rows (the priors are not in it).
    seconds_per_retrain : float
        Mean wall time of one retraining and re-scoring.
    """
    y = np.asarray(y, dtype=int)
    rng = np.random.default_rng(seed)
    is_labelled = np.zeros(y.size, dtype=bool)
    is_labelled[list(prior)] = True
    labelled = list(prior)
    order: list[int] = []
    n_left = int(y.sum() - y[list(prior)].sum())
    times = []
    while True:
        start = time.perf_counter()
        scores = train_scores(features, np.array(labelled), y[labelled], classifier=classifier, seed=seed)
        times.append(time.perf_counter() - start)
        unlabelled = np.flatnonzero(~is_labelled)
        if n_left == 0 or unlabelled.size == 0:
            # Every included record is found: the rest follows the last model's order, as ASReview
            # ends its simulations at the last relevant record.
            rest = next_records(scores, unlabelled, unlabelled.size, query_strategy="max")
            order.extend(int(i) for i in rest)
            break
        picks = next_records(scores, unlabelled, batch, query_strategy=query_strategy, rng=rng)
        for i in picks:
            is_labelled[i] = True
            labelled.append(int(i))
            order.append(int(i))
            n_left -= int(y[i])
    return np.array(order, dtype=int), float(np.mean(times))


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """A labelled set read from a file: titles, abstracts, labels (1 = included) and what was changed."""

    file: str
    titles: tuple[str, ...]
    abstracts: tuple[str, ...]
    labels: np.ndarray
    notes: tuple[str, ...] = ()


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def read_labelled(path: str | Path) -> LabelledSet:
    """Read a labelled CSV (or RIS with labels) for simulation.

    A CSV needs ``title`` and, optionally, ``abstract`` columns, and a label column of 1/0
    (``included``, ``label_included``, ``final_included``, ``label`` or ``asreview_label``,
    as ASReview reads them). A RIS file carries the label in its ``N1`` note or keywords as
    ``ASReview_relevant`` / ``ASReview_irrelevant`` (ASReview's export).

    Records without abstract are screened on their title alone (stated in ``notes``); a record with
    neither title nor abstract, a missing label column, a label other than 0/1, or a set with only
    one class is an error that names the file, row and field.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError("no such file", file=name)
    if path.suffix.lower() in {".ris", ".txt"}:
        frame = _read_ris_labels(path)
    else:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"not a readable CSV ({str(exc).splitlines()[0]})", file=name) from None
        frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "title" not in frame.columns:
        raise InputError("needs a 'title' column", file=name, field="title")
    label_column = next((c for c in _LABEL_COLUMNS if c in frame.columns), None)
    if label_column is None:
        raise InputError(f"no label column (one of {', '.join(_LABEL_COLUMNS)})", file=name, field="included")
    raw_labels = [_text(v) for v in frame[label_column]]
    labels = np.zeros(len(raw_labels), dtype=int)
    for row, value in enumerate(raw_labels, start=2):  # row 1 is the header
        if value not in {"0", "1", "0.0", "1.0"}:
            raise InputError(
                "a label is 1 (included) or 0 (excluded)", file=name, row=row, field=label_column, value=value
            )
        labels[row - 2] = int(float(value))
    if labels.size < 3 or labels.sum() == 0 or labels.sum() == labels.size:
        raise InputError(
            f"a simulation needs included and excluded records (has {int(labels.sum())} included, "
            f"{int(labels.size - labels.sum())} excluded)",
            file=name,
            field=label_column,
        )
    titles = tuple(_text(v) for v in frame["title"])
    abstracts = tuple(_text(v) for v in frame["abstract"]) if "abstract" in frame.columns else ("",) * len(titles)
    for row, (t, a) in enumerate(zip(titles, abstracts, strict=True), start=2):
        if not t and not a:
            raise InputError("a record needs a title or an abstract", file=name, row=row, field="title", value="")
    notes = []
    n_title_only = sum(not a for a in abstracts)
    if n_title_only:
        notes.append(f"{n_title_only} of {len(titles)} records have no abstract and are screened on their title alone")
    return LabelledSet(name, titles, abstracts, labels, tuple(notes))


def _read_ris_labels(path: Path) -> pd.DataFrame:
    import rispy

    try:
        entries = rispy.load(path, encoding="utf-8")
    except Exception as exc:
        raise InputError(f"not a readable RIS file ({exc})", file=str(path)) from None
    rows = []
    for entry in entries:
        tags = " ".join([*entry.get("notes", []), *entry.get("keywords", [])]).lower()
        label = "1" if "asreview_relevant" in tags else "0" if "asreview_irrelevant" in tags else ""
        title = entry.get("title") or entry.get("primary_title") or ""
        rows.append({"title": title, "abstract": entry.get("abstract", ""), "included": label})
    return pd.DataFrame(rows, columns=["title", "abstract", "included"])


@dataclass(frozen=True, slots=True)
class SimulationRun:
    """One seed: its prior rows, the screening order after them and its metrics.

    ``knee_*`` and ``hypergeometric_*`` say where each stopping rule (:mod:`secretome.evidence._stopping`)
    first said stop, as the share of records screened by then and the true recall there; NaN when the
    rule never said stop before the end (``summary()`` prints "never").
    """

    seed: int
    prior: tuple[int, ...]
    wss95: float
    wss100: float
    rrf10: float
    atd: float
    seconds_per_retrain: float
    recall_curve: tuple[float, ...]
    knee_screened: float = float("nan")
    knee_recall: float = float("nan")
    hypergeometric_screened: float = float("nan")
    hypergeometric_recall: float = float("nan")


@dataclass(frozen=True, slots=True)
class SimulationResult(Result):
    """A simulation over several seeds. ``to_frame()`` has one row per seed; means in ``summary()``."""

    file: str
    n_records: int
    n_included: int
    classifier: str
    query_strategy: str
    runs: tuple[SimulationRun, ...]
    notes: tuple[str, ...] = field(default=())

    def mean(self, metric: str) -> float:
        """The mean of a metric of :class:`SimulationRun` over the seeds."""
        return float(np.mean([getattr(r, metric) for r in self.runs]))

    def summary(self) -> str:
        """Means (and ranges) over seeds of WSS@95, WSS@100, RRF@10, ATD and time per retrain.

        >>> run = SimulationRun(0, (0, 5), 0.5, 0.25, 0.75, 0.2, 0.002, (0.5, 1.0), 0.3, 1.0)
        >>> print(SimulationResult("a.csv", 10, 2, "svm", "max", (run,)).summary())
        Simulated screening of a.csv (10 records, 2 included; svm, query max; 1 seeds)
        metric                          mean     min     max
        WSS@95 (work saved at 95%)    0.5000  0.5000  0.5000
        WSS@100                       0.2500  0.2500  0.2500
        RRF@10 (found in first 10%)   0.7500  0.7500  0.7500
        ATD (mean time to discovery)  0.2000  0.2000  0.2000
        time per retrain (ms)         2.0000  2.0000  2.0000
        knee stop: share screened     0.3000  0.3000  0.3000
        knee stop: true recall        1.0000  1.0000  1.0000
        hypergeometric stop: share     never
        hypergeometric stop: recall    never
        """
        lines = [
            f"Simulated screening of {self.file} ({self.n_records} records, {self.n_included} included; "
            f"{self.classifier}, query {self.query_strategy}; {len(self.runs)} seeds)",
            f"{'metric':<30}{'mean':>6}  {'min':>6}  {'max':>6}",
        ]
        rows = [
            ("WSS@95 (work saved at 95%)", "wss95", 1.0),
            ("WSS@100", "wss100", 1.0),
            ("RRF@10 (found in first 10%)", "rrf10", 1.0),
            ("ATD (mean time to discovery)", "atd", 1.0),
            ("time per retrain (ms)", "seconds_per_retrain", 1000.0),
            ("knee stop: share screened", "knee_screened", 1.0),
            ("knee stop: true recall", "knee_recall", 1.0),
            ("hypergeometric stop: share", "hypergeometric_screened", 1.0),
            ("hypergeometric stop: recall", "hypergeometric_recall", 1.0),
        ]
        for label, name, scale in rows:
            values = np.array([getattr(r, name) for r in self.runs]) * scale
            stopped = values[np.isfinite(values)]
            if stopped.size == 0:
                lines.append(f"{label:<30}{'never':>6}")
                continue
            never = f"  (never in {values.size - stopped.size} seeds)" if stopped.size < values.size else ""
            lines.append(f"{label:<30}{stopped.mean():.4f}  {stopped.min():.4f}  {stopped.max():.4f}{never}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per seed: seed, the metrics and the time per retrain."""
        columns = ["seed", "wss95", "wss100", "rrf10", "atd", "seconds_per_retrain", "knee_screened", "knee_recall",
                   "hypergeometric_screened", "hypergeometric_recall"]  # fmt: skip
        return pd.DataFrame([[getattr(r, c) for c in columns] for r in self.runs], columns=columns)

    def plot(self, path: str | Path) -> Path:
        """Draw the recall curves (one per seed, and random screening) to a PNG, SVG or PDF file."""
        path = Path(path)
        return atomic_write_bytes(path, self._figure(path.suffix.lstrip(".") or "png"))

    def _figure(self, kind: str) -> bytes:
        import io

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4.5))
        for run in self.runs:
            curve = np.array(run.recall_curve)
            ax.plot(np.arange(1, curve.size + 1) / curve.size, curve, lw=1, label=f"seed {run.seed}")
        ax.plot([0, 1], [0, 1], ls="--", color="grey", label="random")
        ax.set_xlabel("share of records screened")
        ax.set_ylabel("recall (share of included records found)")
        ax.set_title(f"{Path(self.file).name}: {self.classifier}, query {self.query_strategy}")
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=kind, dpi=150)
        plt.close(fig)
        return buffer.getvalue()


def write_simulation(result: SimulationResult, folder: str | Path) -> list[Path]:
    """Write ``recall.png``, ``runs.csv`` (one row per seed) and ``simulation.json`` to *folder*, all or none."""
    import json

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError("is not a folder", file=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_files(
        {
            folder / "recall.png": result._figure("png"),
            folder / "runs.csv": result.to_frame().to_csv(index=False),
            folder / "simulation.json": json.dumps(result.to_dict(), indent=2),
        }
    )


def draw_prior(y: np.ndarray, seed: int) -> tuple[int, int]:
    """One included and one excluded row drawn with ``seed`` (the prior knowledge of a run)."""
    rng = np.random.default_rng(seed)
    return int(rng.choice(np.flatnonzero(y == 1))), int(rng.choice(np.flatnonzero(y == 0)))


def simulate_screening(
    data: LabelledSet | str | Path,
    *,
    classifier: Classifier = "svm",
    query_strategy: QueryStrategy = "max",
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    batch: int = 1,
    progress: ProgressCallback | None = None,
) -> SimulationResult:
    """Simulate active-learning screening of a labelled set over several seeds.

    Parameters
    ----------
    data : LabelledSet or path
        A labelled set, or a file for :func:`read_labelled`.
    classifier : {'svm', 'logistic', 'nb'}
    query_strategy : {'max', 'uncertainty', 'mixed'}
    seeds : sequence of int
        One run per seed; a seed draws the prior records (one included, one excluded) and seeds the model.
    batch : int
        Records screened between retrainings.
    progress : callable, optional
        ``progress(task, done, total)`` after each seed.

    Returns
    -------
    SimulationResult
        Per seed: WSS@95, WSS@100, RRF@10, ATD, time per retrain and the recall curve.
    """
    if classifier not in CLASSIFIERS:
        raise InputError(f"must be one of {', '.join(map(repr, CLASSIFIERS))}", field="classifier", value=classifier)
    if query_strategy not in QUERY_STRATEGIES:
        raise InputError(
            f"must be one of {', '.join(map(repr, QUERY_STRATEGIES))}", field="query_strategy", value=query_strategy
        )
    if not seeds:
        raise InputError("give at least one seed", field="seeds")
    labelled = data if isinstance(data, LabelledSet) else read_labelled(data)
    features = text_features(labelled.titles, labelled.abstracts)
    y = labelled.labels
    runs = []
    for seed in track(seeds, "simulated screening runs", progress, total=len(seeds)):
        prior = draw_prior(y, seed)
        order, per_retrain = simulate_order(
            features, y, prior, classifier=classifier, query_strategy=query_strategy, seed=seed, batch=batch
        )
        found = y[order]
        curve = np.cumsum(found) / found.sum()
        screened = np.r_[y[list(prior)], found]
        stops = []
        for rule in STOPPING_RULES:
            stop = first_stop(screened, rule)
            stops += [stop.screened / y.size, stop.found / y.sum()] if stop else [float("nan")] * 2
        runs.append(
            SimulationRun(
                int(seed),
                prior,
                wss(found, 0.95),
                wss(found, 1.0),
                rrf(found, 10.0),
                atd(found),
                per_retrain,
                tuple(float(c) for c in curve),
                *stops,
            )
        )
    return SimulationResult(
        labelled.file, int(y.size), int(y.sum()), classifier, query_strategy, tuple(runs), labelled.notes
    )
