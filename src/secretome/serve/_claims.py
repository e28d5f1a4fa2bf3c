"""Which reviewer has which record open, so that a team's queues do not all start at the same record.

The queue's order is the same for everyone (the ranking's best record first), so without this every
reviewer who opens the Screening view at the same time is shown the same record, and all but the
first one (two, with two reviewers per record) have their decision refused as made meanwhile: 84 of
100 decisions of 20 reviewers in the load benchmark (benchmarks/serve_load.py). A reviewer is shown
the first record of the queue that fewer than *reviewers* others have open or have just decided;
Covidence and Rayyan likewise hand each reviewer a record nobody else is on.

Claims live in the workbench's process (``secretome serve`` runs one) and lapse after
:data:`CLAIM_SECONDS`: a closed tab holds its record only that long. They only spread the
reviewers; :func:`~secretome.evidence.decide` still refuses a decision beyond the queue's reviewers
under the record's lock, whatever the claims say.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

__all__ = ["CLAIM_SECONDS", "Claims"]

CLAIM_SECONDS = 600.0
"""How long a record shown to a reviewer (or just decided by one) stays claimed."""


class Claims:
    """The records each reviewer has open at each stage, and those they just decided."""

    def __init__(self, seconds: float = CLAIM_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        # (stage, record id) -> reviewer -> (expiry, decided)
        self._claims: dict[tuple[str, int], dict[str, tuple[float, bool]]] = {}
        self._open: dict[tuple[str, str], int] = {}  # (reviewer, stage) -> the record they have open
        self._pruned = clock()

    def pick(self, reviewer: str, stage: str, queue: Sequence[int], reviewers: int) -> int | None:
        """Claim and return the first record of *queue* that fewer than *reviewers* others hold.

        When every record is held, the first of the queue (a decision on it may then be refused as
        made meanwhile, which is safe). ``None`` for an empty queue.
        """
        now = self._clock()
        with self._lock:
            self._prune(now)
            chosen = next((r for r in queue if self._holders(stage, r, reviewer, now) < reviewers), None)
            if chosen is None:
                chosen = queue[0] if queue else None
            previous = self._open.pop((reviewer, stage), None)
            if previous is not None:
                held = self._claims.get((stage, previous), {})
                if not held.get(reviewer, (0.0, True))[1]:
                    held.pop(reviewer, None)
            if chosen is not None:
                self._claims.setdefault((stage, chosen), {})[reviewer] = (now + self._seconds, False)
                self._open[(reviewer, stage)] = chosen
            return chosen

    def decided(self, reviewer: str, stage: str, record_id: int) -> None:
        """*reviewer* decided *record_id*: it counts as one of its reviewers for a while."""
        with self._lock:
            self._claims.setdefault((stage, record_id), {})[reviewer] = (self._clock() + self._seconds, True)
            if self._open.get((reviewer, stage)) == record_id:
                del self._open[(reviewer, stage)]

    def _holders(self, stage: str, record_id: int, reviewer: str, now: float) -> int:
        held = self._claims.get((stage, record_id))
        if not held:
            return 0
        return sum(1 for who, (expiry, _) in held.items() if who != reviewer and expiry > now)

    def _prune(self, now: float) -> None:
        # Lapsed claims go once a minute, so the table holds about a claim period's worth of them.
        if now - self._pruned < 60.0:
            return
        self._pruned = now
        for key in list(self._claims):
            held = {who: claim for who, claim in self._claims[key].items() if claim[0] > now}
            if held:
                self._claims[key] = held
            else:
                del self._claims[key]
        self._open = {k: r for k, r in self._open.items() if k[0] in self._claims.get((k[1], r), {})}
