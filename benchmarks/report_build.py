"""Whole-process time of `secretome report` on the bundled corpus, and its synthesis beside metafor.

Usage: python benchmarks/report_build.py [--runs 3]

``secretome report --out DIR`` runs once to warm the file cache, then --runs times; the median, min
and max wall times of the whole process are printed (the issue's budget: 30 s on 2 cores). No other
tool builds this report, so the side-by-side part is its synthesis: the pooled analyses computed
from the report's own analysis.csv by secretome (``pool_outcomes``, with sensitivity refits) and by
metafor (``Rscript tools/report_reference.R``, whole process), each the median of --runs runs.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from secretome.evidence import load_corpus
from secretome.report import analysis_dataset
from secretome.report._synthesis import pool_outcomes

REFERENCE = Path(__file__).parents[1] / "tools" / "report_reference.R"


def _stats(times: list[float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in {"median_s": statistics.median(times), "min_s": min(times),
                                        "max_s": max(times)}.items()}  # fmt: skip


def _time_process(command: list[str], runs: int) -> dict[str, float]:
    subprocess.run(command, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return _stats(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # The interpreter's own entry point first: a `secretome` earlier on PATH may be another install.
    beside = Path(sys.executable).with_name("secretome")
    secretome = str(beside) if beside.exists() else shutil.which("secretome") or "secretome"
    with tempfile.TemporaryDirectory() as folder:
        report = _time_process([secretome, "report", "--out", str(Path(folder) / "report")], args.runs)
        dataset = analysis_dataset(load_corpus().studies)
        csv = Path(folder) / "analysis.csv"
        dataset.to_csv(csv, index=False)
        pool_outcomes(dataset)  # warm-up
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            ours = pool_outcomes(dataset)
            times.append(time.perf_counter() - start)
        theirs = _time_process(["Rscript", str(REFERENCE), str(csv), str(Path(folder) / "pooled.csv")], args.runs)
        reference = pd.read_csv(Path(folder) / "pooled.csv")
    if len(reference) != len(ours):
        raise SystemExit(f"analyses differ: secretome {len(ours)}, metafor {len(reference)}")
    synthesis = _stats(times)
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, Python {platform.python_version()}",
                "report_whole_process": report,
                "analyses": len(ours),
                "synthesis_secretome": synthesis,
                "synthesis_metafor_whole_process": theirs,
                "synthesis_ours_over_theirs": round(synthesis["median_s"] / theirs["median_s"], 4),
            }
        )
    )


if __name__ == "__main__":
    main()
