"""De-duplication of imported records, after ASySD (Hair et al. 2023): exact identifiers, then fuzzy fields.

1. **Exact**: records with the same DOI (normalised, case-insensitive), then with the same PMID.
2. **Fuzzy**: titles are compared in canonical form (:func:`~secretome.evidence._titles.canonical_title`:
   lower-case ASCII words, Greek letters spelled out, letters and digits split, the field's
   abbreviations expanded, so "MSCs" and "mesenchymal stromal cells" are one term). Pairs found by
   blocking (same first or last 30 characters of the canonical title, same year and first author,
   or same volume and first page) are compared field by field with rapidfuzz: a duplicate needs
   titles at least :data:`TITLE_THRESHOLD` % alike (Levenshtein ratio) and no conflicting field
   (:func:`_conflict`): the same first-author surname, volume, first page and journal
   (abbreviations match their full names) where both give one, years at most one apart (an epub
   and its print issue), the same numbers in the title (Part I / Part II, 12- and 24-month
   results) and the same kind of notice (an erratum is not its paper).
   **Truncated titles** (:func:`_truncated_pairs`): a title of at least 60 characters that is the
   start of another is a title match too, when it does not end where the other's subtitle begins,
   both records give the same year and first author, and no field conflicts.
3. **Veto**: two groups whose records carry different DOIs are never joined (ASySD's DOI-mismatch
   rule: a preprint and its article, or two reports of one trial, are different records), nor
   two groups with a conflicting field between any of their records (so a record with no pages
   cannot bridge two papers whose pages differ).

Quality on a labelled set of synthetic record pairs with hard negatives:
``benchmarks/evidence_dedupe_quality.py`` (tests/evidence/test_dedupe_quality.py).

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
from secretome.evidence._titles import canonical_title, normal_text, subtitle_cuts

__all__ = ["TITLE_THRESHOLD", "DedupeResult", "MergeReport", "dedupe_records", "undo_merge"]

TITLE_THRESHOLD = 95.0
"""Minimum title similarity (0-100, rapidfuzz ``fuzz.ratio`` of canonical titles) of a fuzzy duplicate."""


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
    """The merges of one ``evidence dedupe`` run (or the one merge :func:`undo_merge` reverted)."""

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


def _surname(authors: list[str]) -> str:
    if not authors:
        return ""
    first = authors[0]
    # "Smith, J." (RIS, BibTeX) and "Smith J" (PubMed) both give "smith".
    name = first.split(",")[0] if "," in first else first.rsplit(" ", 1)[0] if " " in first else first
    return normal_text(name)


def _first_page(pages: str | None) -> str:
    return re.split(r"[-–]", pages or "")[0].strip().lower()


_SMALL_BLOCK = 64  # blocks up to this size give all their pairs; larger ones are scored whole with cdist
# A truncated title must keep this many characters (of normal_text) to count: a long start of a
# title is specific to one paper, a short one ("Mesenchymal stem cells in osteoarthritis") is not.
_TRUNCATED_MIN = 60
_COLUMNS = ("id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "url", "abstract")


def _completeness(record: sa.Row) -> tuple[int, int, int, int]:
    filled = sum(bool(getattr(record, f)) for f in ("journal", "volume", "issue", "pages", "url", "year"))
    return (-bool(record.doi), -bool(record.pmid), -bool(record.abstract), -filled)


# A roman numeral counts as a number only after one of these words ("part ii"), not in "vitamin d".
_SERIES = {"part", "parts", "phase", "paper", "section", "series", "study", "trial", "type", "stage", "grade", "vol"}
_ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$")
_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
# Notices that carry their paper's title but are not the paper (ASySD keeps them apart too).
_NOTICE = re.compile(
    r"^(?:erratum|errata|corrigendum|correction|author correction|publisher correction|retraction|retracted|"
    r"expression of concern|withdrawn|reply|response|comment on|commentary on)\b"
)
_JOURNAL_STOPWORDS = {"of", "and", "the", "for", "in", "on", "a", "an", "de", "la"}


def _title_numbers(title: str) -> tuple[str, ...]:
    words = title.split()
    found = [
        w
        for i, w in enumerate(words)
        if w.isdigit() or (i and words[i - 1] in _SERIES and (w in _NUMBER_WORDS or (w and _ROMAN.match(w))))
    ]
    return tuple(sorted(found))


def _abbreviates(short: str, full: str) -> bool:
    """``natl`` abbreviates ``national``: same first letter, then its letters in order."""
    if not short or not full or short[0] != full[0]:
        return False
    rest = iter(full)
    return all(c in rest for c in short)


def _abbreviation_of(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Every word of *short* abbreviates a later word of *full*, in order (extra words of *full* allowed)."""
    position = 0
    for word in short:
        while position < len(full) and not _abbreviates(word, full[position]):
            position += 1
        if position == len(full):
            return False
        position += 1
    return True


def _same_journal(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Journal names as word tuples: equal, or one an abbreviation of the other (Osteoarthritis Cartilage).

    >>> _same_journal(("proc", "natl", "acad", "sci"), ("proceedings", "national", "academy", "sciences"))
    True
    >>> _same_journal(("stem", "cell", "res", "ther"), ("osteoarthritis", "cartilage"))
    False
    """
    if not a or not b or a == b:
        return True
    if (len(a) <= len(b) and _abbreviation_of(a, b)) or (len(b) <= len(a) and _abbreviation_of(b, a)):
        return True
    return fuzz.ratio(" ".join(a), " ".join(b)) >= 90


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the fuzzy rules compare, normalised once per record."""

    surname: str
    year: int | None
    volume: str
    first_page: str
    journal: tuple[str, ...]
    numbers: tuple[str, ...]
    notice: str


def _facts(record: sa.Row, title: str) -> _Facts:
    journal = tuple(w for w in normal_text(record.journal).split() if w not in _JOURNAL_STOPWORDS)
    notice = _NOTICE.match(title)
    return _Facts(
        surname=_surname(record.authors),
        year=record.year,
        volume=(record.volume or "").strip().lower(),
        first_page=_first_page(record.pages),
        journal=journal,
        numbers=_title_numbers(title),
        notice=notice.group(0) if notice else "",
    )


def _conflict(a: _Facts, b: _Facts) -> str | None:
    """Why two records with alike titles are different papers, or None when nothing conflicts."""
    if a.surname and b.surname and a.surname != b.surname and fuzz.ratio(a.surname, b.surname) < 90:
        return "first author"
    if a.year is not None and b.year is not None and abs(a.year - b.year) > 1:
        return "year"
    if a.volume and b.volume and a.volume != b.volume:
        return "volume"
    if a.first_page and b.first_page and a.first_page != b.first_page:
        return "pages"
    if a.numbers != b.numbers:
        return "numbers in the title"
    if a.notice != b.notice:
        return "notice"
    if not _same_journal(a.journal, b.journal):
        return "journal"
    return None


class _Groups:
    """Union-find over record ids that keeps each group's DOIs and members, for the vetoes."""

    def __init__(self, records: dict[int, sa.Row], vetoed: set[frozenset[int]], facts: dict[int, _Facts]) -> None:
        self.parent = {i: i for i in records}
        self.dois = {i: {r.doi} if r.doi else set() for i, r in records.items()}
        self.members = {i: {i} for i in records}
        self.reasons: dict[int, list[str]] = defaultdict(list)
        self.rules: dict[int, set[str]] = defaultdict(set)
        self.scores: dict[int, list[float]] = defaultdict(list)
        self.vetoed = vetoed
        self.facts = facts

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
        # A fuzzy link joins two groups only if no record of one conflicts with a record of the other:
        # otherwise a record without pages would bridge two papers whose pages differ.
        if rule == "fuzzy" and any(
            _conflict(self.facts[x], self.facts[y]) for x in self.members[ra] for y in self.members[rb]
        ):
            return
        self.parent[rb] = ra
        self.dois[ra] |= self.dois.pop(rb)
        self.members[ra] |= self.members.pop(rb)
        self.reasons[ra] += [*self.reasons.pop(rb, []), reason]
        self.rules[ra] |= {*self.rules.pop(rb, set()), rule}
        self.scores[ra] += [*self.scores.pop(rb, []), *([] if score is None else [score])]


def _fuzzy_pairs(
    records: dict[int, sa.Row], titles: dict[int, str], facts: dict[int, _Facts]
) -> list[tuple[float, int, int, str]]:
    # Blocking (ASySD blocks on several field combinations too): a pair is compared if it shares the
    # first or the last 30 characters of its title, the year and first author, or volume and first
    # page. A typo must then hit both ends of a title, and the author or year too, to go unseen.
    # Blocking on the year alone compared every pair of a year: quadratic, minutes at 100,000 records.
    blocks: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, r in records.items():
        if titles[i]:
            blocks["start", titles[i][:30]].append(i)
            blocks["end", titles[i][-30:]].append(i)
        if r.year is not None and facts[i].surname:
            blocks["author", r.year, facts[i].surname].append(i)
        if facts[i].volume and facts[i].first_page:
            blocks["page", facts[i].volume, facts[i].first_page].append(i)
    candidates: set[tuple[int, int]] = set()
    cutoff = int(TITLE_THRESHOLD)
    for block in blocks.values():
        if len(block) < 2:
            continue
        ids = sorted(block)
        if len(ids) <= _SMALL_BLOCK:
            candidates.update(itertools.combinations(ids, 2))
            continue
        # A large block: all its title pairs at once in rapidfuzz's C loop, on every core (integer
        # scores save memory; the cutoff lets it stop early on far pairs, which are most).
        texts = [titles[i] for i in ids]
        scores = process.cdist(texts, texts, scorer=fuzz.ratio, dtype=np.uint8, score_cutoff=cutoff, workers=-1)
        candidates.update((ids[x], ids[y]) for x, y in zip(*np.nonzero(np.triu(scores >= cutoff, k=1)), strict=True))
    # The pairs of small blocks are scored together, element-wise (one call, not one per block);
    # only the near ones come back to Python, where the exact score and the field rules decide.
    firsts, seconds = zip(*sorted(candidates), strict=True) if candidates else ((), ())
    rough = process.cpdist(
        [titles[a] for a in firsts],
        [titles[b] for b in seconds],
        scorer=fuzz.ratio,
        dtype=np.uint8,
        score_cutoff=cutoff,
        workers=-1,
    )
    pairs = []
    for k in np.flatnonzero(np.asarray(rough) >= cutoff):
        a, b = firsts[k], seconds[k]
        score = fuzz.ratio(titles[a], titles[b])
        if score < TITLE_THRESHOLD or _conflict(facts[a], facts[b]):
            continue
        ra, rb = records[a], records[b]
        year = ra.year if ra.year == rb.year else f"{ra.year} / {rb.year}"
        why = f"{a}~{b}: titles {score:.1f}% alike, year {year}, first author {facts[a].surname or '?'}"
        pairs.append((score, a, b, why))
    return pairs


def _truncated_pairs(
    records: dict[int, sa.Row], titles: dict[int, str], facts: dict[int, _Facts]
) -> list[tuple[float, int, int, str]]:
    """Pairs whose shorter canonical title is the start of the longer one, cut by a database.

    Some databases store a title cut after a fixed number of characters; the cut title can miss
    :data:`TITLE_THRESHOLD` by far. ASySD [1]_ scores whole titles against each other, so this
    rule is secretome's own. A prefix alone is weak evidence (a paper and its "...: 24-month
    results" share one), so it links two records only when all of these hold:

    - the shorter title keeps at least 60 characters;
    - it does not end where the longer one starts a subtitle or a new sentence (then it is a
      complete title of its own, :func:`~secretome.evidence._titles.subtitle_cuts`);
    - both records give a year and a first author, and they are the same (not one year apart, as
      the full-title rule allows);
    - no field conflicts (:func:`_conflict`), so a number cut off the end of a title ("Part II")
      keeps the two apart; the DOI-mismatch veto applies when the link is joined.

    Returns the same tuples as :func:`_fuzzy_pairs`: score (``fuzz.ratio`` of the two titles),
    ids and the reason.
    """
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, title in titles.items():
        if title:
            by_title[title].append(i)
    # Sorted, the titles that start with a title come right after it: one scan finds every
    # prefix pair, at any block size, without comparing the other pairs.
    ordered = sorted(by_title)
    pairs = []
    for k, short in enumerate(ordered):
        j = k + 1
        while j < len(ordered) and ordered[j].startswith(short):
            longer = ordered[j]
            j += 1
            score = fuzz.ratio(short, longer)
            if score >= TITLE_THRESHOLD:
                continue  # alike enough for the full-title rule, which has compared the pair already
            for a, b in itertools.product(by_title[short], by_title[longer]):
                fa, fb = facts[a], facts[b]
                kept = len(normal_text(records[a].title))
                if (
                    kept < _TRUNCATED_MIN
                    or fa.year is None
                    or fa.year != fb.year
                    or not fa.surname
                    or fa.surname != fb.surname
                    or _conflict(fa, fb)
                    or short in subtitle_cuts(records[b].title)
                ):
                    continue
                why = (
                    f"{min(a, b)}~{max(a, b)}: title of {a} is the start of {b}'s, cut after {kept} characters, "
                    f"year {fa.year}, first author {fa.surname}"
                )
                pairs.append((score, min(a, b), max(a, b), why))
    return pairs


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
        combination joined by ``+``), ``score`` (lowest title similarity of a fuzzy link; below
        :data:`TITLE_THRESHOLD` when a title was truncated) and the ``reason`` of every link.

    Notes
    -----
    Only records not yet linked as duplicates take part. Records whose merge was undone are kept apart.
    See the module docstring for the rules; they follow ASySD [1]_.
    """
    now = datetime.now(UTC)
    with store.session() as session:
        # Plain rows of the compared columns, not ORM objects: loading 100,000 objects costs seconds.
        columns = [getattr(orm.Record, name) for name in _COLUMNS]
        records = {r.id: r for r in session.execute(sa.select(*columns).where(orm.Record.duplicate_of.is_(None)))}
        vetoed = set()
        for merge in session.scalars(sa.select(orm.Merge).where(orm.Merge.undone_at.is_not(None))):
            ids = {merge.canonical_id, *merge.record_ids}
            vetoed |= {frozenset(p) for p in itertools.combinations(ids, 2)}
        titles = {i: canonical_title(r.title) for i, r in records.items()}
        facts = {i: _facts(r, titles[i]) for i, r in records.items()}
        groups = _Groups(records, vetoed, facts)
        for field, rule in (("doi", "doi"), ("pmid", "pmid")):
            by_value: dict[str, list[int]] = defaultdict(list)
            for i, r in records.items():
                if getattr(r, field):
                    by_value[getattr(r, field)].append(i)
            for value, ids in by_value.items():
                for other in ids[1:]:
                    groups.join(ids[0], other, rule, f"{ids[0]}={other}: same {field.upper()} {value}")
        # Best-matching pairs first, so a record joins the group it resembles most.
        pairs = sorted(
            [*_fuzzy_pairs(records, titles, facts), *_truncated_pairs(records, titles, facts)], key=lambda p: -p[0]
        )
        for score, a, b, why in track(pairs, "comparing records", progress):
            groups.join(a, b, "fuzzy", why, score)
        merges = []
        for root, members in sorted(groups.members.items()):
            if len(members) < 2:
                continue
            ordered = sorted((records[i] for i in members), key=lambda r: (_completeness(r), r.id))
            merges.append(
                {
                    "canonical_id": ordered[0].id,
                    "record_ids": sorted(r.id for r in ordered[1:]),
                    "rule": "+".join(sorted(groups.rules[root], key=["doi", "pmid", "fuzzy"].index)),
                    "score": min(groups.scores[root]) if groups.scores[root] else None,
                    "reason": "\n".join(groups.reasons[root]),
                    "merged_at": now,
                }
            )
        # One batched INSERT of every merge (ids returned in order), then one executemany links the
        # duplicates: a flush per merge took over a minute for 100,000 records.
        ids: list[int] = []
        insert = sa.insert(orm.Merge).returning(orm.Merge.id, sort_by_parameter_order=True)
        # In chunks: SQLAlchemy splices the RETURNING rows of its internal batches in quadratic time
        # (minutes for 25,000 merges); a chunk that fits one batch has nothing to splice.
        for start in range(0, len(merges), 500):
            ids += session.scalars(insert, merges[start : start + 500]).all()
        links = [
            {"id": i, "duplicate_of": m["canonical_id"], "merge_id": merge_id}
            for m, merge_id in zip(merges, ids, strict=True)
            for i in m["record_ids"]
        ]
        if links:
            session.execute(sa.update(orm.Record), links)
        reports = [
            MergeReport(
                merge_id,
                m["canonical_id"],
                records[m["canonical_id"]].title,
                tuple(m["record_ids"]),
                m["rule"],
                m["score"],
                m["reason"],
                False,
            )
            for m, merge_id in zip(merges, ids, strict=True)
        ]
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
        raise InputError("a merge id is a number (see the dedupe report)", field="merge_id", value=merge_id) from None
    with store.session() as session:
        merge = session.get(orm.Merge, key)
        if merge is None:
            raise InputError(f"no such merge in {store.url}", field="merge_id", value=merge_id)
        if merge.undone_at is not None:
            when = f"{merge.undone_at:%Y-%m-%d %H:%M}"
            raise InputError(f"this merge was undone already, at {when}", field="merge_id", value=key)
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
