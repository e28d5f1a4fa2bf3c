"""What ``secretome serve`` was started with."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from secretome._login import login_name
from secretome.errors import InputError

__all__ = ["ServeSettings"]

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class ServeSettings:
    """The store, the mode and the network address of a workbench.

    Attributes
    ----------
    db : str or None
        Store URL; ``None`` serves the bundled corpus from memory, read-only.
    read_only : bool
        Serve the living review with no write route at all.
    host, port : str, int
        Where to listen; loopback unless told otherwise.
    reviewer : str
        Local mode's one user (the name on its screening decisions).
    order : str
        The screening priority (:data:`secretome.serve.PRIORITIES`).
    secure_cookies : bool
        Mark cookies ``Secure`` (browsers send them only over HTTPS or to loopback).
    """

    db: str | None = None
    read_only: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    reviewer: str = ""
    order: str = "ranked"
    secure_cookies: bool = True

    def __post_init__(self) -> None:
        if not self.reviewer:
            object.__setattr__(self, "reviewer", login_name())
        if self.db is None:
            object.__setattr__(self, "read_only", True)
        if self.mode == "local" and self.host not in _LOOPBACK and not self.read_only:
            # A SQLite store has no accounts: anyone who reaches the port could write.
            raise InputError(
                "a SQLite store has no sign-in, so it is served on loopback only; use PostgreSQL for a team",
                field="host",
                value=self.host,
            )

    @property
    def mode(self) -> str:
        """``read_only``, ``team`` (PostgreSQL: sign-in required) or ``local`` (SQLite: one user)."""
        if self.read_only:
            return "read_only"
        try:
            backend = sa.make_url(self.db).get_backend_name() if self.db else "sqlite"
        except sa.exc.ArgumentError:  # open_store names the bad URL
            backend = "sqlite"
        return "local" if backend == "sqlite" else "team"
