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
from collections.abc import Callable, Iterable, Iterator, Sized
from concurrent.futures import Executor
from typing import Any, TypeVar

from secretome._progress import ProgressCallback, no_progress
from secretome.errors import InputError

__all__ = ["SCHEDULERS", "check_scheduler", "cluster_executor", "executor_workers", "map_in_order"]

T = TypeVar("T")
R = TypeVar("R")

SCHEDULERS = ("local", "processes")
"""The named schedulers; any ``tcp://`` (or ``tls://``) address names an existing cluster."""


def check_scheduler(scheduler: str) -> str:
    """*scheduler* if it is a named scheduler or a scheduler address, else an :class:`InputError`.

    >>> check_scheduler("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if scheduler in SCHEDULERS:
        return scheduler
    if not isinstance(scheduler, str) or not scheduler.startswith(("tcp://", "tls://")):
        raise InputError("is 'local', 'processes' or a Dask scheduler address (tcp://host:port)", field="scheduler",
                         value=scheduler)  # fmt: skip
    # Checked here, before any work: Dask itself only fails on a malformed address when it connects.
    host, _, port = scheduler.partition("://")[2].rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("a scheduler address is tcp://host:port with a port from 1 to 65535", field="scheduler",
                         value=scheduler)  # fmt: skip
    return scheduler


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
        import dask.config

        # Said before Dask starts its IO loop and connects (a thread that, on a loaded machine, took over the 10 s
        # Dask allows it to start, failing with an assertion instead of this line).
        no_tls = InputError("a tls:// scheduler needs Dask's TLS settings (distributed.comm.tls in the Dask config)",
                            field="scheduler", value=scheduler)  # fmt: skip
        if scheduler.startswith("tls://") and dask.config.get("distributed.comm.tls.ca-file", None) is None:
            raise no_tls
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(f"no Dask scheduler answers there ({exc})", field="scheduler", value=scheduler) from exc
        except TypeError as exc:  # tls:// with partial certificates: Dask still wants an SSL context
            raise no_tls from exc
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


def map_in_order(
    function: Callable[[T], R],
    items: Iterable[T],
    executor: Executor | None,
    *,
    progress: ProgressCallback | None = None,
    task: str = "tasks",
    size: Callable[[T], int] | None = None,
    total: int | None = None,
) -> Iterator[R]:
    """``function(item)`` for every item, here (*executor* ``None``) or on the cluster, yielded in item order.

    Here the items are taken one at a time (a generator of items is never held whole). On a cluster every
    item is submitted before the first result is awaited, so that all workers stay busy; the results come
    back in item order whatever order they finish in, so a caller combining them in that order gets the same
    result on every scheduler. *progress* hears ``(task, done, total)`` as each result arrives, counting
    ``size(item)`` (default 1) out of *total* (default the number of items, when known): the bar moves while
    the cluster works.

    >>> list(map_in_order(abs, [-2, 3, -1], None))
    [2, 3, 1]
    """
    report = progress or no_progress
    if executor is not None:
        items = list(items)
    if total is None and isinstance(items, Sized):
        total = sum(map(size, items)) if size is not None else len(items)
    report(task, 0, total)
    if executor is None:
        pairs: Iterator[tuple[T, R]] = ((item, function(item)) for item in items)
    else:
        futures = [(item, executor.submit(function, item)) for item in items]
        pairs = ((item, future.result()) for item, future in futures)
    done = 0
    for item, result in pairs:
        done += 1 if size is None else size(item)
        report(task, done, total)
        yield result
