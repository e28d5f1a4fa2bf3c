"""Filtering, searching, sorting and paging the studies of a store (the workbench's study list).

Each study's values on every filter axis (:data:`FACETS`) are derived from its validated document
and kept in ``study_facet``; its sort keys and search text in ``study_index``
(:mod:`secretome.evidence._workbench_models`). :func:`sync_facets` brings both up to date with the
documents, re-deriving only studies whose document changed (by SHA-256), and
:func:`search_studies` answers a query with indexed SQL, so a page of a 10,000-study store is a few
queries, not 10,000 parsed documents.

Axis values follow the evidence map's rule (:func:`~secretome.evidence.map_studies`): the curator's
classification, else what the arms (MSC source, product) and results (outcome domain) give, else
``unclassified``. A map cell therefore opens exactly the studies it counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from secretome import vocab
from secretome._result import Result, json_safe
from secretome.errors import InputError, check_choice
from secretome.evidence import _models as orm
from secretome.evidence._map import UNCLASSIFIED
from secretome.evidence._schema import Study, parse_study
from secretome.evidence._store import Store
from secretome.evidence._workbench_models import StudyFacet, StudyIndex

__all__ = [
    "FACETS",
    "HIGH_RISK",
    "SORT_KEYS",
    "StudyPage",
    "StudyRow",
    "document_digest",
    "risk_of_bias_class",
    "search_studies",
    "study_facets",
    "sync_facets",
]

FACETS: dict[str, str] = {
    "design": "Design",
    "evidence_level": "Evidence level",
    "species": "Species",
    "oa_model": "OA model",
    "msc_source": "MSC source",
    "product": "Product",
    "outcome_domain": "Outcome domain",
    "outcome": "Outcome",
    "risk_of_bias": "Risk of bias",
    "source_quality": "Source quality",
}
"""The filter axes of the study list, by id, with their labels."""

SORT_KEYS = ("id", "year", "title", "first_author", "design", "n_results")
"""What the study list sorts by."""

HIGH_RISK: dict[str, tuple[str, ...]] = {"SYRCLE": ("high",), "RoB2": ("high",), "ROBINS-I": ("serious", "critical")}
"""Per risk-of-bias tool, the judgements that put a domain at high risk (the most severe of each scale)."""

_MAX_PER_PAGE = 500
_MAX_QUERY = 200


def risk_of_bias_class(study: Study) -> str:
    """``high`` if a domain is at the severe end of its tool's scale, ``not_high`` if assessed, else ``not_assessed``.

    The rule of a sensitivity analysis that leaves out studies at high risk of bias (Cochrane
    Handbook, ch. 8 and 10.14): one domain at high risk is enough, whatever the tool's overall rule,
    because SYRCLE (Hooijmans et al. 2014) defines no overall judgement.
    """
    rob = study.risk_of_bias
    if rob is None or not rob.items:
        return "not_assessed"
    high = HIGH_RISK.get(rob.tool, ())
    return "high" if any(item.judgement in high for item in rob.items) else "not_high"


def _axis(classified: Iterable[str], derived: Iterable[str | None]) -> set[str]:
    values = set(classified) or {v for v in derived if v}
    return values or {UNCLASSIFIED}


def study_facets(study: Study) -> dict[str, set[str]]:
    """The values of *study* on every axis of :data:`FACETS` (vocabulary ids)."""
    cls = study.classification
    given = [
        a.intervention for a in study.arms if a.intervention and (a.intervention.product or a.intervention.msc_source)
    ]
    population = study.population
    species = set(cls.species) if cls and cls.species else set()
    if not species and population is not None and population.species:
        species = {population.species}
    return {
        "design": {study.design},
        "evidence_level": {vocab.DESIGNS[study.design].evidence_level},
        "species": species or {UNCLASSIFIED},
        "oa_model": {population.oa_model} if population is not None and population.oa_model else {UNCLASSIFIED},
        "msc_source": _axis(cls.msc_sources if cls else (), (g.msc_source for g in given)),
        "product": _axis(cls.products if cls else (), (g.product for g in given)),
        "outcome_domain": _axis(
            cls.outcome_domains if cls else (), (vocab.OUTCOMES[r.outcome].domain for r in study.results)
        ),
        "outcome": {r.outcome for r in study.results},
        "risk_of_bias": {risk_of_bias_class(study)},
        "source_quality": {study.source_quality},
    }


def document_digest(document: Mapping[str, object]) -> str:
    """The SHA-256 of a study document (keys sorted): equal digests, equal documents."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def _index_row(study: Study, digest: str) -> StudyIndex:
    ref = study.reference
    words = [study.id, ref.title, *ref.authors, ref.journal or "", ref.doi or "", ref.pmid or ""]
    return StudyIndex(
        study_id=study.id,
        digest=digest,
        title=ref.title,
        first_author=ref.authors[0] if ref.authors else None,
        year=ref.year,
        design=study.design,
        n_results=len(study.results),
        search_text=" ".join(words).lower(),
    )


def sync_facets(store: Store, study_ids: Iterable[str] | None = None) -> int:
    """Bring ``study_facet`` and ``study_index`` up to date with the study documents of *store*.

    Parameters
    ----------
    store : Store
        At schema revision 0004 or later.
    study_ids : iterable of str, optional
        Only these studies (after an edit); default: every study, re-deriving those whose document
        changed and dropping rows of studies that are gone.

    Returns
    -------
    int
        The number of studies whose rows were (re)written.
    """
    with store.session() as session:
        query = sa.select(orm.Study.id, orm.Study.document)
        if study_ids is not None:
            query = query.where(orm.Study.id.in_(list(study_ids)))
        known = {row[0]: row[1] for row in session.execute(sa.select(StudyIndex.study_id, StudyIndex.digest))}
        changed = []
        seen = set()
        for study_id, document in session.execute(query):
            seen.add(study_id)
            digest = document_digest(document)
            if known.get(study_id) != digest:
                changed.append((parse_study(document), digest))
        gone = set() if study_ids is not None else set(known) - seen
        stale = [s.id for s, _ in changed] + sorted(gone)
        # Chunks keep the IN lists below the parameter limits of SQLite (32766) and PostgreSQL.
        for start in range(0, len(stale), 5000):
            chunk = stale[start : start + 5000]
            session.execute(sa.delete(StudyFacet).where(StudyFacet.study_id.in_(chunk)))
            session.execute(sa.delete(StudyIndex).where(StudyIndex.study_id.in_(chunk)))
        session.add_all(_index_row(study, digest) for study, digest in changed)
        facet_rows = [
            {"study_id": study.id, "facet": facet, "value": value}
            for study, _ in changed
            for facet, values in study_facets(study).items()
            for value in sorted(values)
        ]
        session.flush()
        if facet_rows:
            session.execute(sa.insert(StudyFacet), facet_rows)
    return len(changed)


@dataclass(frozen=True, slots=True)
class StudyRow:
    """One study of a page: its sort keys and the values of the axes shown in the list."""

    id: str
    title: str
    year: int | None
    first_author: str | None
    design: str
    n_results: int
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StudyPage(Result):
    """One page of the filtered study list, with how many studies match and the counts per axis value."""

    total: int
    page: int
    per_page: int
    sort: str
    descending: bool
    rows: tuple[StudyRow, ...]
    counts: dict[str, dict[str, int]]
    """Per axis, per value: how many of the matching studies have it."""

    @property
    def n_pages(self) -> int:
        """Pages in all (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    def summary(self) -> str:
        """A line of counts, then one line per study of the page.

        >>> print(StudyPage(0, 1, 50, "id", False, (), {}).summary())
        Studies 0-0 of 0 (page 1 of 1, by id)
        """
        first = (self.page - 1) * self.per_page + 1 if self.rows else 0
        last = first + len(self.rows) - 1 if self.rows else 0
        order = f"{self.sort}{', descending' if self.descending else ''}"
        lines = [f"Studies {first}-{last} of {self.total} (page {self.page} of {self.n_pages}, by {order})"]
        lines += [f"{r.id:<32} {r.year or '':>4}  {r.design:<24} {r.title[:60]}" for r in self.rows]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per study of the page."""
        return pd.DataFrame([json_safe(r) for r in self.rows], columns=list(StudyRow.__dataclass_fields__))


def _like(word: str) -> str:
    # LIKE wildcards typed by the user are matched literally.
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching(filters: Mapping[str, Sequence[str]], text: str | None) -> sa.Select:
    query = sa.select(StudyIndex.study_id)
    for facet, values in filters.items():
        check_choice("facet", facet, list(FACETS))
        chosen = [v for v in values if v]
        if chosen:
            having = sa.select(StudyFacet.study_id).where(StudyFacet.facet == facet, StudyFacet.value.in_(chosen))
            query = query.where(StudyIndex.study_id.in_(having))
    if text:
        if len(text) > _MAX_QUERY:
            raise InputError(f"at most {_MAX_QUERY} characters", field="q", value=text)
        for word in text.lower().split():
            query = query.where(StudyIndex.search_text.like(_like(word), escape="\\"))
    return query


def search_studies(
    store: Store,
    *,
    filters: Mapping[str, Sequence[str]] | None = None,
    text: str | None = None,
    sort: str = "id",
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
    shown: Sequence[str] = ("product", "species"),
) -> StudyPage:
    """One page of the studies of *store* that match *filters* and *text*.

    Parameters
    ----------
    store : Store
        Synced with :func:`sync_facets`.
    filters : mapping of str to sequence of str, optional
        Per axis of :data:`FACETS`, the values accepted: a study matches an axis when it has any of
        them, and the filter when it matches every axis given.
    text : str, optional
        Words that must all occur (case-insensitive) in the id, title, authors, journal, DOI or PMID.
    sort : {'id', 'year', 'title', 'first_author', 'design', 'n_results'}
        Ties are broken by id, so pages never overlap.
    page, per_page : int
        1-based page, and studies per page (1-500).
    shown : sequence of str
        The axes whose values each row carries in ``facets``.

    Returns
    -------
    StudyPage

    Raises
    ------
    InputError
        An unknown axis or sort key, a page < 1, or a per-page count outside 1-500.
    """
    check_choice("sort", sort, SORT_KEYS)
    if page < 1:
        raise InputError("pages start at 1", field="page", value=page)
    if not 1 <= per_page <= _MAX_PER_PAGE:
        raise InputError(f"must be between 1 and {_MAX_PER_PAGE}", field="per_page", value=per_page)
    matching = _matching(filters or {}, text).subquery()
    key = StudyIndex.study_id if sort == "id" else getattr(StudyIndex, sort)
    order = [key.desc() if descending else key.asc(), StudyIndex.study_id.asc()]
    if sort == "year":  # studies without a year last, whichever the direction
        order.insert(0, StudyIndex.year.is_(None))
    with store.session() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0
        query = (
            sa.select(StudyIndex)
            .where(StudyIndex.study_id.in_(sa.select(matching.c.study_id)))
            .order_by(*order)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        found = session.scalars(query).all()
        counts = _counts(session, matching)
        values = _values(session, [r.study_id for r in found], shown)
    rows = tuple(
        StudyRow(r.study_id, r.title, r.year, r.first_author, r.design, r.n_results, values.get(r.study_id, {}))
        for r in found
    )
    return StudyPage(total, page, per_page, sort, descending, rows, counts)


def _counts(session: Session, matching: sa.Subquery) -> dict[str, dict[str, int]]:
    query = (
        sa.select(StudyFacet.facet, StudyFacet.value, sa.func.count())
        .where(StudyFacet.study_id.in_(sa.select(matching.c.study_id)))
        .group_by(StudyFacet.facet, StudyFacet.value)
    )
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    for facet, value, n in session.execute(query):
        counts.setdefault(facet, {})[value] = int(n)
    return counts


def _values(session: Session, ids: list[str], shown: Sequence[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    if not ids or not shown:
        return {}
    query = (
        sa.select(StudyFacet.study_id, StudyFacet.facet, StudyFacet.value)
        .where(StudyFacet.study_id.in_(ids), StudyFacet.facet.in_(list(shown)))
        .order_by(StudyFacet.study_id, StudyFacet.facet, StudyFacet.value)
    )
    values: dict[str, dict[str, list[str]]] = {}
    for study_id, facet, value in session.execute(query):
        values.setdefault(study_id, {}).setdefault(facet, []).append(value)
    return {s: {f: tuple(v) for f, v in by.items()} for s, by in values.items()}
