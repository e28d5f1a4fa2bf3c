"""Risk-of-bias figures in the layout of robvis (McGuinness & Higgins, Res Synth Methods 2021, doi:10.1002/jrsm.1411).

A traffic-light plot (one row per study, one column per domain of the tool, a coloured disc per
judgement, the overall judgement last where the tool defines one) and a summary plot (per domain,
a horizontal bar split by the share of studies at each judgement). robvis is an R package; these
are drawn with matplotlib so that the report needs no R, with robvis's colours and order.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from secretome import vocab
from secretome.evidence import Study
from secretome.report._figures import svg_of

__all__: list[str] = []

# robvis's palette: green low, yellow some concerns / unclear / moderate, red high / serious, dark red
# critical, light blue no information.
_COLOURS = {
    "low": "#02C100",
    "unclear": "#E2DF07",
    "some_concerns": "#E2DF07",
    "moderate": "#E2DF07",
    "high": "#BF0000",
    "serious": "#BF0000",
    "critical": "#820000",
    "no_information": "#4EA1F7",
}
_SYMBOLS = {"low": "+", "unclear": "?", "some_concerns": "-", "moderate": "-", "high": "X", "serious": "X",
            "critical": "!", "no_information": "?"}  # fmt: skip


def _label(judgement: str) -> str:
    return judgement.replace("_", " ").capitalize()


def assessed_with(studies: Sequence[Study], tool: str) -> list[Study]:
    """The studies assessed with *tool*, by id."""
    return sorted(
        (s for s in studies if s.risk_of_bias is not None and s.risk_of_bias.tool == tool), key=lambda s: s.id
    )


def traffic_light(studies: Sequence[Study], tool: str) -> str:
    """robvis's ``rob_traffic_light``: studies x domains (D1..Dn, then Overall) as coloured discs."""
    spec = vocab.RISK_OF_BIAS_TOOLS[tool]
    rows = assessed_with(studies, tool)
    domains = [d for d, _ in spec.domains]
    columns = [f"D{i + 1}" for i in range(len(domains))] + (["Overall"] if spec.has_overall else [])
    fig, ax = plt.subplots(figsize=(1.6 + 0.55 * len(columns) + 2.2, 0.9 + 0.28 * len(rows)))
    for y, study in enumerate(rows):
        rob = study.risk_of_bias
        judged = {item.domain: item.judgement for item in rob.items}
        values = [judged.get(d) for d in domains] + ([rob.overall] if spec.has_overall else [])
        for x, value in enumerate(values):
            if value is None:
                continue
            ax.scatter(x, y, s=150, color=_COLOURS.get(value, "#cccccc"), edgecolors="#333333", linewidths=0.4)
            ax.annotate(_SYMBOLS.get(value, "?"), (x, y), ha="center", va="center",
                        fontsize=7, color="white" if value in ("high", "serious", "critical") else "black")  # fmt: skip
    ax.set_xticks(range(len(columns)), columns, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), [s.id for s in rows], fontsize=7)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_title(f"{tool}: risk of bias per study and domain", fontsize=9, pad=18)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    keys = "\n".join(f"D{i + 1}: {label}" for i, (_, label) in enumerate(spec.domains))
    ax.text(1.02, 1.0, keys, transform=ax.transAxes, fontsize=7, va="top")
    present = sorted({item.judgement for s in rows for item in s.risk_of_bias.items}, key=spec.judgements.index)
    ax.legend(handles=[Patch(color=_COLOURS[j], label=_label(j)) for j in present], fontsize=7, frameon=False,
              loc="upper left", bbox_to_anchor=(1.02, 0.25))  # fmt: skip
    return svg_of(fig)


def summary_bars(studies: Sequence[Study], tool: str) -> str:
    """robvis's ``rob_summary``: per domain, the share of studies at each judgement (unweighted)."""
    spec = vocab.RISK_OF_BIAS_TOOLS[tool]
    rows = assessed_with(studies, tool)
    domains = list(spec.domains) + ([("overall", "Overall risk of bias")] if spec.has_overall else [])
    fig, ax = plt.subplots(figsize=(8.5, 0.8 + 0.32 * len(domains)))
    for y, (domain, _) in enumerate(domains):
        values = [
            s.risk_of_bias.overall if domain == "overall" else next(
                (i.judgement for i in s.risk_of_bias.items if i.domain == domain), None)
            for s in rows
        ]  # fmt: skip
        left = 0.0
        for judgement in spec.judgements:
            share = sum(v == judgement for v in values) / max(len(rows), 1)
            if share:
                ax.barh(y, share, left=left, color=_COLOURS[judgement], edgecolor="#333333", linewidth=0.4)
                left += share
    ax.set_yticks(range(len(domains)), [label for _, label in domains], fontsize=8)
    ax.set_ylim(len(domains) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
    ax.set_title(f"{tool}: share of {len(rows)} studies at each judgement per domain", fontsize=9)
    ax.legend(handles=[Patch(color=_COLOURS[j], label=_label(j)) for j in spec.judgements], fontsize=7,
              frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(spec.judgements))  # fmt: skip
    return svg_of(fig)
