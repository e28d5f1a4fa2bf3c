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
    """One bubble matrix per *panel* value: bubble area proportional to *value*, the count printed inside.

    Rows and columns are the union over panels, so panels are comparable side by side.
    """
    panels = sorted(counts[panel].unique())
    rows = sorted(counts[row].unique())
    cols = sorted(counts[col].unique())
    biggest = max(float(counts[value].max()), 1.0)
    fig, axes = plt.subplots(
        1,
        max(len(panels), 1),
        figsize=(2.2 + 1.1 * len(cols) * max(len(panels), 1), 1.2 + 0.45 * len(rows)),
        sharey=True,
        squeeze=False,
    )
    for ax, name in zip(axes[0], panels, strict=False):
        part = counts[counts[panel] == name]
        x = [cols.index(c) for c in part[col]]
        y = [rows.index(r) for r in part[row]]
        ax.scatter(
            x, y, s=[900 * v / biggest + 30 for v in part[value]], alpha=0.55, color="#2b6cb0", edgecolors="#1a365d"
        )
        for xi, yi, v in zip(x, y, part[value], strict=True):
            ax.annotate(str(int(v)), (xi, yi), ha="center", va="center", fontsize=8)
        ax.set_title(str(name).replace("_", " "), fontsize=10)
        ax.set_xticks(range(len(cols)), [c.replace("_", " ") for c in cols], rotation=45, ha="right", fontsize=8)
        ax.set_xlim(-0.6, len(cols) - 0.4)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.grid(True, color="#eee")
        ax.set_axisbelow(True)
    axes[0][0].set_yticks(range(len(rows)), [r.replace("_", " ") for r in rows], fontsize=8)
    return svg_of(fig)


def inline_svg(svg: bytes) -> str:
    """An SVG document (e.g. from :func:`secretome.meta.forest_plot`) as an element to sit inside HTML.

    >>> inline_svg(b'<?xml version="1.0"?><svg width="1"></svg>')
    '<svg width="1"></svg>'
    """
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]
