"""Where heavy work runs: in this process, on a local Dask cluster of processes, or on an existing cluster.

``scheduler`` is ``"local"`` (default: this process, its own threads), ``"processes"`` (a Dask
``LocalCluster`` on 127.0.0.1 with one single-threaded worker per core) or the address of a running
Dask scheduler (``tcp://host:port``, e.g. one started by dask-jobqueue on Slurm). Dask is the
scheduler of the PyData ecosystem (Rocklin 2015, doi:10.25080/Majora-7b98e3ed-013); it is imported
only when a cluster is asked for, so start-up stays fast. Work is cut into chunks whose inputs are
fixed before any is submitted and whose results are combined in chunk order, so a result does not
depend on the scheduler or on the number of workers; a task lost with a worker is recomputed by
Dask on another worker.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

from secretome.errors import InputError

__all__ = ["SCHEDULERS", "check_scheduler", "cluster_executor", "executor_workers"]

SCHEDULERS = ("local", "processes")
"""The named schedulers; any ``tcp://`` (or ``tls://``) address names an existing cluster."""


def check_scheduler(scheduler: str) -> str:
    """*scheduler* if it is a named scheduler or a scheduler address, else an :class:`InputError`."""
    if scheduler in SCHEDULERS or scheduler.startswith(("tcp://", "tls://")):
        return scheduler
    raise InputError("is 'local', 'processes' or a Dask scheduler address (tcp://host:port)", field="scheduler",
                     value=scheduler)  # fmt: skip


@contextlib.contextmanager
def cluster_executor(scheduler: str, *, workers: int | None = None) -> Iterator[Executor | None]:
    """A Dask client for *scheduler* (``None`` for ``"local"``), closed (with its cluster) on exit.

    The client is a :class:`concurrent.futures.Executor` (``submit`` returns futures with ``result()``).
    """
    check_scheduler(scheduler)
    if scheduler == "local":
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # an optional dependency: say how to get it
        raise InputError("needs Dask: pip install 'secretome[dask]'", field="scheduler", value=scheduler) from exc
    cluster: Any = None
    if scheduler == "processes":
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)  # fmt: skip
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(f"no Dask scheduler answers there ({exc})", field="scheduler", value=scheduler) from exc
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def executor_workers(executor: Executor) -> int:
    """How many workers a cluster executor has now (at least 1)."""
    client = getattr(executor, "_client", None)
    if client is None:
        return 1
    return max(1, len(client.scheduler_info().get("workers", {})))
