"""Screening by a team: each reviewer's queue, one or two reviewers per record, conflicts, kappa and undo.

Decisions are the rows of ``screening_decision`` (:mod:`secretome.evidence._screening`), so the
PRISMA counts see them as they see decisions imported from a file. A reviewer decides a record at a
stage once; deciding again replaces nothing (:func:`decide` refuses), undoing removes the decision
and writes what it was to the audit log (:func:`undo_change`).

With two reviewers per record (dual screening, as the Cochrane Handbook recommends for selecting
studies, ch. 4.6.4), a record leaves the queue when two reviewers have decided it; when their
decisions differ it is a conflict until someone resolves it (:func:`resolve_conflict`), whose
decision then counts as the latest. Agreement is Cohen's kappa (:func:`~secretome.evidence.cohen_kappa`)
per pair of reviewers, over the records both decided.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from secretome._result import Result, json_safe
from secretome.errors import InputError, check_choice
from secretome.evidence import _models as orm
from secretome.evidence._agreement import cohen_kappa
from secretome.evidence._audit import record_event
from secretome.evidence._dedupe import undo_merge
from secretome.evidence._row_lock import lock_row
from secretome.evidence._screening import DECISIONS, SCREENING_STAGES, sought_for_retrieval
from secretome.evidence._store import Store
from secretome.evidence._study_edits import undo_edit
from secretome.evidence._workbench_models import AuditEvent

__all__ = [
    "Conflict",
    "RecordView",
    "ScreeningProgress",
    "UndoneChange",
    "decide",
    "get_record",
    "pending_records",
    "record_order",
    "resolve_conflict",
    "screening_progress",
    "screening_state",
    "undo_change",
]

_MAX_REASON = 500


def _check(stage: str, decision: str, reviewer: str, reason: str | None) -> str | None:
    check_choice("stage", stage, SCREENING_STAGES)
    check_choice("decision", decision, DECISIONS)
    if not reviewer.strip() or len(reviewer) > 80:
        raise InputError("a reviewer name of 1-80 characters", field="reviewer", value=reviewer)
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > _MAX_REASON:
        raise InputError(f"at most {_MAX_REASON} characters", field="reason", value=reason)
    # PRISMA 2020 item 16a: reports excluded at full text are listed with the reason of each exclusion.
    if decision == "exclude" and stage == "full_text" and reason is None:
        raise InputError("an exclusion at full text needs a reason (PRISMA 2020)", field="reason", value=reason)
    return reason


def _lock_record(session: Session, record_id: int) -> orm.Record:
    # The lock serialises decisions on one record, so two requests of one reviewer cannot both find
    # "not decided yet" and both insert.
    record = lock_row(session, orm.Record, record_id, column="position")
    if record is None:
        raise InputError("no such record in the store", field="record_id", value=record_id)
    if record.duplicate_of is not None:
        raise InputError(
            f"this record is a duplicate of record {record.duplicate_of}; screen that one",
            field="record_id",
            value=record_id,
        )
    return record


def decide(
    store: Store,
    record_id: int,
    decision: str,
    reviewer: str,
    *,
    stage: str = "title_abstract",
    reason: str | None = None,
    reviewers: int | None = None,
    study_id: str | None = None,
) -> int:
    """Record *reviewer*'s decision on a record at *stage*; return the decision's id.

    Parameters
    ----------
    study_id : str, optional
        With an inclusion at full text: the study of the store the record reports, so that the
        PRISMA flow counts it among the studies included by screening (as ``evidence screen --study``).
    reviewers : {1, 2}, optional
        The queue's reviewers per record (:func:`pending_records`): the decision is refused when
        the record has that many reviewers' decisions already. Reviewers who opened the same record
        at the same moment (the ranking offers everyone its best record) then do not add a third
        decision, or a second one in single screening. ``None``: no limit (importing decisions).

    Raises
    ------
    InputError
        Unknown decision or stage, no reviewer, a full-text exclusion without reason, a record that
        does not exist or is a duplicate, a record this reviewer decided at this stage already
        (undo that decision first), or one that has its *reviewers* decisions already; a study
        given with another decision than a full-text inclusion, or not in the store.
    """
    reason = _check(stage, decision, reviewer, reason)
    if reviewers is not None:
        check_choice("reviewers", reviewers, (1, 2))
    study_id = (study_id or "").strip() or None
    if study_id is not None and (stage, decision) != ("full_text", "include"):
        raise InputError("only a record included at full text is linked to a study", field="study_id", value=study_id)
    with store.session() as session:
        record = _lock_record(session, record_id)  # before counting: a concurrent decision on the record waits
        if study_id is not None:
            if session.get(orm.Study, study_id) is None:
                raise InputError("no such study in the store", field="study_id", value=study_id)
            record.study_id = study_id
        others = sa.select(orm.ScreeningDecision.reviewer).where(
            orm.ScreeningDecision.record_id == record_id, orm.ScreeningDecision.stage == stage
        )
        decided_by = set(session.scalars(others))
        if reviewer in decided_by:
            raise InputError(
                f"{reviewer} decided this record at {stage} already; undo that decision to change it",
                field="record_id",
                value=record_id,
            )
        if reviewers is not None and len(decided_by) >= reviewers:
            raise InputError(
                f"{' and '.join(sorted(decided_by))} decided this record at {stage} already, as many reviewers "
                f"as the queue asks ({reviewers}); it left your queue",
                field="record_id",
                value=record_id,
            )
        row = orm.ScreeningDecision(
            record_id=record_id,
            stage=stage,
            decision=decision,
            reason=reason,
            reviewer=reviewer,
            decided_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        return row.id


def pending_records(store: Store, reviewer: str, *, stage: str = "title_abstract", reviewers: int = 1) -> set[int]:
    """The de-duplicated records still to screen by *reviewer* at *stage*.

    With ``reviewers=1`` a record is pending until anyone decided it; with ``reviewers=2`` until two
    reviewers did, and never for a reviewer who decided it already. At full text, only the records
    whose latest title-and-abstract decision is an inclusion are screened (PRISMA 2020's reports
    sought for retrieval, as :func:`~secretome.evidence.prisma_counts` counts them).
    """
    check_choice("stage", stage, SCREENING_STAGES)
    check_choice("reviewers", reviewers, (1, 2))
    decided = (
        sa.select(orm.ScreeningDecision.record_id)
        .where(orm.ScreeningDecision.stage == stage)
        .group_by(orm.ScreeningDecision.record_id)
        .having(sa.func.count(sa.distinct(orm.ScreeningDecision.reviewer)) >= reviewers)
    )
    mine = sa.select(orm.ScreeningDecision.record_id).where(
        orm.ScreeningDecision.stage == stage, orm.ScreeningDecision.reviewer == reviewer
    )
    query = _screened_at(stage).where(orm.Record.id.not_in(decided), orm.Record.id.not_in(mine))
    with store.session() as session:
        return set(session.scalars(query))


def _screened_at(stage: str) -> sa.Select:
    """The ids of the records screened at *stage*: the de-duplicated records, at full text only those
    whose latest title-and-abstract decision is an inclusion (PRISMA 2020's reports sought for retrieval)."""
    query = sa.select(orm.Record.id).where(orm.Record.duplicate_of.is_(None))
    if stage == "full_text":
        query = query.where(orm.Record.id.in_(sought_for_retrieval()))
    return query


@dataclass(frozen=True, slots=True)
class Conflict:
    """A record two reviewers decided differently: each reviewer's latest decision on it."""

    record_id: int
    title: str | None
    decisions: tuple[tuple[str, str, str | None], ...]
    """(reviewer, decision, reason) per reviewer."""


@dataclass(frozen=True, slots=True)
class ScreeningProgress(Result):
    """Where the screening of a stage stands: counts, unresolved conflicts and kappa per pair of reviewers."""

    stage: str
    n_records: int
    """The records screened at *stage* (at full text: those whose latest title-and-abstract decision is include)."""
    n_decided: int
    n_included: int
    n_excluded: int
    per_reviewer: dict[str, int]
    conflicts: tuple[Conflict, ...]
    kappa: tuple[tuple[str, str, int, float | None], ...]
    """(reviewer, reviewer, records both decided, Cohen's kappa or None when undefined)."""

    def summary(self) -> str:
        """Counts, then one line per pair of reviewers.

        >>> progress = ScreeningProgress("title_abstract", 10, 4, 1, 3, {"A": 4, "B": 2}, (), (("A", "B", 2, 0.0),))
        >>> print(progress.summary())
        Screening at title_abstract: 4 of 10 records decided (1 include, 3 exclude); 0 conflicts
          A: 4 decisions
          B: 2 decisions
          kappa A/B: 0.000 over 2 records
        """
        lines = [
            f"Screening at {self.stage}: {self.n_decided} of {self.n_records} records decided "
            f"({self.n_included} include, {self.n_excluded} exclude); {len(self.conflicts)} conflicts"
        ]
        lines += [f"  {who}: {n} decisions" for who, n in sorted(self.per_reviewer.items())]
        for a, b, n, kappa in self.kappa:
            shown = "undefined" if kappa is None else f"{kappa:.3f}"
            lines.append(f"  kappa {a}/{b}: {shown} over {n} records")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per pair of reviewers (``first``, ``second``, ``n``, ``kappa``)."""
        return pd.DataFrame([json_safe(k) for k in self.kappa], columns=["first", "second", "n", "kappa"])


def _resolutions(session: Session, record_id: int | None = None) -> set[int]:
    """The ids of the decisions that resolved a conflict (of *record_id* only, if given)."""
    query = sa.select(AuditEvent).where(AuditEvent.action == "screening.resolve")
    if record_id is not None:
        query = query.where(AuditEvent.target == f"record {record_id}")
    return {int(e.detail["decision_id"]) for e in session.scalars(query)}


def _in_conflict(votes: dict[str, tuple[str, str | None]], latest_id: int, resolutions: set[int]) -> bool:
    """Whether a record whose reviewers' latest decisions are *votes* is a conflict: they differ, and its
    latest decision (*latest_id*) is not a resolution (an undone resolution opens the conflict again)."""
    return len({d for d, _ in votes.values()}) > 1 and latest_id not in resolutions


def screening_progress(store: Store, *, stage: str = "title_abstract") -> ScreeningProgress:
    """Counts, unresolved conflicts and Cohen's kappa per pair of reviewers at *stage*.

    Kappa (Cohen 1960) compares the screeners' own decisions: resolutions of conflicts are left out of it and
    of the per-reviewer counts, though a resolution is its record's status.

    The records counted are those screened at *stage*, as the queue of :func:`pending_records`
    holds them: at full text only those whose latest title-and-abstract decision is an inclusion.
    The latest decision of each reviewer on each record counts; the latest decision of a record
    (whoever made it) is its status, as in :func:`~secretome.evidence.prisma_counts`.
    """
    check_choice("stage", stage, SCREENING_STAGES)
    screened = _screened_at(stage)
    with store.session() as session:
        n_records = session.scalar(sa.select(sa.func.count()).select_from(screened.subquery())) or 0
        rows = session.execute(
            sa.select(
                orm.ScreeningDecision.id,
                orm.ScreeningDecision.record_id,
                orm.ScreeningDecision.reviewer,
                orm.ScreeningDecision.decision,
                orm.ScreeningDecision.reason,
            )
            .where(orm.ScreeningDecision.stage == stage, orm.ScreeningDecision.record_id.in_(screened))
            .order_by(orm.ScreeningDecision.decided_at, orm.ScreeningDecision.id)
        ).all()
        resolutions = _resolutions(session)
        by_record: dict[int, dict[str, tuple[str, str | None]]] = {}
        latest: dict[int, tuple[int, str]] = {}
        for decision_id, record_id, reviewer, decision, reason in rows:
            latest[record_id] = (decision_id, decision)
            # A resolution settles a conflict; it is not a screener's vote, so it neither replaces the resolver's
            # own vote nor makes a third-party resolver one of the pairs whose agreement kappa measures.
            if decision_id not in resolutions:
                by_record.setdefault(record_id, {})[reviewer] = (decision, reason)
        conflicted = [r for r, votes in by_record.items() if _in_conflict(votes, latest[r][0], resolutions)]
        found = session.execute(sa.select(orm.Record.id, orm.Record.title).where(orm.Record.id.in_(conflicted)))
        titles = {row[0]: row[1] for row in found}
    conflicts = tuple(
        Conflict(r, titles.get(r), tuple((who, d, why) for who, (d, why) in sorted(by_record[r].items())))
        for r in sorted(conflicted)
    )
    per_reviewer: dict[str, int] = {}
    for votes in by_record.values():
        for who in votes:
            per_reviewer[who] = per_reviewer.get(who, 0) + 1
    kappas = []
    for a, b in itertools.combinations(sorted(per_reviewer), 2):
        both = [votes for votes in by_record.values() if a in votes and b in votes]
        kappa = cohen_kappa([v[a][0] for v in both], [v[b][0] for v in both]) if both else None
        kappas.append((a, b, len(both), kappa))
    statuses = [d for _, d in latest.values()]
    return ScreeningProgress(
        stage=stage,
        n_records=int(n_records),
        n_decided=len(latest),
        n_included=statuses.count("include"),
        n_excluded=statuses.count("exclude"),
        per_reviewer=per_reviewer,
        conflicts=conflicts,
        kappa=tuple(kappas),
    )


def resolve_conflict(
    store: Store,
    record_id: int,
    decision: str,
    reviewer: str,
    *,
    stage: str = "title_abstract",
    reason: str | None = None,
) -> int:
    """Settle a conflict with a decision by *reviewer* that counts as the record's latest; return its id.

    The resolver may be one of the two reviewers or a third; the resolution is in the audit log.

    Raises
    ------
    InputError
        As :func:`decide`, and a record that has no conflict at *stage* (anymore): resolved meanwhile,
        by another resolver who submitted first, or never decided differently. The check is made under
        the record's lock, so of two resolvers submitting at once one resolution is stored.
    """
    reason = _check(stage, decision, reviewer, reason)
    with store.session() as session:
        _lock_record(session, record_id)
        _check_conflict(session, record_id, stage)
        row = orm.ScreeningDecision(
            record_id=record_id,
            stage=stage,
            decision=decision,
            reason=reason or "conflict resolved",
            reviewer=reviewer,
            decided_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            reviewer,
            "screening.resolve",
            f"record {record_id}",
            {"record_id": record_id, "decision_id": row.id, "decision": decision, "stage": stage},
        )
        return row.id


def _check_conflict(session: Session, record_id: int, stage: str) -> None:
    """Refuse to resolve a record that has no conflict at *stage*, saying why (the caller holds its lock)."""
    rows = session.execute(
        sa.select(orm.ScreeningDecision.id, orm.ScreeningDecision.reviewer, orm.ScreeningDecision.decision)
        .where(orm.ScreeningDecision.record_id == record_id, orm.ScreeningDecision.stage == stage)
        .order_by(orm.ScreeningDecision.decided_at, orm.ScreeningDecision.id)
    ).all()
    resolutions = _resolutions(session, record_id)
    votes = {reviewer: (decision, None) for i, reviewer, decision in rows if i not in resolutions}
    if rows and _in_conflict(votes, rows[-1][0], resolutions):
        return
    if not rows:
        why = "no reviewer has decided it"
    elif rows[-1][0] in resolutions:
        _, who, decision = rows[-1]
        why = f"{who} resolved it meanwhile ({decision}); undo that resolution to resolve it again"
    else:
        why = "its reviewers' decisions do not differ"
    raise InputError(f"no conflict on this record at {stage} to resolve: {why}", field="record_id", value=record_id)


@dataclass(frozen=True, slots=True)
class UndoneChange(Result):
    """What :func:`undo_change` undid: the change, one line saying what it was, and for a decision its record.

    ``record_id``, ``stage`` and ``reviewer`` are those of an undone screening decision (the record
    is back in the queue at that stage), ``None`` for a merge or a study edit.
    """

    change: str
    message: str
    record_id: int | None = None
    stage: str | None = None
    reviewer: str | None = None

    def summary(self) -> str:
        """The one line.

        >>> print(UndoneChange("decision:3", "include of record 7 by KH undone", 7, "title_abstract", "KH").summary())
        include of record 7 by KH undone
        """
        return self.message


def undo_change(store: Store, change: str, actor: str, *, admin: bool = False) -> UndoneChange:
    """Undo a change of the audit log: ``decision:<id>`` (a screening decision), ``merge:<id>`` or ``edit:<id>``.

    A decision is removed and what it was is written to the audit log; only its reviewer or an
    admin may undo it. A merge is undone by :func:`~secretome.evidence.undo_merge` (admins only),
    a study edit by :func:`~secretome.evidence.undo_edit` (its editor or an admin).

    Returns
    -------
    UndoneChange
        What was undone, in one line, and for a decision its record, stage and reviewer.
    """
    kind, _, key = change.partition(":")
    if kind not in ("decision", "merge", "edit") or not key.isdigit():
        raise InputError(
            "an undoable change is 'decision:<id>', 'merge:<id>' or 'edit:<id>'", field="change", value=change
        )
    if kind == "edit":
        return UndoneChange(change, undo_edit(store, int(key), actor, admin=admin))
    if kind == "merge":
        if not admin:
            raise InputError("only an admin undoes a merge", field="change", value=change)
        undo_merge(store, int(key))
        with store.session() as session:
            record_event(session, actor, "dedupe.undo", f"merge {key}", {"merge_id": int(key)})
        return UndoneChange(change, f"merge {key} undone")
    with store.session() as session:
        row = session.get(orm.ScreeningDecision, int(key))
        if row is None:
            raise InputError("no such decision (undone already?)", field="change", value=change)
        if row.reviewer != actor and not admin:
            raise InputError(f"only {row.reviewer} or an admin undoes this decision", field="change", value=change)
        detail = {
            "decision_id": row.id,
            "record_id": row.record_id,
            "stage": row.stage,
            "decision": row.decision,
            "reason": row.reason,
            "reviewer": row.reviewer,
            "decided_at": row.decided_at.isoformat(),
        }
        session.delete(row)
        record_event(session, actor, "screening.undo", f"record {row.record_id}", detail)
    message = f"{detail['decision']} of record {detail['record_id']} by {detail['reviewer']} undone"
    return UndoneChange(change, message, detail["record_id"], detail["stage"], detail["reviewer"])


def screening_state(store: Store, stage: str = "title_abstract") -> tuple[int, int, int]:
    """A cheap fingerprint of what a screening order depends on: records to screen and decisions at *stage*.

    ``(de-duplicated records, decisions, highest decision id)``: an import, a merge, a decision, a
    resolved conflict or an undo changes it, so a cached ranking is known to be stale by one query.
    """
    check_choice("stage", stage, SCREENING_STAGES)
    records = sa.select(sa.func.count()).select_from(orm.Record).where(orm.Record.duplicate_of.is_(None))
    decisions = sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(orm.ScreeningDecision.id), 0)).where(
        orm.ScreeningDecision.stage == stage
    )
    with store.session() as session:
        n_decisions, last = session.execute(decisions).one()
        return int(session.scalar(records) or 0), int(n_decisions), int(last)


def record_order(store: Store) -> list[int]:
    """The ids of the de-duplicated records, in the store's order (record id: the order of import)."""
    query = sa.select(orm.Record.id).where(orm.Record.duplicate_of.is_(None)).order_by(orm.Record.id)
    with store.session() as session:
        return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class RecordView:
    """What a screener reads of a record, and the decisions on it so far at each stage."""

    id: int
    title: str | None
    authors: tuple[str, ...]
    year: int | None
    journal: str | None
    doi: str | None
    pmid: str | None
    abstract: str | None
    keywords: tuple[str, ...]
    duplicate_of: int | None
    decisions: tuple[tuple[int, str, str, str, str | None], ...]
    """(decision id, stage, reviewer, decision, reason), oldest first."""


def get_record(store: Store, record_id: int) -> RecordView:
    """The record *record_id* with its decisions.

    Raises
    ------
    InputError
        No such record.
    """
    with store.session() as session:
        record = session.get(orm.Record, record_id)
        if record is None:
            raise InputError("no such record in the store", field="record_id", value=record_id)
        decisions = session.execute(
            sa.select(
                orm.ScreeningDecision.id,
                orm.ScreeningDecision.stage,
                orm.ScreeningDecision.reviewer,
                orm.ScreeningDecision.decision,
                orm.ScreeningDecision.reason,
            )
            .where(orm.ScreeningDecision.record_id == record_id)
            .order_by(orm.ScreeningDecision.decided_at, orm.ScreeningDecision.id)
        ).all()
        return RecordView(
            record.id,
            record.title,
            tuple(record.authors or ()),
            record.year,
            record.journal,
            record.doi,
            record.pmid,
            record.abstract,
            tuple(record.keywords or ()),
            record.duplicate_of,
            tuple((d.id, d.stage, d.reviewer, d.decision, d.reason) for d in decisions),
        )
