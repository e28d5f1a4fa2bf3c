"""Where heavy work runs: the same virtual cohort in this process, on a local Dask cluster, and on a real
scheduler with two worker processes on 127.0.0.1, one of which is killed mid-run."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from secretome._scheduler import check_scheduler
from secretome.errors import InputError
from secretome.model import cohort, preset

DASK = Path(sys.executable).with_name("dask")


def test_a_scheduler_is_named_or_an_address():
    assert check_scheduler("local") == "local"
    assert check_scheduler("tcp://127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    with pytest.raises(InputError, match=r"field 'scheduler': is 'local', 'processes' or a Dask scheduler address"):
        check_scheduler("cluster")


def test_a_cluster_runs_the_compiled_solver_only():
    with pytest.raises(InputError, match="compiled solver only"):
        cohort(preset("rat-mia"), subjects=4, t_end=7.0, simulator="scipy", scheduler="processes")


def test_a_local_cluster_gives_the_same_bands_bit_for_bit():
    # The draws are made before any chunk runs and chunks are summarised in order: bit-identical bands.
    model = preset("rat-mia")
    here = cohort(model, subjects=150, t_end=28.0, seed=3)
    there = cohort(model, subjects=150, t_end=28.0, seed=3, scheduler="processes", workers=2)
    assert np.array_equal(here.bands, there.bands, equal_nan=True)
    assert here.failed == there.failed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_workers(address: str, n: int) -> None:
    from dask.distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=60)


@pytest.mark.slow
def test_a_real_cluster_survives_a_killed_worker_and_gives_the_local_result(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = {"cwd": tmp_path, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **common
    )
    workers = [
        subprocess.Popen(
            [str(DASK), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
            **common,
        )
        for _ in range(2)
    ]
    try:
        _wait_for_workers(address, 2)
        killed: list[int] = []

        def kill_one(task: str, done: int, total: int) -> None:
            # After the first chunk is back, one worker dies with the chunks it holds.
            if done and not killed:
                workers[0].send_signal(signal.SIGKILL)
                killed.append(done)

        model = preset("rat-mia")
        there = cohort(model, subjects=640, seed=5, scheduler=address, progress=kill_one)
        assert killed
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        here = cohort(model, subjects=640, seed=5)
        assert np.array_equal(here.bands, there.bands, equal_nan=True)
        assert here.failed == there.failed
    finally:
        for process in (*workers, scheduler):
            process.kill()
            process.wait(timeout=10)
        time.sleep(0.1)


def test_gosh_on_a_local_cluster_equals_gosh_here():
    from secretome.meta import gosh

    rng = np.random.default_rng(7)
    yi, vi = rng.normal(0.3, 0.3, 20), rng.uniform(0.01, 0.1, 20)
    # 150,000 random subsets (drawn before any fit), fitted in three batches on two workers.
    here = gosh(yi, vi, method="DL", subsets=150_000, seed=1)
    seen: list[tuple[str, int, int | None]] = []
    there = gosh(
        yi, vi, method="DL", subsets=150_000, seed=1, scheduler="processes", progress=lambda *a: seen.append(a)
    )
    for field in ("estimate", "tau2", "I2", "Q"):
        assert np.array_equal(getattr(here, field), getattr(there, field), equal_nan=True), field
    # The bar moves as each batch comes back from the cluster: 65,536 subsets per batch.
    assert seen == [("gosh", n, 150_000) for n in (0, 65_536, 131_072, 150_000)]


def test_sensitivity_on_a_local_cluster_gives_the_same_indices():
    from secretome.model import sensitivity

    model = preset("rat-mia")
    here = sensitivity(model, method="morris", samples=4, at_time=14.0, seed=2)
    seen: list[tuple[str, int, int | None]] = []
    there = sensitivity(model, method="morris", samples=4, at_time=14.0, seed=2, scheduler="processes", workers=2,
                        progress=lambda *a: seen.append(a))  # fmt: skip
    assert here.to_frame().equals(there.to_frame())
    # The bar moves as chunks come back from the workers, and ends at every model run.
    assert len(seen) >= 3
    assert seen[0][1] == 0
    assert seen[-1][1] == seen[-1][2]


def test_a_permutation_test_on_a_local_cluster_gives_the_same_p_values():
    from secretome.meta import permutation_test

    rng = np.random.default_rng(11)
    yi, vi, x = rng.normal(0.3, 0.3, 12), rng.uniform(0.01, 0.1, 12), rng.normal(size=12)
    # 3,000 random permutations in several batches, drawn here and refitted on two workers.
    here = permutation_test(yi, vi, x, method="DL", iter=3000, seed=4)
    seen: list[tuple[str, int, int | None]] = []
    there = permutation_test(yi, vi, x, method="DL", iter=3000, seed=4, scheduler="processes",
                             progress=lambda *a: seen.append(a))  # fmt: skip
    assert (here.pval, here.QM_pval, here.failed) == (there.pval, there.QM_pval, there.failed)
    assert seen == [("permutations", n, 3000) for n in (0, 2048, 3000)]


def test_calibrate_on_a_local_cluster_gives_the_same_fit():
    from secretome.model import Model, Parameter, Process, Readout, Species, calibrate

    # x' = k_in - k_out x; six starts and four profile sides, each a task on one of two workers.
    model = Model("inflow", "zero-order input, first-order clearance", "day", [Species("x", 0.0, "ng", "drug")],
                  [Parameter("k_in", 1.0, "ng/day", "input", assumed=True, prior=(0.1, 10.0)),
                   Parameter("k_out", 1.0, "1/day", "clearance", assumed=True, prior=(0.05, 5.0))],
                  [Process("input", "k_in", {"x": 1}), Process("clearance", "k_out*x", {"x": -1})],
                  readouts=[Readout("level", "x", "ng", "gag_content", "x itself")], t_end=10.0)  # fmt: skip
    times = np.array([0.5, 1, 2, 4, 6, 10.0])
    noisy = 4 * (1 - np.exp(-0.5 * times)) + np.random.default_rng(3).normal(0, 0.1, times.size)
    data = pd.DataFrame({"observable": "level", "time": times, "value": noisy, "noise_sd": 0.1})
    here = calibrate(model, data, parameters=["k_in", "k_out"], starts=6, seed=8)
    seen: list[tuple[str, int, int | None]] = []
    there = calibrate(model, data, parameters=["k_in", "k_out"], starts=6, seed=8, scheduler="processes", workers=2,
                      progress=lambda *a: seen.append(a))  # fmt: skip
    # Bit for bit: the same starting points, each fit run whole by one process.
    assert here.to_dict() == there.to_dict()
    # Progress per start and per profile side, as each comes back from the cluster.
    assert seen == [("calibrate", n, 6) for n in range(7)] + [("profile", n, 4) for n in range(5)]
    assert here.at_best >= 2
