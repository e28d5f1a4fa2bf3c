"""The workbench's Model explorer: one request's server time, beside the model calls it makes, timed.

Usage: python benchmarks/serve_model.py [--subjects 20 50 200] [--runs 3]

The explorer is served in read-only mode over the bundled corpus through Starlette's test client. Each
request is the review's rat protocol (conditioned medium 30 ug per joint weekly x 5 on ``rat-mia``), four
readouts, three days to compare, at each band size; every run uses a new seed, so nothing is answered from
the view's cache. Beside it, the same work called directly on :mod:`secretome.model` (two default-subject
simulations, two cohorts and one ``compare_times`` over the three days): the ratio view / model is what the page adds
(evidence, figures, template). Medians of --runs runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from starlette.testclient import TestClient

from secretome.model import cohort, compare_times, parse_regimen, preset, simulate
from secretome.serve import ServeSettings, create_app

FORM = {"preset": "rat-mia", "product": "cm", "amount": "30", "start": "7", "every": "7", "count": "5",
        "times": "30, 60, 120", "readout": ["aggrecan", "collagen_ii", "chondrocytes", "il1b"]}  # fmt: skip
REGIMEN = {"doses": [{"product": "cm", "amount": 30.0, "start": 7.0, "every": 7.0, "count": 5}]}


def _model_calls(subjects: int, seed: int, path: Path) -> float:
    start = time.perf_counter()
    model = preset("rat-mia")
    treated = parse_regimen(REGIMEN, model)
    days = np.arange(0.0, 121.0)
    for arm in (treated, model.with_doses(())):
        simulate(arm, times=days)
        cohort(arm, subjects=subjects, seed=seed, times=days)
    compare_times(model, path, [30.0, 60.0, 120.0], subjects=subjects, seed=seed)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[20, 50, 200])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = create_app(ServeSettings(db=None))
    seed = 1000
    rows = []
    with TestClient(app) as client, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "regimen.yaml"
        path.write_text(json.dumps(REGIMEN))  # JSON is YAML
        client.get("/model")  # warm-up: imports, the analysis dataset, the first model build
        for n in args.subjects:
            view, direct = [], []
            for _ in range(args.runs):
                seed += 1
                start = time.perf_counter()
                response = client.get("/model", params={**FORM, "subjects": n, "seed": seed})
                view.append(time.perf_counter() - start)
                if 'id="explorer-error"' in response.text or response.status_code != 200:
                    raise SystemExit(f"the view failed at subjects={n}")
                seed += 1
                direct.append(_model_calls(n, seed, path))
            rows.append((n, statistics.median(view), statistics.median(direct)))
    print(f"{platform.machine()}, Python {platform.python_version()}; medians of {args.runs} runs")
    print(f"{'subjects':>9} {'view (s)':>9} {'model calls (s)':>16} {'view / model':>13}")
    for n, v, d in rows:
        print(f"{n:>9} {v:>9.2f} {d:>16.2f} {v / d:>13.2f}")


if __name__ == "__main__":
    main()
