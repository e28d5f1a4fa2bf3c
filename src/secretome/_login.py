"""Who runs secretome on this machine: the name on what a command changes when nobody signed in.

The local workbench (``secretome serve`` on SQLite) screens under this name, and ``evidence import``
records it in the audit log unless told another (``--by``).
"""

from __future__ import annotations

import getpass

__all__ = ["login_name"]


def login_name() -> str:
    """The login name of this process (at most 80 characters, the audit log's), or ``local`` when it has none."""
    try:
        return getpass.getuser()[:80] or "local"
    except (KeyError, OSError):  # no user name in the environment or password database
        return "local"
