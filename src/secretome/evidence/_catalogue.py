"""Reading studies back from the store: the list of studies and one study in full.

A study's validated document (the ``document`` column) is the one source every reader uses: the
list, the map, the export and the report all parse it with :func:`parse_study`, never the derived
rows of the ``arms`` and ``results`` tables, which the store keeps for SQL queries.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from secretome._result import Result
from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._schema import Study, parse_study
from secretome.evidence._store import Store

__all__ = ["StudyList", "StudySummary", "get_studies", "get_study", "list_studies"]


@dataclass(frozen=True, slots=True)
class StudySummary:
    """One line of the study list."""

    id: str
    doi: str | None
    pmid: str | None
    title: str
    year: int | None
    design: str
    first_author: str | None
    journal: str | None
    n_arms: int
    n_results: int


@dataclass(frozen=True, slots=True)
class StudyList(Result):
    """The studies of a store, sorted by id; ``to_frame()`` has one row per study."""

    store: str
    studies: tuple[StudySummary, ...]

    def summary(self) -> str:
        """A table: id, year, design, DOI, title.

        >>> print(StudyList("sqlite://", ()).summary())
        Studies in sqlite:// (k = 0)
        """
        lines = [f"Studies in {self.store} (k = {len(self.studies)})"]
        if self.studies:
            lines.append(f"{'id':<30} {'year':>4}  {'design':<24} {'doi':<34} title")
        for s in self.studies:
            title = s.title if len(s.title) <= 60 else s.title[:57] + "..."
            year = "" if s.year is None else s.year
            lines.append(f"{s.id:<30} {year:>4}  {s.design:<24} {s.doi or '-':<34} {title}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per study."""
        return pd.DataFrame([_fields(s) for s in self.studies], columns=list(StudySummary.__dataclass_fields__))


def _fields(summary: StudySummary) -> dict[str, object]:
    # slots dataclasses have no __dict__
    return {name: getattr(summary, name) for name in StudySummary.__dataclass_fields__}


def list_studies(store: Store) -> StudyList:
    """List the studies of *store*.

    Parameters
    ----------
    store : Store
        From :func:`~secretome.evidence.open_store`.

    Returns
    -------
    StudyList
        ``studies`` holds for each: ``id``, ``doi``, ``pmid``, ``title``, ``year``, ``design``
        (a :data:`secretome.vocab.DESIGNS` id), ``first_author``, ``journal``, ``n_arms``, ``n_results``.
    """
    studies = tuple(
        StudySummary(
            id=study.id,
            doi=study.reference.doi,
            pmid=study.reference.pmid,
            title=study.reference.title,
            year=study.reference.year,
            design=study.design,
            first_author=study.reference.authors[0] if study.reference.authors else None,
            journal=study.reference.journal,
            n_arms=len(study.arms),
            n_results=len(study.results),
        )
        for study in get_studies(store)
    )
    return StudyList(store=store.url, studies=studies)


def get_study(store: Store, study_id: str) -> Study:
    """The study *study_id* of *store*, with its arms, results and their provenance.

    Raises
    ------
    InputError
        No such study; the message lists close ids.
    """
    with store.session() as session:
        document = session.scalar(sa.select(orm.Study.document).where(orm.Study.id == study_id))
        if document is None:
            ids = session.scalars(sa.select(orm.Study.id)).all()
            close = difflib.get_close_matches(study_id, ids, n=3, cutoff=0.5)
            raise InputError(f"no such study in {store.url}; close: {', '.join(close) or 'none'}", value=study_id)
    # Stored documents passed validation when compiled; parsing again restores the dataclasses exactly.
    return parse_study(document)


def get_studies(store: Store) -> tuple[Study, ...]:
    """Every study of *store* (curated and imported from sheets), sorted by id, as validated studies.

    What ``report`` reads when given ``--db``: the same :class:`Study` objects as
    :func:`~secretome.evidence.load_corpus` gives for the study files.
    """
    with store.session() as session:
        documents = session.scalars(sa.select(orm.Study.document).order_by(orm.Study.id)).all()
    return tuple(parse_study(d) for d in documents)
