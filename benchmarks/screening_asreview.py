"""Active-learning screening: secretome's default against ASReview LAB's default on the same labelled sets.

Usage: python benchmarks/screening_asreview.py [--seeds 5] [--big 10000]
Needs ASReview in the same environment (``pip install asreview``; it pins an older rispy, so use a
separate virtual environment: see benchmarks/README.md).

For each labelled set in data/screening/ and each seed, both tools start from the same prior
knowledge (one included and one excluded record, drawn by ``secretome.evidence.draw_prior``) and
retrain after every decision until the last included record is found:

- ours: ``secretome.evidence.simulate_order`` with the default model (TF-IDF, linear SVM, query max);
- theirs: ``asreview.simulation.simulate.Simulate`` with ASReview's default AI (``get_ai_config()``,
  "ELAS u4": TF-IDF, SVM, balanced, query max), as its ``asreview simulate`` command builds it.

WSS@95 (Cohen et al. 2006) is computed from each tool's screening order by the same function; time
per retrain is the wall time of the simulation over the decisions it took (feature extraction
included once). ``--big N`` then times one retrain (fit + scores of all records) on N records made
by repeating the labelled sets' texts, with 1,000 of them labelled: the "under 1 s at 10,000 records"
check of issue 13. One JSON line per set, then one for the retrain at N.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from secretome.evidence import draw_prior, read_labelled, simulate_order, text_features, train_scores, wss

DATA = Path(__file__).parents[1] / "data" / "screening"


def _wss95(order_labels: np.ndarray, n_total: int) -> float:
    """WSS@95 of an order that stops at the last include (the records after it are all excludes)."""
    return wss(np.r_[order_labels, np.zeros(n_total - order_labels.size, dtype=int)], 0.95)


def _asreview(frame: pd.DataFrame, y: np.ndarray, prior: tuple[int, int]) -> tuple[np.ndarray, float, int]:
    from asreview.learner import ActiveLearningCycle
    from asreview.models import get_ai_config
    from asreview.simulation.simulate import Simulate

    cycle = ActiveLearningCycle.from_meta(get_ai_config()["value"])
    start = time.perf_counter()
    sim = Simulate(frame, y, [cycle], print_progress=False)
    sim.label(list(prior))
    sim.review()
    seconds = time.perf_counter() - start
    labels = sim._results["label"].to_numpy(dtype=int)[len(prior) :]
    return labels, seconds, labels.size


def _one_set(path: Path, seeds: range) -> dict:
    labelled = read_labelled(path)
    y = labelled.labels
    frame = pd.DataFrame({"title": labelled.titles, "abstract": labelled.abstracts})
    ours_wss, theirs_wss, ours_t, theirs_t = [], [], [], []
    for seed in seeds:
        prior = draw_prior(y, seed)
        start = time.perf_counter()
        features = text_features(labelled.titles, labelled.abstracts)
        order, _ = simulate_order(features, y, prior, seed=seed)
        labels = y[order]
        last = int(np.flatnonzero(labels)[-1]) + 1
        ours_t.append((time.perf_counter() - start) / last)
        ours_wss.append(_wss95(labels[:last], y.size - len(prior)))
        their_labels, seconds, n = _asreview(frame, y, prior)
        theirs_t.append(seconds / n)
        theirs_wss.append(_wss95(their_labels, y.size - len(prior)))
    return {
        "set": path.name,
        "records": int(y.size),
        "included": int(y.sum()),
        "seeds": len(seeds),
        "wss95_ours": round(statistics.mean(ours_wss), 4),
        "wss95_asreview": round(statistics.mean(theirs_wss), 4),
        "wss95_ours_each": [round(v, 4) for v in ours_wss],
        "wss95_asreview_each": [round(v, 4) for v in theirs_wss],
        "ms_per_retrain_ours": round(1000 * statistics.median(ours_t), 2),
        "ms_per_retrain_asreview": round(1000 * statistics.median(theirs_t), 2),
        "ratio_time_ours_over_theirs": round(statistics.median(ours_t) / statistics.median(theirs_t), 3),
    }


def _big_retrain(n: int, runs: int = 5) -> dict:
    from asreview.learner import ActiveLearningCycle
    from asreview.models import get_ai_config

    sets = [read_labelled(p) for p in sorted(DATA.glob("*.csv"))]
    titles = [t for s in sets for t in s.titles]
    abstracts = [a for s in sets for a in s.abstracts]
    labels = np.concatenate([s.labels for s in sets])
    reps = int(np.ceil(n / len(titles)))
    # Repeated texts get a number so that the copies are distinct records.
    titles = [f"{t} {k}" for k in range(reps) for t in titles][:n]
    abstracts = (abstracts * reps)[:n]
    y = np.tile(labels, reps)[:n]
    rng = np.random.default_rng(0)
    labelled = np.r_[rng.choice(np.flatnonzero(y == 1), 50, replace=False),
                     rng.choice(np.flatnonzero(y == 0), 950, replace=False)]  # fmt: skip
    features = text_features(titles, abstracts)
    ours = []
    for _ in range(runs):
        start = time.perf_counter()
        train_scores(features, labelled, y[labelled])
        ours.append(time.perf_counter() - start)
    cycle = ActiveLearningCycle.from_meta(get_ai_config()["value"])
    matrix = cycle.transform(pd.DataFrame({"title": titles, "abstract": abstracts}))
    theirs = []
    for _ in range(runs):
        start = time.perf_counter()
        cycle.fit(matrix[labelled], y[labelled])
        cycle.rank(matrix)
        theirs.append(time.perf_counter() - start)
    return {
        "retrain_records": n,
        "labelled": int(labelled.size),
        "seconds_ours": round(statistics.median(ours), 4),
        "seconds_asreview": round(statistics.median(theirs), 4),
        "ratio_ours_over_theirs": round(statistics.median(ours) / statistics.median(theirs), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--big", type=int, default=10_000)
    args = parser.parse_args()
    import asreview

    machine = {"python": platform.python_version(), "asreview": asreview.__version__, "machine": platform.machine()}
    for path in sorted(DATA.glob("*.csv")):
        print(json.dumps({**_one_set(path, range(args.seeds)), **machine}), flush=True)
    print(json.dumps({**_big_retrain(args.big), **machine}), flush=True)


if __name__ == "__main__":
    main()
