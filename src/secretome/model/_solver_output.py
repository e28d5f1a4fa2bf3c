"""What native solver code prints, collected so that a batch of runs warns once instead of once per subject.

SUNDIALS (CVODE, inside libroadrunner) writes its messages from C to the process's file descriptors, past
Python's ``sys.stdout`` and logging: a warning such as "Internal t = 7 and h = 1.4e-18 are such that t + h = t
on the next step. The solver will continue anyway." lands on standard *output* (file descriptor 1), once or
twice per affected subject, and garbles tables and JSON printed by the CLI. :func:`solver_output` sends both
descriptors to a temporary file while the runs go on, then passes on every line it does not recognise as a
SUNDIALS message and hands back the ones it does, so the caller can summarise them in one warning.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SUNDIALS_MESSAGE", "solver_output"]

SUNDIALS_MESSAGE = re.compile(r"^\[(WARNING|ERROR)\]\[rank \d+\]\[.*(cvode|sundials).*\]", re.IGNORECASE)
"""A line written by the SUNDIALS logger (level, MPI rank, source file and function)."""


@contextmanager
def solver_output() -> Iterator[list[str]]:
    """Collect what native code writes to file descriptors 1 and 2 inside the block.

    Yields a list that, when the block ends, holds the SUNDIALS lines (matching :data:`SUNDIALS_MESSAGE`);
    every other line is written on to standard error, so nothing else is hidden. Worker processes forked
    inside the block inherit the redirection.
    """
    found: list[str] = []
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield found
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            other = []
            for line in sink.read().decode("utf-8", "replace").splitlines():
                (found if SUNDIALS_MESSAGE.search(line) else other).append(line)
            if other:
                sys.stderr.write("\n".join(other) + "\n")
