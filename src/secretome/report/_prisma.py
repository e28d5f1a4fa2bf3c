"""The PRISMA 2020 flow diagram for new reviews (Page et al. 2021, doi:10.1136/bmj.n71), drawn from the store.

The boxes and their order are the template's (identification, screening, included), each count a
query over the store (:class:`~secretome.evidence.PrismaCounts`). The template's "reports not
retrieved" box is not drawn because the store does not track retrieval; the curated corpus, whose
studies were not screened in this store, enters as "studies included from other sources".

Full-text decisions on records that are not sought for retrieval (their title/abstract inclusion was
undone, replaced by an exclusion, or never made) are in no box: the template counts each record once, and these
records are already in "records excluded" or "awaiting screening". When there are any, a note under
the diagram gives their number, so that the full-text decisions of the store all add up.

A store without imported records (the bundled corpus: curated study files, no search export or
screening decision) gets the template's "identification of studies via other methods" column
instead, with the boxes its study files can count; the records screened and excluded before a study
file was written are not kept, and the diagram says so rather than drawing a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyBboxPatch

from secretome import vocab
from secretome.evidence import PrismaCounts, Study
from secretome.report._figures import svg_of

__all__ = ["corpus_flow_diagram", "corpus_flow_table", "prisma_diagram"]

_BOX = {"boxstyle": "square,pad=0.02", "facecolor": "white", "edgecolor": "#333333", "linewidth": 0.8}
_STAGE = {"boxstyle": "round,pad=0.02", "facecolor": "#d6e4f0", "edgecolor": "#2b6cb0", "linewidth": 0.8}


def _reasons(title: str, n: int, reasons: dict[str, int]) -> str:
    lines = [f"{title} (n = {n})"] + [f"  {reason} (n = {k})" for reason, k in sorted(reasons.items())]
    return "\n".join(lines)


def prisma_diagram(prisma: PrismaCounts) -> str:
    """The PRISMA 2020 flow diagram of *prisma* as an inline SVG element (boxes carry ``prisma-*`` ids)."""
    sources = "\n".join(f"  {name} (n = {n})" for name, n in sorted(prisma.identified.items()))
    main = [
        ("identified", f"Records identified (n = {prisma.n_identified}):\n{sources}"),
        (
            "screened",
            f"Records screened (n = {prisma.n_screened})\nawaiting screening (n = {prisma.n_awaiting_screening})",
        ),
        ("sought", f"Reports sought for retrieval (n = {prisma.n_sought_for_retrieval})"),
        ("assessed", f"Reports assessed for eligibility (n = {prisma.n_full_text_assessed})"),
        (
            "included",
            f"Studies included in review (n = {prisma.n_studies_included + prisma.n_studies_curated})\n"
            f"  from screening (n = {prisma.n_studies_included}; reports n = {prisma.n_reports_included})\n"
            f"  from the curated corpus (n = {prisma.n_studies_curated})",
        ),
    ]
    side = {
        "identified": f"Duplicate records removed (n = {prisma.n_duplicates_removed})",
        "screened": _reasons(
            "Records excluded", prisma.n_excluded_title_abstract, prisma.excluded_title_abstract_reasons
        ),
        "assessed": _reasons("Reports excluded", prisma.n_excluded_full_text, prisma.excluded_full_text_reasons),
    }
    stages = [("Identification", 0, 0), ("Screening", 1, 3), ("Included", 4, 4)]
    return _flow_svg(main, side, stages, prisma.not_in_flow)


@dataclass(frozen=True)
class _CorpusFlow:
    """What the study files of a curated corpus count of its flow."""

    n_studies: int
    n_cited: int
    n_primary: int
    by_level: dict[str, int]
    n_with_arm_data: int
    n_secondary: int

    @classmethod
    def of(cls, studies: Sequence[Study]) -> _CorpusFlow:
        primary = [s for s in studies if s.is_primary]
        levels = [vocab.DESIGNS[s.design].evidence_level for s in primary]
        return cls(
            n_studies=len(studies),
            n_cited=sum(1 for s in studies if s.reference.review_ref is not None),
            n_primary=len(primary),
            by_level={level: levels.count(level) for level in vocab.EVIDENCE_LEVELS if level != "review"},
            n_with_arm_data=sum(1 for s in primary if any(r.kind == "arm_data" for r in s.results)),
            n_secondary=sum(1 for s in primary if s.source_quality == "secondary"),
        )


def corpus_flow_table(studies: Sequence[Study]) -> pd.DataFrame:
    """The counts of :func:`corpus_flow_diagram` as a table (``step``, ``n``), for readers who copy them."""
    flow = _CorpusFlow.of(studies)
    steps = [
        ("Studies in the corpus", flow.n_studies),
        ("  cited by the seed review", flow.n_cited),
        ("  found by the curators' searches of stored sources", flow.n_studies - flow.n_cited),
        ("Reviews and background papers (described, not synthesised)", flow.n_studies - flow.n_primary),
        *((f"Primary studies: {vocab.EVIDENCE_LEVELS[level].label}", n) for level, n in flow.by_level.items()),
        ("Primary studies with per-arm numbers", flow.n_with_arm_data),
        ("Primary studies whose only source is secondary", flow.n_secondary),
    ]
    return pd.DataFrame(steps, columns=["step", "n"])


def corpus_flow_diagram(studies: Sequence[Study]) -> str:
    """The PRISMA 2020 flow of a curated corpus (identification via other methods), as an inline SVG element.

    Counted from the study files alone (Page et al. 2021): studies cited by the review the corpus grew
    from (``reference.review_ref``) and studies the curators' own searches added; the reviews and
    background papers that are described but not synthesised; the primary studies per evidence level,
    those with per-arm numbers and those whose only source is secondary.
    """
    flow = _CorpusFlow.of(studies)
    levels = ", ".join(f"{vocab.EVIDENCE_LEVELS[level].label} {n}" for level, n in flow.by_level.items())
    main = [
        (
            "identified",
            f"Studies identified via other methods (n = {flow.n_studies}):\n"
            f"  cited by the seed review (n = {flow.n_cited})\n"
            f"  curators' searches of stored sources (n = {flow.n_studies - flow.n_cited})",
        ),
        ("corpus", f"Studies included in the corpus (n = {flow.n_studies})"),
        (
            "included",
            f"Primary studies included in the synthesis (n = {flow.n_primary}):\n  {levels}\n"
            f"  with per-arm numbers (n = {flow.n_with_arm_data})\n"
            f"  only a secondary source (n = {flow.n_secondary}; sensitivity analyses only)",
        ),
    ]
    side = {
        "identified": "Reports excluded before a study file was\nwritten: not recorded (no count shown)",
        "corpus": f"Described, not synthesised (n = {flow.n_studies - flow.n_primary}):\n"
        "  reviews and background papers",
    }
    stages = [("Identification", 0, 0), ("Included", 1, 2)]
    return _flow_svg(main, side, stages, None)


def _flow_svg(
    main: list[tuple[str, str]], side: dict[str, str], stages: list[tuple[str, int, int]], note: str | None
) -> str:
    """Draw the template's layout: the main column of boxes, side boxes of the excluded, the stage labels."""
    heights = [0.5 + 0.17 * text.count("\n") for _, text in main]
    heights[0] = max(heights[0], 1.2)  # room for the stage label "Identification" (8 pt bold, about 1 inch) beside it
    gap = 0.35
    tops = [sum(heights[:i]) + gap * i for i in range(len(main))]
    total = tops[-1] + heights[-1]
    flow_bottom = total
    if note:
        total += 0.6
    fig, ax = plt.subplots(figsize=(9.5, total + 0.4))
    ax.set_xlim(0, 9.5)
    ax.set_ylim(total + 0.2, -0.2)
    ax.axis("off")
    for (key, text), top, height in zip(main, tops, heights, strict=True):
        ax.add_patch(FancyBboxPatch((1.0, top), 4.2, height, gid=f"prisma-{key}", **_BOX))
        ax.text(1.1, top + height / 2, text, va="center", ha="left", fontsize=8)
        if key in side:
            lines = side[key].count("\n")
            box_h = max(height, 0.5 + 0.17 * lines)
            ax.add_patch(FancyBboxPatch((5.9, top), 3.4, box_h, gid=f"prisma-{key}-excluded", **_BOX))
            ax.text(6.0, top + box_h / 2, side[key], va="center", ha="left", fontsize=8)
            ax.annotate("", (5.9, top + height / 2), (5.2, top + height / 2), arrowprops={"arrowstyle": "->"})
    for (_, _), top, height, nxt in zip(main, tops, heights, tops[1:], strict=False):
        ax.annotate("", (3.1, nxt), (3.1, top + height), arrowprops={"arrowstyle": "->"})
    for label, first, last in stages:
        y0, y1 = tops[first], tops[last] + heights[last]
        ax.add_patch(FancyBboxPatch((0.05, y0), 0.7, y1 - y0, **_STAGE))
        ax.text(0.4, (y0 + y1) / 2, label, rotation=90, va="center", ha="center", fontsize=8, fontweight="bold")
    if note:
        ax.text(0.05, flow_bottom + 0.35, note, va="center", ha="left", fontsize=7.5, style="italic",
                gid="prisma-set-aside")  # fmt: skip
    return svg_of(fig)
