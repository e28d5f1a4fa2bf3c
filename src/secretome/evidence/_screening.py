"""Screening decisions on imported records, and the PRISMA 2020 flow counts they give.

A reviewer screens each de-duplicated record at two stages, ``title_abstract`` then ``full_text``,
and records an include/exclude decision with a reason, who decided and when
(:func:`screen_record`, or :func:`import_decisions` for a CSV of decisions as screening tools
such as ASReview or Rayyan export them). A record included at full text may be linked to the
study it reports (``record.study_id``). Decisions are never overwritten: a new decision on the
same record and stage is added, and the latest one (by time, then by order of entry) counts.

:func:`prisma_counts` then counts every box of the PRISMA 2020 flow diagram [1]_ with queries over
the records, their duplicate links and the latest decisions; nothing is typed in by hand.

References
----------
.. [1] Page MJ, McKenzie JE, Bossuyt PM, et al. (2021). The PRISMA 2020 statement: an updated
   guideline for reporting systematic reviews. BMJ 372:n71. https://doi.org/10.1136/bmj.n71
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from secretome._result import Result, json_safe
from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._csv_table import check_header, read_csv_table
from secretome.evidence._records import normalise_doi
from secretome.evidence._store import Store

__all__ = [
    "DECISIONS",
    "SCREENING_COLUMNS",
    "SCREENING_STAGES",
    "PrismaCounts",
    "ScreeningEntry",
    "ScreeningResult",
    "import_decisions",
    "latest_decisions",
    "prisma_counts",
    "screen_record",
    "sought_for_retrieval",
]

SCREENING_STAGES = ("title_abstract", "full_text")
"""The screening stages of PRISMA 2020 (``title-abstract`` and ``full-text`` are accepted too)."""

DECISIONS = ("include", "exclude")
"""What a reviewer decides about a record at a stage."""

SCREENING_COLUMNS = ("record_id", "decision", "stage", "reason", "reviewer", "decided_at", "study_id")
"""The columns of a CSV of decisions; ``record_id``, ``decision``, ``stage`` and ``reviewer`` must be filled."""

# Column names screening tools use for ours (ASReview: record_id and included 1/0; Rayyan and
# spreadsheets: key, label, notes, by). A column of 1/0 under ``included`` gives the decision.
_ALIASES = {
    "id": "record_id",
    "key": "record_id",
    "record": "record_id",
    "label": "decision",
    "exclusion_reason": "reason",
    "notes": "reason",
    "by": "reviewer",
    "screener": "reviewer",
    "time": "decided_at",
    "date": "decided_at",
    "study": "study_id",
    # ASReview's export (its columns, ecosystem notes 1.3): label 1/0 or empty for not seen.
    "asreview_label": "decision",
    "asreview_time": "decided_at",
    "asreview_note": "reason",
    "asreview_user_name": "reviewer",
}
# Other names ASReview reads as the label.
_LABELS = ("included", "final_included", "label_included", "included_label", "included_final", "include")
_DECISION_WORDS = {"include": "include", "included": "include", "1": "include", "yes": "include"}
_DECISION_WORDS |= {"exclude": "exclude", "excluded": "exclude", "0": "exclude", "no": "exclude"}
_NO_REASON = "no reason given"


@dataclass(frozen=True, slots=True)
class ScreeningEntry:
    """One decision as stored: its id, the record, stage, decision, reason, reviewer, time and linked study."""

    id: int
    record_id: int
    stage: str
    decision: str
    reason: str | None
    reviewer: str
    decided_at: datetime
    study_id: str | None


@dataclass(frozen=True, slots=True)
class ScreeningResult(Result):
    """The decisions recorded by one ``evidence screen`` call; ``to_frame()`` has one row per decision."""

    store: str
    file: str | None
    decisions: tuple[ScreeningEntry, ...]

    def summary(self) -> str:
        """A line of counts, then one line per decision (at most 20).

        >>> entry = ScreeningEntry(1, 7, "full_text", "exclude", "wrong population", "KH", datetime(2026, 1, 2), None)
        >>> print(ScreeningResult("sqlite:///e.db", None, (entry,)).summary())
        Recorded 1 screening decisions in sqlite:///e.db (0 include, 1 exclude)
          record 7: exclude at full_text by KH (wrong population)
        """
        n_include = sum(d.decision == "include" for d in self.decisions)
        source = f" from {self.file}" if self.file else ""
        lines = [
            f"Recorded {len(self.decisions)} screening decisions{source} in {self.store} "
            f"({n_include} include, {len(self.decisions) - n_include} exclude)"
        ]
        for d in self.decisions[:20]:
            extra = [x for x in (d.reason, f"study {d.study_id}" if d.study_id else None) if x]
            detail = f" ({'; '.join(extra)})" if extra else ""
            lines.append(f"  record {d.record_id}: {d.decision} at {d.stage} by {d.reviewer}{detail}")
        if len(self.decisions) > 20:
            lines.append(f"  ... and {len(self.decisions) - 20} more")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per decision."""
        return pd.DataFrame([json_safe(d) for d in self.decisions], columns=list(ScreeningEntry.__dataclass_fields__))


def _stage(value: object) -> str | None:
    text = str(value).strip().lower().replace("-", "_").replace("/", "_").replace(" ", "_")
    return text if text in SCREENING_STAGES else None


def _when(value: object) -> datetime | None:
    text = str(value).strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    # Stored in UTC: SQLite keeps no offset, and the latest decision is found by ordering on this time.
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Decision:
    record_id: int
    stage: str
    decision: str
    reason: str | None
    reviewer: str
    decided_at: datetime
    study_id: str | None
    row: int | None = None


def _check(raw: Mapping[str, object], *, file: str | None, row: int | None, now: datetime) -> _Decision:
    """Validate one decision given as text; errors name the file, row, field and value."""

    def fail(reason: str, field: str, value: object) -> InputError:
        return InputError(reason, file=file, row=row, field=field, value=value)

    def text(name: str) -> str | None:
        value = raw.get(name)
        return None if value is None or not str(value).strip() else str(value).strip()

    record = text("record_id")
    if record is None or not record.isdigit():
        raise fail("a record id is the number of an imported record", "record_id", raw.get("record_id"))
    decision = _DECISION_WORDS.get((text("decision") or "").lower())
    if decision is None:
        raise fail(f"must be one of {', '.join(map(repr, DECISIONS))}", "decision", raw.get("decision"))
    stage = _stage(text("stage") or "")
    if stage is None:
        raise fail("must be 'title-abstract' or 'full-text'", "stage", raw.get("stage"))
    reviewer = text("reviewer")
    if reviewer is None:
        raise fail("every decision names who made it", "reviewer", raw.get("reviewer"))
    if len(reviewer) > 80:
        raise fail("at most 80 characters", "reviewer", reviewer)
    reason = text("reason")
    # PRISMA 2020 item 16a: reports excluded at full text are listed with the reason of each exclusion.
    if decision == "exclude" and stage == "full_text" and reason is None:
        raise fail("an exclusion at full text needs a reason (PRISMA 2020)", "reason", raw.get("reason"))
    decided_at = now
    if (given := text("decided_at")) is not None:
        parsed = _when(given)
        if parsed is None:
            raise fail("not an ISO 8601 date or time (2026-01-31 or 2026-01-31T14:05:00)", "decided_at", given)
        decided_at = parsed
    study = text("study_id")
    if study is not None and not (decision == "include" and stage == "full_text"):
        raise fail("only a record included at full text is linked to a study", "study_id", study)
    return _Decision(int(record), stage, decision, reason, reviewer, decided_at, study, row)


def _ids_by(session: Session, column: str) -> dict[str, list[int]]:
    """Ids of the de-duplicated records by their DOI or PMID."""
    ids: dict[str, list[int]] = {}
    field = getattr(orm.Record, column)
    query = sa.select(field, orm.Record.id).where(orm.Record.duplicate_of.is_(None), field.is_not(None))
    for value, record_id in session.execute(query.order_by(orm.Record.id)):
        ids.setdefault(value, []).append(record_id)
    return ids


def _store_decisions(session: Session, decisions: list[_Decision], file: str | None) -> list[ScreeningEntry]:
    """Add the decisions, after checking their records and studies exist; the caller's transaction rolls back."""
    ids = {d.record_id for d in decisions}
    records = {r.id: r for r in session.scalars(sa.select(orm.Record).where(orm.Record.id.in_(ids)))}
    studies = {d.study_id for d in decisions if d.study_id}
    known = set(session.scalars(sa.select(orm.Study.id).where(orm.Study.id.in_(studies))))
    rows = []
    for d in decisions:
        record = records.get(d.record_id)
        if record is None:
            raise InputError("no such record in the store", file=file, row=d.row, field="record_id", value=d.record_id)
        if record.duplicate_of is not None:
            raise InputError(
                f"this record is a duplicate of record {record.duplicate_of}; screen that one",
                file=file,
                row=d.row,
                field="record_id",
                value=d.record_id,
            )
        if d.study_id is not None:
            if d.study_id not in known:
                raise InputError("no such study in the store", file=file, row=d.row, field="study_id", value=d.study_id)
            record.study_id = d.study_id
        elif d.stage == "full_text" and d.decision == "exclude":
            # A later full-text exclusion withdraws the record from the study it was linked to.
            record.study_id = None
        row = orm.ScreeningDecision(
            record_id=d.record_id,
            stage=d.stage,
            decision=d.decision,
            reason=d.reason,
            reviewer=d.reviewer,
            decided_at=d.decided_at,
        )
        session.add(row)
        rows.append((row, d))
    session.flush()
    return [
        ScreeningEntry(r.id, d.record_id, d.stage, d.decision, d.reason, d.reviewer, d.decided_at, d.study_id)
        for r, d in rows
    ]


def screen_record(
    store: Store,
    record_id: int | str,
    decision: str,
    *,
    stage: str,
    reviewer: str,
    reason: str | None = None,
    study_id: str | None = None,
    decided_at: datetime | str | None = None,
) -> ScreeningResult:
    """Record one screening decision on an imported record.

    Parameters
    ----------
    store : Store
        A store with imported records.
    record_id : int or str
        The record's id in the store (``evidence dedupe`` and exports show it).
    decision : {'include', 'exclude'}
    stage : {'title_abstract', 'full_text'}
        Hyphens are accepted (``title-abstract``).
    reviewer : str
        Who decided.
    reason : str, optional
        Why; required to exclude at full text (PRISMA 2020 [1]_, item 16a).
    study_id : str, optional
        Only with ``include`` at ``full_text``: link the record to this study of the store.
    decided_at : datetime or ISO 8601 str, optional
        When; default now (UTC).

    Returns
    -------
    ScreeningResult
        The stored decision.

    Raises
    ------
    InputError
        An unknown decision or stage, no reviewer, a full-text exclusion without reason, a record
        that does not exist or is a duplicate (screen its canonical record), an unknown study.
    """
    raw = {"record_id": record_id, "decision": decision, "stage": stage, "reason": reason, "reviewer": reviewer}
    raw |= {
        "study_id": study_id,
        "decided_at": decided_at.isoformat() if isinstance(decided_at, datetime) else decided_at,
    }
    checked = _check(raw, file=None, row=None, now=datetime.now(UTC))
    with store.session() as session:
        entries = _store_decisions(session, [checked], None)
    return ScreeningResult(store=store.url, file=None, decisions=tuple(entries))


def import_decisions(
    store: Store, path: str | Path, *, stage: str | None = None, reviewer: str | None = None
) -> ScreeningResult:
    """Record the screening decisions of a CSV file, all in one transaction.

    Parameters
    ----------
    store : Store
        A store with imported records.
    path : str or Path
        A CSV with the header :data:`SCREENING_COLUMNS` (other columns are ignored, so a screening
        tool's export with the record's title and abstract reads as is). Common names of screening
        tools are understood: ``key`` or ``id`` for ``record_id``, ``label`` for ``decision``, a 1/0
        ``included`` column (ASReview) instead of ``decision``, ``notes`` for ``reason``, ``by`` for
        ``reviewer``. Without a ``record_id`` column, a ``doi`` (or else ``pmid``) column names the
        record: the one imported record, not a duplicate, with that DOI or PMID. A row without
        ``stage`` is an error. ASReview's export reads as is (``asreview_label``, ``asreview_time``,
        ``asreview_note``, ``asreview_user_name``); its ``record_id`` is ASReview's own row number,
        so its rows are matched by ``doi`` (or ``pmid``). A row with an empty decision is a record
        not screened yet, and is skipped.
    stage : {'title_abstract', 'full_text'}, optional
        The stage of rows without one (a screening tool's export has no stage column).
    reviewer : str, optional
        The reviewer of rows without one.

    Returns
    -------
    ScreeningResult
        The stored decisions, in file order.

    Raises
    ------
    InputError
        Unreadable file, a missing required column, or a bad row: the file, the 1-based row (the
        header is row 1), the field and the value are named, and no decision of the file is stored.
    """
    file = str(path)
    names, body = read_csv_table(path)
    header = [c.lower() for c in names]
    check_header(header, file)  # `Decision` and `decision` are one column twice
    columns = {c: _ALIASES.get(c, c) for c in header}
    label = next((c for c in _LABELS if c in columns), None)
    if "decision" not in columns.values() and label is not None:
        columns[label] = "decision"
    asreview = any(c.startswith("asreview_") for c in header)
    if asreview and columns.get("record_id") == "record_id":
        columns["record_id"] = "asreview_record_id"  # ASReview's row number, not a record of the store
    # A screening tool knows the records by DOI or PMID, not by the store's ids: without a
    # record_id column, each row is matched to the one de-duplicated record with its DOI or PMID.
    match_by = next((c for c in ("record_id", "doi", "pmid") if c in columns.values()), "record_id")
    defaults = {"stage": stage, "reviewer": reviewer}
    needed = (match_by, "decision", *(c for c, v in defaults.items() if v is None))
    missing = [c for c in needed if c not in columns.values()]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; a decisions file has the columns {', '.join(SCREENING_COLUMNS)}",
            file=file,
            row=1,
            value=header,
        )
    now = datetime.now(UTC)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in body:
        values = {columns[k]: v for k, v in zip(header, cells, strict=False) if k in columns}
        if not (values.get("decision") or "").strip():
            continue  # not screened yet (ASReview exports its unseen records too)
        for column, default in defaults.items():
            if default is not None and not (values.get(column) or "").strip():
                values[column] = default
        rows.append((number, values))
    if not rows:
        raise InputError("the file has no decision", file=file)
    with store.session() as session:
        if match_by != "record_id":
            ids = _ids_by(session, match_by)
            for number, values in rows:
                key = (values.get(match_by) or "").strip()
                key = normalise_doi(key) if match_by == "doi" else key
                found = ids.get(key or "", [])
                if len(found) != 1:
                    reason = (
                        "no imported record (not a duplicate) has this value"
                        if not found
                        else (f"records {', '.join(map(str, found))} have this value; run `evidence dedupe` first")
                    )
                    raise InputError(reason, file=file, row=number, field=match_by, value=values.get(match_by))
                values["record_id"] = str(found[0])
        decisions = [_check(values, file=file, row=number, now=now) for number, values in rows]
        entries = _store_decisions(session, decisions, file)
    return ScreeningResult(store=store.url, file=file, decisions=tuple(entries))


@dataclass(frozen=True, slots=True)
class PrismaCounts(Result):
    """The boxes of the PRISMA 2020 flow diagram for new reviews (Page et al. 2021), counted from the store.

    Attributes
    ----------
    identified : dict
        Records identified per source database (the file's ``DB`` tag or ``--source``; ``unknown``
        when none was given).
    n_identified : int
        All imported records.
    n_duplicates_removed : int
        Records linked to a canonical record by ``evidence dedupe`` (never deleted, only linked).
    n_screened : int
        De-duplicated records with a title/abstract decision.
    n_awaiting_screening : int
        De-duplicated records with no title/abstract decision yet.
    n_excluded_title_abstract : int
        Records whose latest title/abstract decision is ``exclude``.
    excluded_title_abstract_reasons : dict
        Those exclusions by reason (``no reason given`` when blank).
    n_sought_for_retrieval : int
        Records included at title/abstract.
    n_full_text_assessed : int
        Reports sought for retrieval with a full-text decision (PRISMA: reports assessed for eligibility).
    n_excluded_full_text : int
        Reports whose latest full-text decision is ``exclude``.
    excluded_full_text_reasons : dict
        Those exclusions by reason.
    n_reports_included : int
        Reports whose latest full-text decision is ``include``.
    n_studies_included : int
        Distinct studies the included reports are linked to.
    n_reports_unlinked : int
        Included reports not (yet) linked to a study; they are not counted as studies.
    n_studies_curated : int
        Studies included from the curated corpus (compiled from its study files, not screened here).
    n_full_text_set_aside : int
        Records with a full-text decision that are not sought for retrieval (their title/abstract
        inclusion was undone or replaced by an exclusion, or they never had one): kept in the store,
        to count again once included at title/abstract, but in no box of the flow.

    Notes
    -----
    Only the latest decision of a record at a stage counts (by ``decided_at``, then by order of
    entry), so a changed mind or a resolved conflict between two reviewers replaces the earlier one.
    Records that are duplicates never count as screened. "Reports not retrieved" is not tracked.
    The boxes nest as in the diagram: only the reports sought for retrieval (latest title/abstract
    decision ``include``) count at full text, as the full-text queue of the workbench holds them.
    """

    store: str
    identified: dict[str, int]
    n_identified: int
    n_duplicates_removed: int
    n_screened: int
    n_awaiting_screening: int
    n_excluded_title_abstract: int
    excluded_title_abstract_reasons: dict[str, int]
    n_sought_for_retrieval: int
    n_full_text_assessed: int
    n_excluded_full_text: int
    excluded_full_text_reasons: dict[str, int]
    n_reports_included: int
    n_studies_included: int
    n_reports_unlinked: int
    n_studies_curated: int
    n_full_text_set_aside: int = 0

    def summary(self) -> str:
        """The flow diagram as indented text, one box a line.

        >>> counts = PrismaCounts("sqlite:///e.db", {"PubMed": 3, "Embase": 2}, 5, 1, 4, 0, 2, {"animal": 2}, 2, 2,
        ...                       1, {"no outcome": 1}, 1, 1, 0, 78)
        >>> print(counts.summary())
        PRISMA 2020 flow of sqlite:///e.db (Page et al. 2021)
        Identification
          records identified: 5
            Embase: 2
            PubMed: 3
          duplicate records removed: 1
        Screening
          records screened (title/abstract): 4
          records excluded: 2
            animal: 2
          reports sought for retrieval: 2
          reports assessed for eligibility (full text): 2
          reports excluded: 1
            no outcome: 1
        Included
          studies included in review: 1 (reports of included studies: 1)
          studies included from the curated corpus: 78
        """
        lines = [f"PRISMA 2020 flow of {self.store} (Page et al. 2021)", "Identification"]
        lines.append(f"  records identified: {self.n_identified}")
        lines += [f"    {name}: {n}" for name, n in sorted(self.identified.items())]
        lines += [f"  duplicate records removed: {self.n_duplicates_removed}", "Screening"]
        lines.append(f"  records screened (title/abstract): {self.n_screened}")
        if self.n_awaiting_screening:
            lines.append(f"  records awaiting screening: {self.n_awaiting_screening}")
        lines.append(f"  records excluded: {self.n_excluded_title_abstract}")
        lines += [f"    {why}: {n}" for why, n in sorted(self.excluded_title_abstract_reasons.items())]
        lines.append(f"  reports sought for retrieval: {self.n_sought_for_retrieval}")
        lines.append(f"  reports assessed for eligibility (full text): {self.n_full_text_assessed}")
        lines.append(f"  reports excluded: {self.n_excluded_full_text}")
        lines += [f"    {why}: {n}" for why, n in sorted(self.excluded_full_text_reasons.items())]
        lines.append("Included")
        lines.append(
            f"  studies included in review: {self.n_studies_included} "
            f"(reports of included studies: {self.n_reports_included})"
        )
        if self.n_reports_unlinked:
            lines.append(f"  included reports not yet linked to a study: {self.n_reports_unlinked}")
        lines.append(f"  studies included from the curated corpus: {self.n_studies_curated}")
        if self.n_full_text_set_aside:
            lines.append(
                f"  full-text decisions set aside (record not included at title/abstract): {self.n_full_text_set_aside}"
            )
        return "\n".join(lines)

    @property
    def not_in_flow(self) -> str:
        """A note on the full-text decisions no box counts (:attr:`n_full_text_set_aside`), ``""`` if none.

        The PRISMA 2020 template counts each record once, and these records are in "records excluded"
        or "awaiting screening" already, so a diagram gives them as a note under the flow.

        >>> from dataclasses import replace
        >>> counts = PrismaCounts("e.db", {}, 0, 0, 0, 0, 0, {}, 0, 0, 0, {}, 0, 0, 0, 0)
        >>> counts.not_in_flow
        ''
        >>> print(replace(counts, n_full_text_set_aside=2).not_in_flow)
        Not in the flow: full-text decisions on 2 records not included at title/abstract
        (inclusion undone, replaced by an exclusion, or never made); they count again once it is included.
        """
        n = self.n_full_text_set_aside
        if not n:
            return ""
        return (
            f"Not in the flow: full-text decisions on {n} record{'s' if n != 1 else ''} not included at "
            "title/abstract\n(inclusion undone, replaced by an exclusion, or never made); they count again once "
            "it is included."
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per box (``stage``, ``box``, ``n``), reasons and databases as their own rows."""
        rows = [("identification", f"identified: {k}", v) for k, v in sorted(self.identified.items())]
        rows += [
            ("identification", "records identified", self.n_identified),
            ("identification", "duplicates removed", self.n_duplicates_removed),
            ("screening", "records screened", self.n_screened),
            ("screening", "records awaiting screening", self.n_awaiting_screening),
            ("screening", "records excluded", self.n_excluded_title_abstract),
        ]
        rows += [("screening", f"excluded: {k}", v) for k, v in sorted(self.excluded_title_abstract_reasons.items())]
        rows += [
            ("screening", "reports sought for retrieval", self.n_sought_for_retrieval),
            ("eligibility", "reports assessed", self.n_full_text_assessed),
            ("eligibility", "reports excluded", self.n_excluded_full_text),
        ]
        rows += [("eligibility", f"excluded: {k}", v) for k, v in sorted(self.excluded_full_text_reasons.items())]
        rows.append(("eligibility", "full-text decisions set aside", self.n_full_text_set_aside))
        rows += [
            ("included", "reports included", self.n_reports_included),
            ("included", "studies included", self.n_studies_included),
            ("included", "included reports not linked to a study", self.n_reports_unlinked),
            ("included", "studies from the curated corpus", self.n_studies_curated),
        ]
        return pd.DataFrame(rows, columns=["stage", "box", "n"])


def sought_for_retrieval() -> sa.Select:
    """The ids of the records whose latest title/abstract decision is an inclusion (PRISMA 2020's
    reports sought for retrieval): the only records screened, and counted, at full text."""
    title_abstract = latest_decisions("title_abstract")
    return sa.select(title_abstract.c.record_id).where(title_abstract.c.decision == "include")


def latest_decisions(stage: str) -> sa.Subquery:
    """The latest decision of each de-duplicated record at *stage*: record_id, decision, reason."""
    order = sa.func.row_number().over(
        partition_by=orm.ScreeningDecision.record_id,
        order_by=(orm.ScreeningDecision.decided_at.desc(), orm.ScreeningDecision.id.desc()),
    )
    ranked = (
        sa.select(
            orm.ScreeningDecision.record_id,
            orm.ScreeningDecision.decision,
            orm.ScreeningDecision.reason,
            order.label("rank"),
        )
        .join(orm.Record, orm.Record.id == orm.ScreeningDecision.record_id)
        .where(orm.ScreeningDecision.stage == stage, orm.Record.duplicate_of.is_(None))
        .subquery()
    )
    return sa.select(ranked.c.record_id, ranked.c.decision, ranked.c.reason).where(ranked.c.rank == 1).subquery()


def _reasons(session: Session, latest: sa.Subquery) -> dict[str, int]:
    reason = sa.func.coalesce(sa.func.nullif(sa.func.trim(latest.c.reason), ""), _NO_REASON)
    query = sa.select(reason, sa.func.count()).where(latest.c.decision == "exclude").group_by(reason)
    return {str(why): int(n) for why, n in session.execute(query)}


def prisma_counts(store: Store) -> PrismaCounts:
    """Count the PRISMA 2020 flow diagram [1]_ from the records, duplicate links and screening decisions.

    Parameters
    ----------
    store : Store
        An evidence store (``evidence init``), with imported records, ``evidence dedupe`` links and
        screening decisions; any of them may be missing (their boxes are then 0).

    Returns
    -------
    PrismaCounts
        Every box of the flow diagram for new reviews, each a query over the store; the curated
        corpus's studies separately as ``n_studies_curated``. See :class:`PrismaCounts`.

    Examples
    --------
    >>> from secretome.evidence import open_store
    >>> with open_store() as store:  # the bundled corpus, no imported records
    ...     counts = prisma_counts(store)
    >>> counts.n_identified, counts.n_studies_included, counts.n_studies_curated > 50
    (0, 0, True)
    """
    count = sa.func.count()
    with store.session() as session:
        database = sa.func.coalesce(orm.Record.source_database, orm.ImportBatch.source_database, "unknown")
        per_database = sa.select(database, count).join(orm.ImportBatch).group_by(database)
        identified = {str(name): int(n) for name, n in session.execute(per_database)}
        duplicates = session.scalar(sa.select(count).where(orm.Record.duplicate_of.is_not(None))) or 0
        unique = session.scalar(sa.select(count).where(orm.Record.duplicate_of.is_(None))) or 0
        title_abstract, every_full_text = latest_decisions("title_abstract"), latest_decisions("full_text")
        # A full-text decision counts only while its record is sought for retrieval: an undone (deleted)
        # or replaced title/abstract inclusion takes the report out of the flow, or its boxes would not nest.
        full_text = sa.select(every_full_text).where(every_full_text.c.record_id.in_(sought_for_retrieval())).subquery()

        def n(latest: sa.Subquery, decision: str | None = None) -> int:
            query = sa.select(count).select_from(latest)
            if decision is not None:
                query = query.where(latest.c.decision == decision)
            return int(session.scalar(query) or 0)

        included = (
            sa.select(orm.Record.study_id)
            .join(full_text, full_text.c.record_id == orm.Record.id)
            .where(full_text.c.decision == "include")
            .subquery()
        )
        n_studies = session.scalar(sa.select(sa.func.count(sa.distinct(included.c.study_id)))) or 0
        unlinked = session.scalar(sa.select(count).select_from(included).where(included.c.study_id.is_(None))) or 0
        curated = session.scalar(sa.select(count).select_from(orm.Study).where(orm.Study.batch_id.is_(None))) or 0
        screened = n(title_abstract)
        return PrismaCounts(
            store=store.url,
            identified=identified,
            n_identified=sum(identified.values()),
            n_duplicates_removed=int(duplicates),
            n_screened=screened,
            n_awaiting_screening=int(unique) - screened,
            n_excluded_title_abstract=n(title_abstract, "exclude"),
            excluded_title_abstract_reasons=_reasons(session, title_abstract),
            n_sought_for_retrieval=n(title_abstract, "include"),
            n_full_text_assessed=n(full_text),
            n_excluded_full_text=n(full_text, "exclude"),
            excluded_full_text_reasons=_reasons(session, full_text),
            n_reports_included=n(full_text, "include"),
            n_studies_included=int(n_studies),
            n_reports_unlinked=int(unlinked),
            n_studies_curated=int(curated),
            n_full_text_set_aside=n(every_full_text) - n(full_text),
        )
