"""The evidence map: how many studies there are for each MSC source x product x outcome domain x design.

An evidence gap map in the sense of Snilstveit et al. (2016): a study counts once in every cell its
classification spans (a study of adipose and bone-marrow MSCs counts under both sources), so cell
counts do not add up to the number of studies. MSC source and product are paired as the arms pair
them (a trial of adipose SVF beside bone-marrow concentrate gives those two pairs, not the four
combinations of its sources and products); a source or product that the classification names and no
arm carries is paired with every product or source of the study. Each axis comes from the curator's
classification; where a study has none, from its arms (source, product) and results (outcome
domain); else ``unclassified``. The map is counted from the validated studies (:func:`get_studies`), the same
objects the report's synthesis reads, so the two can never disagree about a study.

References
----------
.. [1] Snilstveit B, Vojtkova M, Bhavsar A, Stevenson J, Gaarder M (2016). Evidence & Gap Maps:
   a tool for promoting evidence informed policy and strategic research agendas. Journal of Clinical
   Epidemiology 79:120-129. https://doi.org/10.1016/j.jclinepi.2016.05.015
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from secretome import vocab
from secretome._files import atomic_write_text, output_format
from secretome._result import Result
from secretome.evidence._catalogue import get_studies
from secretome.evidence._schema import Study
from secretome.evidence._store import Store

__all__ = ["UNCLASSIFIED", "EvidenceMap", "MapCell", "evidence_map", "map_studies"]

UNCLASSIFIED = "unclassified"
"""The value of an axis that neither the classification nor the arms and results give."""


@dataclass(frozen=True, slots=True)
class MapCell:
    """One cell of the map: its four coordinates (vocabulary ids), the number of studies and their ids."""

    msc_source: str
    product: str
    outcome_domain: str
    design: str
    n_studies: int
    study_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvidenceMap(Result):
    """Study counts per MSC source x product x outcome domain x design (non-empty cells only)."""

    store: str
    n_studies: int
    cells: tuple[MapCell, ...]

    def summary(self) -> str:
        """A table with one line per non-empty cell, largest first.

        >>> print(EvidenceMap("bundled corpus", 0, ()).summary())
        Evidence map of bundled corpus (k = 0 studies; 0 non-empty cells)
        """
        lines = [f"Evidence map of {self.store} (k = {self.n_studies} studies; {len(self.cells)} non-empty cells)"]
        if self.cells:
            lines.append(f"{'msc_source':<20} {'product':<26} {'outcome_domain':<16} {'design':<24} {'studies':>7}")
        for c in sorted(self.cells, key=lambda c: (-c.n_studies, c.msc_source, c.product, c.outcome_domain)):
            lines.append(f"{c.msc_source:<20} {c.product:<26} {c.outcome_domain:<16} {c.design:<24} {c.n_studies:>7}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: one row per cell (``study_ids`` joined by ``;``)."""
        columns = ["msc_source", "product", "outcome_domain", "design", "n_studies", "study_ids"]
        rows = [[*(getattr(c, k) for k in columns[:-1]), ";".join(c.study_ids)] for c in self.cells]
        return pd.DataFrame(rows, columns=columns)


def _axis(classified: list[str], derived: list[str | None]) -> list[str]:
    values = classified or sorted({v for v in derived if v})
    return values or [UNCLASSIFIED]


def _source_product_pairs(
    sources: list[str], products: list[str], arms: list[tuple[str | None, str | None]]
) -> set[tuple[str, str]]:
    """The (MSC source, product) pairs of a study: those its arms give, then the rest of its axes.

    An arm without a source (or product) takes the study's only one; with several, the pair is
    ambiguous and the arm adds nothing of its own. Whatever the arms leave unpaired is paired with every
    value of the other axis, which for a study with no usable arm is the full cross product.
    """
    only_source = sources[0] if len(sources) == 1 else None
    only_product = products[0] if len(products) == 1 else None
    given = {(source or only_source, product or only_product) for source, product in arms}
    pairs = {(s, p) for s, p in given if s in sources and p in products}
    paired_sources, paired_products = {s for s, _ in pairs}, {p for _, p in pairs}
    pairs |= {(s, p) for s in sources if s not in paired_sources for p in products}
    pairs |= {(s, p) for p in products if p not in paired_products for s in sources}
    return pairs


def evidence_map(store: Store, *, out: str | Path | None = None) -> EvidenceMap:
    """Count the studies of *store* by MSC source x product x outcome domain x design.

    Parameters
    ----------
    store : Store
        From :func:`~secretome.evidence.open_store`.
    out : str or Path, optional
        Also write the tidy table (:meth:`EvidenceMap.to_frame`) to this CSV file, whole or not at all.

    Returns
    -------
    EvidenceMap
        ``cells``: ``msc_source``, ``product``, ``outcome_domain``, ``design`` (vocabulary ids or
        ``unclassified``), ``n_studies`` and ``study_ids``; sorted by the four coordinates.
    """
    return map_studies(get_studies(store), name=store.url, out=out)


def map_studies(studies: Iterable[Study], *, name: str = "studies", out: str | Path | None = None) -> EvidenceMap:
    """The evidence map of validated *studies* (what :func:`evidence_map` counts for a store).

    For a caller that has read the studies already (the report): each study is read and parsed once.
    *name* says where they are from in the summary; *out* as in :func:`evidence_map`.
    """
    if out is not None:
        output_format(out, "csv", {".csv": "csv"})
    studies = list(studies)
    cells: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for study in sorted(studies, key=lambda s: s.id):
        cls = study.classification
        given = [
            a.intervention
            for a in study.arms
            if a.intervention and (a.intervention.product or a.intervention.msc_source)
        ]
        sources = _axis(list(cls.msc_sources) if cls else [], [g.msc_source for g in given])
        products = _axis(list(cls.products) if cls else [], [g.product for g in given])
        domains = _axis(
            list(cls.outcome_domains) if cls else [], [vocab.OUTCOMES[r.outcome].domain for r in study.results]
        )
        pairs = _source_product_pairs(sources, products, [(g.msc_source, g.product) for g in given])
        for (source, product), domain in itertools.product(sorted(pairs), domains):
            cells[source, product, domain, study.design].append(study.id)
    result = EvidenceMap(
        store=name,
        n_studies=len(studies),
        cells=tuple(MapCell(*key, len(ids), tuple(ids)) for key, ids in sorted(cells.items())),
    )
    if out is not None:
        atomic_write_text(out, result.to_frame().to_csv(index=False, lineterminator="\n"))
    return result
