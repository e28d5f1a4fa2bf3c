"""The workbench: the living review as a web application over the evidence store (``secretome serve``).

A face beside the CLI (DESIGN.md): server-rendered HTML (Starlette, Jinja2) with htmx vendored in
the package, so it installs with pip and works offline. It only calls ``evidence``, ``report``,
``meta`` and ``model``.
"""

from secretome.serve._app import create_app
from secretome.serve._priority import (
    DEFAULT_PRIORITY,
    PRIORITIES,
    CachedPriority,
    Priority,
    QueueOrder,
    active_learning_order,
    store_order,
)
from secretome.serve._run import run_server
from secretome.serve._settings import ServeSettings

__all__ = [
    "DEFAULT_PRIORITY",
    "PRIORITIES",
    "CachedPriority",
    "Priority",
    "QueueOrder",
    "ServeSettings",
    "active_learning_order",
    "create_app",
    "run_server",
    "store_order",
]
