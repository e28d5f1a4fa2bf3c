"""De-duplication of imported records, after ASySD (Hair et al. 2023): exact identifiers, then fuzzy fields.

1. **Exact**: records with the same DOI (normalised, case-insensitive), then with the same PMID.
2. **Fuzzy**: pairs found by two blocking passes (same year; same first 30 characters of the
   normalised title) are compared field by field with rapidfuzz: a duplicate needs titles at
   least :data:`TITLE_THRESHOLD` % alike (Levenshtein ratio of the normalised titles), the same
   first-author surname (or none given), and no conflicting volume or first page.
3. **Veto**: two groups whose records carry different DOIs are never joined (ASySD's DOI-mismatch
   rule: a preprint and its article, or two reports of one trial, are different records).

Each group becomes one *merge*: its duplicates point at a canonical record (``duplicate_of``) and
are never deleted; the canonical record is the most complete one (DOI, PMID, abstract, fields
filled), the first imported on a tie. :func:`undo_merge` unlinks a merge, and later runs never
link those records again. A later merge may link a record that is canonical for an earlier merge;
follow ``duplicate_of`` to its end for the final canonical record.

References
----------
.. [1] Hair K, Bahor Z, Macleod M, Liao J, Sena ES (2023). The Automated Systematic Search
   Deduplicator (ASySD): a rapid, open-source, interoperable tool to remove duplicate citations
   in biomedical systematic reviews. BMC Biology 21:189. https://doi.org/10.1186/s12915-023-01686-z
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from rapidfuzz import fuzz, process

from secretome._progress import ProgressCallback, track
from secretome._result import Result, json_safe
from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._store import Store

__all__ = ["TITLE_THRESHOLD", "DedupeResult", "MergeReport", "dedupe_records", "undo_merge"]

TITLE_THRESHOLD = 95.0
"""Minimum title similarity (0-100, rapidfuzz ``fuzz.ratio`` of normalised titles) of a fuzzy duplicate."""


@dataclass(frozen=True, slots=True)
class MergeReport:
    """One merge: the canonical record, the duplicates linked to it, the rule and the reason."""

    id: int
    canonical_id: int
    canonical_title: str | None
    duplicate_ids: tuple[int, ...]
    rule: str
    score: float | None
    reason: str
    undone: bool


@dataclass(frozen=True, slots=True)
class DedupeResult(Result):
    """The merges of one ``evidence dedupe`` run (or the one merge an ``--undo`` reverted)."""

    store: str
    n_records: int
    merges: tuple[MergeReport, ...]

    def summary(self) -> str:
        """A line per merge, then its reason.

        >>> print(DedupeResult("sqlite:///e.db", 10, ()).summary())
        De-duplication of sqlite:///e.db (10 records): 0 merges, 0 duplicates linked
        """
        linked = sum(len(m.duplicate_ids) for m in self.merges if not m.undone)
        lines = [
            f"De-duplication of {self.store} ({self.n_records} records): "
            f"{len(self.merges)} merges, {linked} duplicates linked"
        ]
        for m in self.merges:
            state = "undone: " if m.undone else ""
            duplicates = ", ".join(str(i) for i in m.duplicate_ids)
            lines.append(f"merge {m.id}: {state}record {m.canonical_id} <- {duplicates} ({m.rule})")
            lines.append(f"    {m.canonical_title or ''}")
            lines.extend(f"    {line}" for line in m.reason.splitlines())
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per merge."""
        return pd.DataFrame([json_safe(m) for m in self.merges], columns=list(MergeReport.__dataclass_fields__))


def _normal_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"<[^>]+>", " ", text)  # HTML tags some databases keep (<i>in vitro</i>)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _surname(authors: list[str]) -> str:
    if not authors:
        return ""
    first = authors[0]
    # "Smith, J." (RIS, BibTeX) and "Smith J" (PubMed) both give "smith".
    name = first.split(",")[0] if "," in first else first.rsplit(" ", 1)[0] if " " in first else first
    return _normal_title(name)


def _first_page(pages: str | None) -> str:
    return re.split(r"[-–]", pages or "")[0].strip().lower()


def _completeness(record: orm.Record) -> tuple[int, int, int, int]:
    filled = sum(bool(getattr(record, f)) for f in ("journal", "volume", "issue", "pages", "url", "year"))
    return (-bool(record.doi), -bool(record.pmid), -bool(record.abstract), -filled)


class _Groups:
    """Union-find over record ids that keeps each group's DOIs, for the DOI-mismatch veto."""

    def __init__(self, records: dict[int, orm.Record], vetoed: set[frozenset[int]]) -> None:
        self.parent = {i: i for i in records}
        self.dois = {i: {r.doi} if r.doi else set() for i, r in records.items()}
        self.members = {i: {i} for i in records}
        self.reasons: dict[int, list[str]] = defaultdict(list)
        self.rules: dict[int, set[str]] = defaultdict(set)
        self.scores: dict[int, list[float]] = defaultdict(list)
        self.vetoed = vetoed

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int, rule: str, reason: str, score: float | None = None) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.dois[ra] and self.dois[rb] and self.dois[ra].isdisjoint(self.dois[rb]):
            return  # DOI-mismatch veto (ASySD)
        if any(frozenset((x, y)) in self.vetoed for x in self.members[ra] for y in self.members[rb]):
            return  # the user undid a merge of these records
        self.parent[rb] = ra
        self.dois[ra] |= self.dois.pop(rb)
        self.members[ra] |= self.members.pop(rb)
        self.reasons[ra] += [*self.reasons.pop(rb, []), reason]
        self.rules[ra] |= {*self.rules.pop(rb, set()), rule}
        self.scores[ra] += [*self.scores.pop(rb, []), *([] if score is None else [score])]


def _fuzzy_pairs(records: dict[int, orm.Record]) -> list[tuple[float, int, int, str]]:
    titles = {i: _normal_title(r.title) for i, r in records.items()}
    blocks: dict[tuple[str, object], list[int]] = defaultdict(list)
    for i, r in records.items():
        if r.year is not None:
            blocks["year", r.year].append(i)
        if titles[i]:
            blocks["title", titles[i][:30]].append(i)
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for block in blocks.values():
        if len(block) < 2:
            continue
        ids = sorted(block)
        texts = [titles[i] for i in ids]
        # All title pairs of a block at once in rapidfuzz's C loop (scores rounded to integers to save
        # memory); only the near ones come back to Python, where the exact score decides.
        near = process.cdist(texts, texts, scorer=fuzz.ratio, dtype=np.uint8) >= int(TITLE_THRESHOLD)
        for x, y in zip(*np.nonzero(np.triu(near, k=1)), strict=True):
            a, b = ids[x], ids[y]
            if (a, b) in pairs:
                continue
            ra, rb = records[a], records[b]
            score = fuzz.ratio(titles[a], titles[b])
            if score < TITLE_THRESHOLD:
                continue
            sa_, sb = _surname(ra.authors), _surname(rb.authors)
            if sa_ and sb and fuzz.ratio(sa_, sb) < 90:
                continue
            if ra.volume and rb.volume and ra.volume.strip() != rb.volume.strip():
                continue
            pa, pb = _first_page(ra.pages), _first_page(rb.pages)
            if pa and pb and pa != pb:
                continue
            year = ra.year if ra.year == rb.year else f"{ra.year} / {rb.year}"
            pairs[a, b] = (score, f"{a}~{b}: titles {score:.1f}% alike, year {year}, first author {sa_ or '?'}")
    return sorted(((score, a, b, why) for (a, b), (score, why) in pairs.items()), key=lambda p: -p[0])


def dedupe_records(store: Store, *, progress: ProgressCallback | None = None) -> DedupeResult:
    """Find duplicate records and link each to a canonical record, in one transaction.

    Parameters
    ----------
    store : Store
        A store with imported records.
    progress : callable, optional
        Called as ``progress(task, done, total)``.

    Returns
    -------
    DedupeResult
        The new merges: canonical record, duplicates, ``rule`` (``doi``, ``pmid``, ``fuzzy`` or a
        combination joined by ``+``), ``score`` (lowest title similarity of a fuzzy link) and the
        ``reason`` of every link.

    Notes
    -----
    Only records not yet linked as duplicates take part. Records whose merge was undone are kept apart.
    See the module docstring for the rules; they follow ASySD [1]_.
    """
    now = datetime.now(UTC)
    with store.session() as session:
        records = {
            r.id: r for r in session.scalars(sa.select(orm.Record).where(orm.Record.duplicate_of.is_(None))).all()
        }
        vetoed = set()
        for merge in session.scalars(sa.select(orm.Merge).where(orm.Merge.undone_at.is_not(None))):
            ids = {merge.canonical_id, *merge.record_ids}
            vetoed |= {frozenset(p) for p in itertools.combinations(ids, 2)}
        groups = _Groups(records, vetoed)
        for field, rule in (("doi", "doi"), ("pmid", "pmid")):
            by_value: dict[str, list[int]] = defaultdict(list)
            for i, r in records.items():
                if getattr(r, field):
                    by_value[getattr(r, field)].append(i)
            for value, ids in by_value.items():
                for other in ids[1:]:
                    groups.join(ids[0], other, rule, f"{ids[0]}={other}: same {field.upper()} {value}")
        for score, a, b, why in track(_fuzzy_pairs(records), "comparing records", progress):
            groups.join(a, b, "fuzzy", why, score)
        reports = []
        for root, members in sorted(groups.members.items()):
            if len(members) < 2:
                continue
            ordered = sorted((records[i] for i in members), key=lambda r: (_completeness(r), r.id))
            canonical, duplicates = ordered[0], sorted(r.id for r in ordered[1:])
            rule = "+".join(sorted(groups.rules[root], key=["doi", "pmid", "fuzzy"].index))
            score = min(groups.scores[root]) if groups.scores[root] else None
            reason = "\n".join(groups.reasons[root])
            merge = orm.Merge(
                canonical_id=canonical.id, record_ids=duplicates, rule=rule, score=score, reason=reason, merged_at=now
            )
            session.add(merge)
            session.flush()
            for i in duplicates:
                records[i].duplicate_of = canonical.id
                records[i].merge_id = merge.id
            reports.append(
                MergeReport(merge.id, canonical.id, canonical.title, tuple(duplicates), rule, score, reason, False)
            )
    return DedupeResult(store=store.url, n_records=len(records), merges=tuple(reports))


def undo_merge(store: Store, merge_id: int | str) -> DedupeResult:
    """Unlink the duplicates of merge *merge_id*; later runs keep these records apart.

    Raises
    ------
    InputError
        No such merge, or it was undone already.
    """
    try:
        key = int(merge_id)
    except ValueError:
        raise InputError("a merge id is a number (see the dedupe report)", field="--undo", value=merge_id) from None
    with store.session() as session:
        merge = session.get(orm.Merge, key)
        if merge is None:
            raise InputError(f"no such merge in {store.url}", field="--undo", value=merge_id)
        if merge.undone_at is not None:
            when = f"{merge.undone_at:%Y-%m-%d %H:%M}"
            raise InputError(f"this merge was undone already, at {when}", field="--undo", value=key)
        session.execute(
            sa.update(orm.Record).where(orm.Record.merge_id == key).values(duplicate_of=None, merge_id=None)
        )
        merge.undone_at = datetime.now(UTC)
        title = session.scalar(sa.select(orm.Record.title).where(orm.Record.id == merge.canonical_id))
        report = MergeReport(
            key, merge.canonical_id, title, tuple(merge.record_ids), merge.rule, merge.score, merge.reason, True
        )
        n_records = session.scalar(sa.select(sa.func.count()).select_from(orm.Record)) or 0
    return DedupeResult(store=store.url, n_records=n_records, merges=(report,))
