"""What the side-by-side benchmarks against metafor share.

Both tools must fit the same doubles (the data go to R as ``%.17g``), R is timed inside R (start-up
and loading excluded) and Python after one warm-up fit, each as the median of several runs, and each
script prints one JSON line with the ratio ours / theirs.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import numpy as np

T = TypeVar("T")

SEED = 2026


def simulated_studies(k: int, *, moderators: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """vi ~ U(0.01, 0.5), x ~ N(0, 1) (k x moderators), yi ~ N(0.3 + 0.1 x1, vi + 0.1); seed 2026."""
    rng = np.random.default_rng(SEED)
    vi = rng.uniform(0.01, 0.5, k)
    x = rng.normal(size=(k, moderators))
    yi = rng.normal(0.3 + (0.1 * x[:, 0] if moderators else 0.0), np.sqrt(vi + 0.1))
    return yi, vi, x


def rscript(
    code: str, data: Mapping[str, np.ndarray], *args: object, result_csv: bool = False
) -> tuple[list[str], np.ndarray | None]:
    """Run *code* with ``Rscript code.R data.csv ARGS... [result.csv]``; return its stdout words and,
    with *result_csv*, the CSV it wrote (a structured array)."""
    with tempfile.TemporaryDirectory() as tmp:
        csv, script, result = Path(tmp) / "data.csv", Path(tmp) / "bench.R", Path(tmp) / "result.csv"
        rows = zip(*data.values(), strict=True)
        csv.write_text(",".join(data) + "\n" + "".join(",".join(f"{v:.17g}" for v in row) + "\n" for row in rows))
        script.write_text(code)
        command = ["Rscript", str(script), str(csv), *map(str, args), *([str(result)] if result_csv else [])]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        table = np.genfromtxt(result, delimiter=",", names=True) if result_csv else None
    return out, table


def median_seconds(fit: Callable[[int], T], runs: int) -> tuple[float, T]:
    """Median wall time of ``fit(run)`` over *runs* runs after one warm-up; and the last result."""
    fit(0)
    times = []
    for run in range(runs):
        start = time.perf_counter()
        result = fit(run)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def report(benchmark: str, r_seconds: float, py_seconds: float, metafor: str, **fields: object) -> None:
    """Print the one JSON line: the case, both times, ours / theirs, versions and machine."""
    line = {
        "benchmark": benchmark,
        **fields,
        "metafor_seconds": r_seconds,
        "secretome_seconds": py_seconds,
        "ratio_ours_over_theirs": py_seconds / r_seconds,
        "metafor": metafor,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(line))
