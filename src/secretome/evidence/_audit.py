"""The audit log: who changed what in the store, and when.

Three tables already say it for what they hold (a screening decision names its reviewer and time,
a de-duplication merge its time and undo time); ``audit_event`` holds the rest (imported files, web
edits of studies, undone decisions, resolved conflicts, accounts). :func:`audit_log` reads the three
as one list, newest first.

Files imported before imports were logged (``records.import`` entries came after the store's
``import_batch`` table) have no entry. Their batch keeps the file's name and time but not who
imported it, so no entry is made up for them: :class:`AuditLog` counts them and gives the time of
the latest, and the log says that imports up to then are not in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from secretome._result import Result, json_safe
from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._store import Store
from secretome.evidence._workbench_models import AuditEvent

__all__ = ["AuditEntry", "AuditLog", "audit_log", "record_event"]

_MAX_ENTRIES = 1000


def record_event(session: Session, actor: str, action: str, target: str, detail: dict[str, Any]) -> AuditEvent:
    """Add an audit event to *session* (so that it commits or rolls back with the change it records)."""
    event = AuditEvent(at=datetime.now(UTC), actor=actor, action=action, target=target, detail=json_safe(detail))
    session.add(event)
    return event


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change: when, who, what (``action``), to which object (``target``), and its details.

    ``undo`` names what can be undone (``decision:<id>``, ``merge:<id>`` or ``edit:<id>``), else ``None``.
    """

    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    undo: str | None = None


@dataclass(frozen=True, slots=True)
class AuditLog(Result):
    """The latest changes of a store, newest first."""

    store: str
    entries: tuple[AuditEntry, ...]
    n_unlogged_imports: int = 0
    """Imported files with no ``records.import`` entry: imported before imports were logged."""
    unlogged_until: datetime | None = None
    """When the latest of those was imported (``None`` when every import is logged)."""

    def summary(self) -> str:
        """One line per change, after a line on the imports made before imports were logged, if any.

        >>> entry = AuditEntry(datetime(2026, 1, 2, 3, 4), "KH", "screening.decide", "record 7", {})
        >>> print(AuditLog("sqlite:///e.db", (entry,), 2, datetime(2025, 12, 1, 9, 30)).summary())
        Audit log of sqlite:///e.db (1 changes, newest first)
        not logged: 2 files imported up to 2025-12-01 09:30, before imports were logged (importer unknown)
        2026-01-02 03:04  KH            screening.decide      record 7
        """
        lines = [f"Audit log of {self.store} ({len(self.entries)} changes, newest first)"]
        if self.unlogged_until is not None:
            lines.append(
                f"not logged: {self.n_unlogged_imports} files imported up to {self.unlogged_until:%Y-%m-%d %H:%M}, "
                "before imports were logged (importer unknown)"
            )
        lines += [f"{e.at:%Y-%m-%d %H:%M}  {e.actor:<12}  {e.action:<20}  {e.target}" for e in self.entries]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per change."""
        return pd.DataFrame([json_safe(e) for e in self.entries], columns=list(AuditEntry.__dataclass_fields__))


def _utc(when: datetime) -> datetime:
    # SQLite returns naive datetimes for what was stored in UTC.
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _merged_per_batch(session: Session, batch_ids: list[int]) -> dict[int, int]:
    """Import batch id -> how many of its records are linked, as duplicates, to a record of another."""
    if not batch_ids:
        return {}
    query = (
        sa.select(orm.Record.batch_id, sa.func.count())
        .where(orm.Record.batch_id.in_(batch_ids), orm.Record.duplicate_of.is_not(None))
        .group_by(orm.Record.batch_id)
    )
    return {int(batch): int(n) for batch, n in session.execute(query)}


def _unlogged_imports(session: Session) -> tuple[int, datetime | None]:
    """How many import batches have no ``records.import`` event, and when the latest of them was imported."""
    # One event per imported file: reading their details is cheap, and portable where JSON paths are not.
    imports = sa.select(AuditEvent.detail).where(AuditEvent.action == "records.import")
    logged = {detail.get("batch_id") for detail in session.scalars(imports)}
    times = [
        at
        for batch_id, at in session.execute(sa.select(orm.ImportBatch.id, orm.ImportBatch.imported_at))
        if batch_id not in logged
    ]
    return len(times), (_utc(max(times)) if times else None)


def audit_log(store: Store, *, limit: int = 200, actor: str | None = None) -> AuditLog:
    """The latest *limit* changes of *store* (at most 1000), optionally only those of *actor*.

    Returns
    -------
    AuditLog
        Screening decisions (``screening.decide``, undoable), de-duplication merges (``dedupe.merge``,
        undoable until undone, and ``dedupe.undo``) and the events of ``audit_event``, among them
        study edits of the workbench (``study.edit``, undoable until undone, and ``study.undo``) and
        imported files (``records.import``, with ``records_merged``: how many of the file's records
        de-duplication has linked to another record since). Files imported before imports were
        logged have no entry (their importer is not known); ``n_unlogged_imports`` and
        ``unlogged_until`` say how many and up to when.
    """
    if not 1 <= limit <= _MAX_ENTRIES:
        raise InputError(f"must be between 1 and {_MAX_ENTRIES}", field="limit", value=limit)
    entries: list[AuditEntry] = []
    with store.session() as session:
        decisions = sa.select(orm.ScreeningDecision).order_by(orm.ScreeningDecision.decided_at.desc()).limit(limit)
        events = sa.select(AuditEvent).order_by(AuditEvent.at.desc()).limit(limit)
        if actor is not None:
            decisions = decisions.where(orm.ScreeningDecision.reviewer == actor)
            events = events.where(AuditEvent.actor == actor)
        for d in session.scalars(decisions):
            detail = {"decision": d.decision, "stage": d.stage, "reason": d.reason, "decision_id": d.id}
            entries.append(
                AuditEntry(
                    _utc(d.decided_at),
                    d.reviewer,
                    "screening.decide",
                    f"record {d.record_id}",
                    detail,
                    f"decision:{d.id}",
                )
            )
        undos = sa.select(AuditEvent.detail).where(AuditEvent.action == "study.undo")
        undone_edits = {d.get("edit_id") for d in session.scalars(undos)}
        events = list(session.scalars(events))
        merged = _merged_per_batch(session, [e.detail["batch_id"] for e in events if e.action == "records.import"])
        for e in events:
            # The document an edit replaced and the digest of the one it wrote are kept to undo it, not to be shown.
            detail = {k: v for k, v in e.detail.items() if k not in ("before", "after")}
            if e.action == "records.import":  # what de-duplication made of the file's records since
                detail["records_merged"] = merged.get(e.detail["batch_id"], 0)
            undo = f"edit:{e.id}" if e.action == "study.edit" and e.id not in undone_edits else None
            entries.append(AuditEntry(_utc(e.at), e.actor, e.action, e.target, detail, undo))
        if actor is None:  # merges are made by `evidence dedupe`, which records no user
            for m in session.scalars(sa.select(orm.Merge).order_by(orm.Merge.merged_at.desc()).limit(limit)):
                detail = {"records": list(m.record_ids), "rule": m.rule, "reason": m.reason}
                target = f"record {m.canonical_id}"
                undo = None if m.undone_at is not None else f"merge:{m.id}"
                entries.append(AuditEntry(_utc(m.merged_at), "evidence dedupe", "dedupe.merge", target, detail, undo))
        n_unlogged, unlogged_until = _unlogged_imports(session)
    entries.sort(key=lambda e: e.at, reverse=True)
    return AuditLog(store.url, tuple(entries[:limit]), n_unlogged, unlogged_until)
