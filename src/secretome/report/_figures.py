"""Figures as inline SVG strings (matplotlib, Agg backend; text kept as text so it stays searchable)."""

from __future__ import annotations

import io

import matplotlib as mpl
import pandas as pd

# The backend must be chosen before pyplot loads: reports are built on machines with no display.
mpl.use("Agg")
import matplotlib.pyplot as plt


def svg_of(fig: plt.Figure) -> str:
    """Serialise *fig* to an SVG element (no XML prolog, so it can sit inside HTML) and close it."""
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return inline_svg(buffer.getvalue().encode("utf-8"))


def bubble_matrix(counts: pd.DataFrame, *, row: str, col: str, panel: str, value: str = "n") -> str:
    """One bubble matrix per *panel* value, stacked: bubble area proportional to *value*, the count inside.

    Panels share the columns, so they compare column by column; each panel lists only its own rows, and
    stacking keeps the figure about 12 inches wide, so its 8-point labels stay legible on a page.
    """
    panels = sorted(counts[panel].unique())
    cols = sorted(counts[col].unique())
    panel_rows = [sorted(counts.loc[counts[panel] == name, row].unique()) for name in panels]
    biggest = max(float(counts[value].max()), 1.0)
    fig, axes = plt.subplots(
        max(len(panels), 1),
        1,
        figsize=(4.5 + 0.9 * len(cols), 1.6 + 0.32 * sum(len(r) + 2 for r in panel_rows)),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": [len(r) + 1 for r in panel_rows] or [1]},
    )
    for ax, name, rows in zip(axes[:, 0], panels, panel_rows, strict=False):
        part = counts[counts[panel] == name]
        x = [cols.index(c) for c in part[col]]
        y = [rows.index(r) for r in part[row]]
        ax.scatter(
            x, y, s=[600 * v / biggest + 30 for v in part[value]], alpha=0.55, color="#2b6cb0", edgecolors="#1a365d"
        )
        for xi, yi, v in zip(x, y, part[value], strict=True):
            ax.annotate(str(int(v)), (xi, yi), ha="center", va="center", fontsize=8)
        ax.set_title(str(name).replace("_", " "), fontsize=10, loc="left")
        ax.set_yticks(range(len(rows)), [str(r).replace("_", " ") for r in rows], fontsize=8)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.invert_yaxis()
        ax.grid(True, color="#eee")
        ax.set_axisbelow(True)
    bottom = axes[-1][0]
    bottom.set_xticks(range(len(cols)), [str(c).replace("_", " ") for c in cols], rotation=45, ha="right", fontsize=8)
    bottom.set_xlim(-0.6, len(cols) - 0.4)
    # Every panel names its columns: the map is taller than a screen, and labels under the last panel alone
    # leave the first ones unreadable.
    for ax in axes[:-1, 0]:
        ax.tick_params(axis="x", labelbottom=True, labelrotation=45, labelsize=8)
        for label in ax.get_xticklabels():
            label.set_ha("right")
    fig.tight_layout()
    return svg_of(fig)


def inline_svg(svg: bytes) -> str:
    """An SVG document (e.g. from :func:`secretome.meta.forest_plot`) as an element to sit inside HTML.

    >>> inline_svg(b'<?xml version="1.0"?><svg width="1"></svg>')
    '<svg width="1"></svg>'
    """
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]
