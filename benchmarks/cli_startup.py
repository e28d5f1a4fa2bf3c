"""Whole-process time of `secretome --help` and `secretome meta small.csv`, beside R with metafor.

Usage: python benchmarks/cli_startup.py [--runs 10]

Each command runs once to warm the file cache, then --runs times; the median, min and max wall
times of the whole process (start-up, imports, work, exit) are printed, as hyperfine reports them,
with the median CPU time (user + system) of the process.
The meta case pools a 4-study table (REML) and is set beside ``Rscript -e`` loading metafor and
fitting ``rma()`` on the same table; the script fails unless both print the same estimate to 4
decimals. The issue's targets: --help under 0.5 s, meta under 1.5 s on 2 cores.

The same measurement with hyperfine (Debian package ``hyperfine``):
``hyperfine --warmup 1 --runs 10 'secretome --help' 'secretome meta small.csv --yi yi --vi vi'``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLE = "yi,vi\n0.10,0.010\n0.30,0.020\n0.20,0.015\n0.55,0.030\n"


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _time(command: list[str], runs: int) -> tuple[dict[str, float], str]:
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # warm-up
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _cpu_seconds()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        cpu.append(_cpu_seconds() - start_cpu)
    # CPU time (user + system) as well as wall time: on the shared machine other jobs stretch the wall
    # time of both sides several-fold, while the CPU a process spends changes much less.
    stats = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}
    stats["cpu_median_s"] = statistics.median(cpu)
    return {k: round(v, 4) for k, v in stats.items()}, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    secretome = shutil.which("secretome") or str(Path(sys.executable).with_name("secretome"))
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "small.csv"
        table.write_text(TABLE, encoding="utf-8")
        help_stats, _ = _time([secretome, "--help"], args.runs)
        meta_stats, ours = _time(
            [secretome, "meta", str(table), "--yi", "yi", "--vi", "vi", "--format", "json"], args.runs
        )
        script = f'suppressPackageStartupMessages(library(metafor)); d <- read.csv("{table}"); ' \
                 'cat(sprintf("%.4f\\n", coef(rma(yi, vi, data = d, method = "REML"))))'  # fmt: skip
        r_stats, theirs = _time(["Rscript", "-e", script], args.runs)
    estimate = f"{json.loads(ours)['estimate']:.4f}"
    if estimate != theirs.strip():
        raise SystemExit(f"estimates differ: secretome {estimate}, metafor {theirs.strip()}")
    print(
        json.dumps(
            {
                "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
                "runs": args.runs,
                "secretome --help": help_stats,
                "secretome meta small.csv": meta_stats,
                "Rscript metafor rma()": r_stats,
                "meta ours/theirs (median)": round(meta_stats["median_s"] / r_stats["median_s"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
