"""Every scheduler-aware workload in this process and on a local Dask cluster of 1 and 2 worker processes.

Usage:
    python benchmarks/scale_out.py [--runs 3] [--only cohort,sensitivity,gosh,permutest,calibrate]
    python benchmarks/scale_out.py --million [--workers 2]

The first form times each workload (a virtual cohort, a Morris sensitivity analysis, GOSH, a permutation
test and a multi-start calibration) in this process ("local") and on an already running LocalCluster of 1
and of 2 single-threaded worker processes on 127.0.0.1, passed by address as a user passes an existing
cluster; the cluster's start-up is timed once, apart. One warm-up run per configuration (the workers load
the compiled solver), then the median of --runs runs. The script fails unless every configuration gives
the same result bit for bit.

The second form runs one cohort of 10^6 subjects of rat-mia end to end on a LocalCluster of --workers
processes and reports its wall time and peak memory: the maximum resident set size of this process and of
each worker (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which Linux reports in kB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable

import dask
import numpy as np
import pandas as pd
from dask.distributed import Client, LocalCluster

from secretome.meta import gosh, permutation_test
from secretome.model import calibrate, cohort, preset, sensitivity, simulate

MODEL = preset("rat-mia")


def _cohort(scheduler: str) -> object:
    return cohort(MODEL, subjects=1000, seed=1, scheduler=scheduler).bands


def _sensitivity(scheduler: str) -> object:
    # Morris, 6 trajectories of the 77 assumed parameters: 468 model runs to day 28.
    return sensitivity(MODEL, method="morris", samples=6, at_time=28.0, seed=1, scheduler=scheduler).to_frame()


_RNG = np.random.default_rng(2026)
_YI, _VI = _RNG.normal(0.3, 0.4, 30), _RNG.uniform(0.01, 0.2, 30)
_X = _RNG.normal(size=30)


def _gosh(scheduler: str) -> object:
    # k = 17: all 131,071 subsets, REML (Fisher scoring on every subset), in 2 batches of 65,536.
    res = gosh(_YI[:17], _VI[:17], method="REML", scheduler=scheduler)
    return np.column_stack([res.estimate, res.tau2, res.I2])


def _permutest(scheduler: str) -> object:
    # k = 30, one moderator, REML: 20,000 random permutations in 10 batches.
    res = permutation_test(_YI, _VI, _X, method="REML", iter=20_000, seed=1, scheduler=scheduler)
    return (res.pval, res.QM_pval, res.failed)


_TIMES = [14.0, 28.0, 56.0, 84.0, 120.0]
_DATA = pd.DataFrame({
    "observable": "aggrecan", "time": _TIMES, "noise_sd": 1.0,
    "value": simulate(MODEL.with_values(k_G=0.1), times=[0.0, *_TIMES]).readout_series("aggrecan")[1:],
})  # fmt: skip


def _calibrate(scheduler: str) -> object:
    # k_G refitted to rat-mia's own simulation: 4 starts, then 2 profile sides, one task each.
    return calibrate(MODEL, _DATA, parameters=["k_G"], starts=4, seed=1, scheduler=scheduler).to_dict()


WORKLOADS: dict[str, Callable[[str], object]] = {
    "cohort": _cohort,
    "sensitivity": _sensitivity,
    "gosh": _gosh,
    "permutest": _permutest,
    "calibrate": _calibrate,
}


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)  # type: ignore[arg-type]
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    return a == b


def _timed(run: Callable[[str], object], scheduler: str, runs: int) -> tuple[float, object]:
    run(scheduler)  # warm-up: the workers load the compiled solver
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = run(scheduler)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _cluster(workers: int) -> tuple[LocalCluster, float]:
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)  # fmt: skip
    return cluster, time.perf_counter() - start


def compare(names: list[str], runs: int) -> dict[str, object]:
    medians: dict[str, dict[str, float]] = {name: {} for name in names}
    results: dict[str, dict[str, object]] = {name: {} for name in names}
    for name in names:
        medians[name]["local"], results[name]["local"] = _timed(WORKLOADS[name], "local", runs)
    startup = {}
    for workers in (1, 2):
        cluster, startup[workers] = _cluster(workers)
        try:
            for name in names:
                key = f"{workers} worker{'s' if workers > 1 else ''}"
                medians[name][key], results[name][key] = _timed(WORKLOADS[name], cluster.scheduler_address, runs)
        finally:
            cluster.close()
    for name in names:
        first = results[name]["local"]
        if not all(_same(first, other) for other in results[name].values()):
            raise SystemExit(f"{name}: the schedulers disagree")
    return {
        "median_s": {n: {k: round(v, 3) for k, v in m.items()} for n, m in medians.items()},
        "2_workers_over_1": {n: round(m["2 workers"] / m["1 worker"], 2) for n, m in medians.items()},
        "cluster_startup_s": {f"{w} workers": round(t, 2) for w, t in startup.items()},
    }


def _every_tenth(task: str, done: int, total: int | None) -> None:
    # A long run: say on stderr how far it is, every 10% of the subjects.
    if total and done * 10 // total != (done - 64) * 10 // total:
        print(f"{time.strftime('%H:%M:%S')} {task} {done}/{total}", file=sys.stderr, flush=True)


def million(workers: int) -> dict[str, object]:
    cluster, _ = _cluster(workers)
    try:
        with Client(cluster) as client:
            start = time.perf_counter()
            res = cohort(MODEL, subjects=1_000_000, seed=1, scheduler=cluster.scheduler_address, progress=_every_tenth)
            wall = time.perf_counter() - start
            worker_kb = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    finally:
        cluster.close()
    return {
        "subjects": res.subjects,
        "failed": len(res.failed),
        "wall_s": round(wall, 1),
        "peak_rss_mb": {"this process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                        **{f"worker {i + 1}": round(kb / 1024) for i, kb in enumerate(worker_kb.values())}},
        "notes": list(res.notes),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, dask {dask.__version__}"
    )
    out = million(args.workers) if args.million else compare(args.only.split(","), args.runs)
    print(json.dumps({"machine": machine, **out}, indent=1))


if __name__ == "__main__":
    main()
