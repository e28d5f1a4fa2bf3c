"""Which reviewer has which record open, so that a team's queues do not all start at the same record.

The queue's order is the same for everyone (the ranking's best record first), so without this every
reviewer who opens the Screening view at the same time is shown the same record, and all but the
first one (two, with two reviewers per record) have their decision refused as made meanwhile: 84 of
100 decisions of 20 reviewers in the load benchmark (benchmarks/serve_load.py). A reviewer is shown
the first record of the queue that fewer than *reviewers* others have open or have just decided;
Covidence and Rayyan likewise hand each reviewer a record nobody else is on.

The record a reviewer has open stays theirs on every page until they decide it (a reload, or a
ranking retrained meanwhile, does not move them on). An undone decision gives its record back:
to its reviewer as the record they have open, when they undid it themselves (the page after Undo
shows it again, wherever a stale ranking put it), else to the queue at once.

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
        """Claim and return *reviewer*'s open record, else the first of *queue* that fewer than *reviewers* others hold.

        The open record is kept while it is in *queue* (still to screen by *reviewer*) and fewer
        than *reviewers* others hold it. When every record is held, the first of the queue (a
        decision on it may then be refused as made meanwhile, which is safe). ``None`` for an empty queue.
        """
        now = self._clock()
        with self._lock:
            self._prune(now)
            mine = self._open.get((reviewer, stage))
            if mine is not None and mine in queue and self._holders(stage, mine, reviewer, now) < reviewers:
                chosen: int | None = mine
            else:
                chosen = next((r for r in queue if self._holders(stage, r, reviewer, now) < reviewers), None)
                if chosen is None:
                    chosen = queue[0] if queue else None
                self._release(reviewer, stage)
            if chosen is not None:
                self._hold(reviewer, stage, chosen, now)
            return chosen

    def decided(self, reviewer: str, stage: str, record_id: int) -> None:
        """*reviewer* decided *record_id*: it counts as one of its reviewers for a while."""
        with self._lock:
            self._claims.setdefault((stage, record_id), {})[reviewer] = (self._clock() + self._seconds, True)
            if self._open.get((reviewer, stage)) == record_id:
                del self._open[(reviewer, stage)]

    def undone(self, reviewer: str, stage: str, record_id: int, *, reopen: bool) -> None:
        """*reviewer*'s decision on *record_id* was undone: the record is no longer held as decided by them.

        With *reopen* (they undid it themselves) it becomes the record they have open, held as any
        record shown to them, and the one they had open goes back to the queue; otherwise (an admin
        undid it) nobody holds it and the next reviewer whose queue reaches it is shown it.
        """
        with self._lock:
            held = self._claims.get((stage, record_id), {})
            held.pop(reviewer, None)
            if not held:
                self._claims.pop((stage, record_id), None)
            if reopen:
                self._release(reviewer, stage)
                self._hold(reviewer, stage, record_id, self._clock())

    def _hold(self, reviewer: str, stage: str, record_id: int, now: float) -> None:
        self._claims.setdefault((stage, record_id), {})[reviewer] = (now + self._seconds, False)
        self._open[(reviewer, stage)] = record_id

    def _release(self, reviewer: str, stage: str) -> None:
        """Let go of the record *reviewer* has open at *stage*, unless they decided it."""
        previous = self._open.pop((reviewer, stage), None)
        if previous is not None:
            held = self._claims.get((stage, previous), {})
            if not held.get(reviewer, (0.0, True))[1]:
                held.pop(reviewer, None)

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
