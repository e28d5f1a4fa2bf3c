"""Editing a study in the store (the workbench's Extraction view): validate, write, log, undo.

An edit is a whole new study document. :func:`save_study` validates it with
:func:`~secretome.evidence.parse_study`, the validator of the study files, so a web form gets the
same checks and the same messages as a curator's YAML file (every number from a paper needs source,
location, status and a verbatim quote that states it). Only a valid document is written: the
study's rows are replaced in one transaction together with a ``study.edit`` audit event that keeps
the document as it was, so that :func:`undo_edit` restores it (``undo_change("edit:<id>")``).

The study files stay the curated record: :func:`~secretome.evidence.compile_corpus` replaces every
study that did not come from an extraction sheet, web edits of those included, with the files again.
``export_studies(store, "corpus", folder)`` writes the edited studies back as study files first.
"""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._audit import record_event
from secretome.evidence._facets import document_digest, sync_facets
from secretome.evidence._row_lock import lock_row
from secretome.evidence._schema import Study, parse_study
from secretome.evidence._store import Store, study_row
from secretome.evidence._workbench_models import AuditEvent

__all__ = ["save_study", "study_document", "undo_edit"]

_MAX_CHANGE = 200


def study_document(store: Store, study_id: str) -> tuple[dict[str, Any], str]:
    """The stored document of *study_id* (a copy to edit) and its digest (to detect a concurrent edit).

    Raises
    ------
    InputError
        No such study.
    """
    with store.session() as session:
        document = session.scalar(sa.select(orm.Study.document).where(orm.Study.id == study_id))
    if document is None:
        raise InputError(f"no such study in {store.url}", field="study_id", value=study_id)
    return copy.deepcopy(document), document_digest(document)


def _lock(session: Session, study_id: str) -> orm.Study | None:
    """The study row, read after taking the write lock on it, so that concurrent edits of it queue."""
    return lock_row(session, orm.Study, study_id, column="schema_version")


def _write(session: Session, old: orm.Study | None, study: Study | None, document: dict[str, Any] | None) -> None:
    """Make the rows of *old* those of *study*: updated in place, created (no *old*) or removed (no *study*).

    The study row is updated, not deleted and inserted, so that a concurrent edit waiting on its
    lock (:func:`_lock`) reads the edited document and is refused, and records stay linked to it.
    """
    if old is None:
        session.add(study_row(study, document))  # type: ignore[arg-type]
        return
    study_id = old.id
    session.execute(sa.delete(orm.Result).where(orm.Result.study_id == study_id))
    session.execute(sa.delete(orm.Arm).where(orm.Arm.study_id == study_id))
    session.expire(old, ["arms", "results"])
    if study is None or document is None:
        linked = list(session.scalars(sa.select(orm.Record.id).where(orm.Record.study_id == study_id)))
        if linked:
            raise InputError(
                f"records {', '.join(map(str, linked[:5]))} are linked to this study; it stays",
                field="study_id",
                value=study_id,
            )
        reference_id = old.reference_id
        session.execute(sa.delete(orm.Study).where(orm.Study.id == study_id))
        session.execute(sa.delete(orm.Reference).where(orm.Reference.id == reference_id))
        session.expunge(old)
        return
    new = study_row(study, document)
    for attribute in sa.inspect(orm.Reference).column_attrs:
        if attribute.key != "id":
            setattr(old.reference, attribute.key, getattr(new.reference, attribute.key))
    for column in ("schema_version", "design", "msc_sources", "products", "species", "outcome_domains", "document"):
        setattr(old, column, getattr(new, column))
    # Moved from the unsaved row to the stored one (the unsaved row itself is never added).
    arms, results = list(new.arms), list(new.results)
    new.arms.clear()
    new.results.clear()
    old.arms.extend(arms)
    old.results.extend(results)


def save_study(
    store: Store,
    document: dict[str, Any],
    actor: str,
    *,
    change: str,
    base: str | None = None,
    new: bool = False,
) -> int | None:
    """Validate *document* as a study file and write it to *store*, logged as a ``study.edit`` by *actor*.

    Parameters
    ----------
    store : Store
    document : dict
        The whole study, in the layout of a study file (``docs/corpus-format.md``).
    actor : str
        Who edits (the audit log's name).
    change : str
        What changed, one line for the audit log ("result 3 added").
    base : str, optional
        The digest of the stored document the edit was made from (:func:`study_document`); the
        save is refused when the study changed since, so a concurrent edit is never overwritten.
    new : bool
        The document is a new study: refused when its id is taken.

    Returns
    -------
    int or None
        The id of the audit event (``undo_change(f"edit:{id}")`` undoes the edit); ``None`` when the
        document equals the stored one, and nothing was written.

    Raises
    ------
    InputError
        The document fails the study file schema (the message of :func:`parse_study`: record, field
        path, value), the id is taken (*new*), or the study changed since *base*. Nothing is written.
    """
    if not change.strip() or len(change) > _MAX_CHANGE:
        raise InputError(f"a description of 1-{_MAX_CHANGE} characters", field="change", value=change)
    study = parse_study(document)
    document = copy.deepcopy(document)
    try:
        with store.session() as session:
            old = _lock(session, study.id)
            if new and old is not None:
                raise InputError("a study with this id is in the store already", record=study.id, field="id")
            if not new and old is None:
                raise InputError(f"no such study in {store.url}", field="study_id", value=study.id)
            before = copy.deepcopy(old.document) if old is not None else None
            if base is not None and before is not None and document_digest(before) != base:
                raise InputError("the study was changed by someone else meanwhile; reload it", record=study.id)
            if before is not None and document_digest(before) == document_digest(document):
                return None  # nothing changed: nothing to write or to log
            _write(session, old, study, document)
            detail = {"study_id": study.id, "change": change, "before": before, "after": document_digest(document)}
            event = record_event(session, actor, "study.edit", f"study {study.id}", detail)
            session.flush()
            event_id = event.id
    except sa.exc.IntegrityError as exc:
        if new:  # created at the same moment by someone else: the id's primary key refused ours
            raise InputError("a study with this id is in the store already", record=study.id, field="id") from exc
        raise
    sync_facets(store, [study.id])
    return event_id


def undo_edit(store: Store, event_id: int, actor: str, *, admin: bool = False) -> str:
    """Restore the study as it was before the edit *event_id* (removing a study the edit created).

    Only the editor or an admin undoes an edit, and only while the study is as the edit left it:
    a later edit is undone first, so that undoing never discards someone's later work.

    Returns
    -------
    str
        What was undone, one line.
    """
    shown = f"edit:{event_id}"
    with store.session() as session:
        event = session.get(AuditEvent, event_id)
        if event is None or event.action != "study.edit":
            raise InputError("no such study edit", field="change", value=shown)
        detail = dict(event.detail)
        study_id = detail["study_id"]
        old = _lock(session, study_id)  # before the checks: a concurrent undo or edit of the study waits
        undone = session.scalars(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "study.undo", AuditEvent.target == event.target)
        )
        if any(d.get("edit_id") == event_id for d in undone):
            raise InputError("this edit was undone already", field="change", value=shown)
        if event.actor != actor and not admin:
            raise InputError(f"only {event.actor} or an admin undoes this edit", field="change", value=shown)
        if old is None or document_digest(old.document) != detail["after"]:
            raise InputError(
                f"study {study_id} was changed after this edit; undo the later edits first", field="change", value=shown
            )
        current = copy.deepcopy(old.document)
        before = detail["before"]
        _write(session, old, parse_study(before) if before is not None else None, before)
        undo_detail = {"study_id": study_id, "edit_id": event_id, "change": detail["change"], "before": current}
        record_event(session, actor, "study.undo", event.target, undo_detail)
    sync_facets(store, [study_id])
    return f"{detail['change']} ({study_id}, by {event.actor}) undone"
