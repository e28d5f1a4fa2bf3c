"""Forest and funnel plots of a pooled model, as metafor's ``forest`` and ``funnel`` draw them (no pyplot)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from scipy import stats

from secretome._files import atomic_write_bytes
from secretome.errors import InputError
from secretome.meta._results import RandomEffectsResult

__all__ = ["forest_plot", "funnel_plot"]

_FORMATS = {".svg": "svg", ".pdf": "pdf"}


def forest_plot(
    result: RandomEffectsResult, path: str | Path | None = None, *, xlabel: str = "Observed Outcome"
) -> bytes:
    """Draw a forest plot of *result* and return it as SVG (or write it to *path*, .svg or .pdf).

    One row per study (label, a square of area proportional to its weight, its CI at the model's
    level), then the pooled estimate as a diamond and, for random-effects models, the prediction
    interval as a dotted line, with ``estimate [ci.lb, ci.ub]`` printed on the right, as metafor's
    ``forest(res)``. Text stays text in the SVG (``svg.fonttype = "none"``), so it can be searched
    and edited. The file is written whole or not at all.

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> svg = forest_plot(random_effects([0.1, 0.5, 0.9], [0.01, 0.02, 0.01], labels=["A", "B", "C"]))
    >>> svg.startswith(b"<?xml") and b">RE Model<" in svg
    True
    """
    fmt = _format(path, "forest")
    k = result.k
    crit = float(stats.norm.isf((1 - result.level) / 2))
    rows = list(range(k + 1, 1, -1))  # studies from the top; the pooled row sits at y = 0
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(8, 0.32 * (k + 4) + 1))
        ax = fig.add_subplot()
        biggest = max(result.weights)
        # gids become SVG ids, so tests and users can find each element.
        for i, (y, yi, vi, weight) in enumerate(zip(rows, result.yi, result.vi, result.weights, strict=True), 1):
            half = crit * math.sqrt(vi)
            ax.hlines(y, yi - half, yi + half, color="black", linewidth=0.8, gid=f"study-ci-{i}")
            size = 3 + 6 * math.sqrt(weight / biggest)
            ax.plot([yi], [y], marker="s", color="black", markersize=size, gid=f"study-{i}")
        model = "RE Model" if result.is_random else f"{result.method} Model"
        diamond = [(result.ci_lb, 0), (result.estimate, 0.35), (result.ci_ub, 0), (result.estimate, -0.35)]
        ax.add_patch(Polygon(diamond, closed=True, color="black", gid="pooled"))
        if result.pi_lb is not None:
            pi = (result.pi_lb, result.pi_ub)
            ax.hlines(0, *pi, color="black", linewidth=0.8, linestyles="dotted", gid="prediction-interval")
        ax.axvline(0, color="grey", linewidth=0.6, linestyle="--")
        ax.set_yticks([*rows, 0], [*result.labels, model])
        right = [
            f"{yi:.2f} [{yi - crit * math.sqrt(vi):.2f}, {yi + crit * math.sqrt(vi):.2f}]"
            for yi, vi in zip(result.yi, result.vi, strict=True)
        ]
        right.append(f"{result.estimate:.2f} [{result.ci_lb:.2f}, {result.ci_ub:.2f}]")
        twin = ax.twinx()
        twin.set_ylim(-1, k + 2)
        twin.set_yticks([*rows, 0], right)
        ax.set_ylim(-1, k + 2)
        ax.set_xlabel(xlabel)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
            twin.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        twin.tick_params(axis="y", length=0)
        fig.tight_layout()
        return _save(fig, fmt, path)


def funnel_plot(
    result: RandomEffectsResult,
    path: str | Path | None = None,
    *,
    xlabel: str = "Observed Outcome",
    contours: Sequence[float] | None = None,
) -> bytes:
    """Draw a funnel plot of *result* and return it as SVG (or write it to *path*, .svg or .pdf).

    Effect sizes against their standard errors (0 at the top), a vertical line at the pooled
    estimate and the pseudo-confidence region ``estimate +/- z * SE`` (at the model's level), as
    metafor's ``funnel(res)`` draws it for a model without moderators [1]_.

    With ``contours=(0.90, 0.95, 0.99)`` it is instead contour-enhanced [2]_, as metafor's
    ``funnel(res, level=c(90, 95, 99), shade=..., refline=0)``: the regions around 0 where a study's
    two-sided p-value exceeds 0.10, lies in (0.05, 0.10], (0.01, 0.05] and below 0.01 are shaded from
    white to dark, with a legend; the pseudo-confidence region around the estimate is not drawn.

    References
    ----------
    .. [1] Sterne JAC, Egger M (2001). Funnel plots for detecting bias in meta-analysis:
       guidelines on choice of axis. Journal of Clinical Epidemiology 54(10):1046-1055.
       https://doi.org/10.1016/S0895-4356(01)00377-8
    .. [2] Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2008). Contour-enhanced
       meta-analysis funnel plots help distinguish publication bias from other causes of asymmetry.
       Journal of Clinical Epidemiology 61(10):991-996. https://doi.org/10.1016/j.jclinepi.2007.11.010

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> svg = funnel_plot(random_effects([0.1, 0.5, 0.9], [0.01, 0.02, 0.01]))
    >>> b'id="funnel-region"' in svg
    True
    >>> svg = funnel_plot(random_effects([0.1, 0.5, 0.9], [0.01, 0.02, 0.01]), contours=(0.90, 0.95, 0.99))
    >>> b'id="contour-0.99"' in svg and b'id="funnel-region"' not in svg
    True
    """
    fmt = _format(path, "funnel")
    levels = _contour_levels(contours)
    crit = float(stats.norm.isf((1 - result.level) / 2))
    sei = [math.sqrt(v) for v in result.vi]
    top = max(sei) * 1.05
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(6, 5))
        ax = fig.add_subplot()
        mu = result.estimate
        if levels:
            # Widest region first, each narrower one painted over it: darkest outside the largest level.
            shades = np.linspace(0.68, 0.86, len(levels))
            outside = str(round(shades[0] - 0.12, 4))
            ax.set_facecolor(outside)
            ax.plot([], [], marker="s", linestyle="none", color=outside, label=f"p < {1 - levels[0]:.3g}")
            for i, (level, shade) in enumerate(zip(levels, shades, strict=True)):
                z = float(stats.norm.isf((1 - level) / 2))
                region = [(-z * top, top), (0.0, 0.0), (z * top, top)]
                ax.add_patch(
                    Polygon(region, closed=True, facecolor=str(shade), edgecolor="none", gid=f"contour-{level:g}")
                )
                # What stays visible of this region is the band up to the next, narrower contour.
                if i + 1 < len(levels):
                    band = f"{1 - level:.3g} < p < {1 - levels[i + 1]:.3g}"
                    ax.plot([], [], marker="s", linestyle="none", color=str(shade), label=band)
            z_min = float(stats.norm.isf((1 - levels[-1]) / 2))
            inner = [(-z_min * top, top), (0.0, 0.0), (z_min * top, top)]
            ax.add_patch(Polygon(inner, closed=True, facecolor="white", edgecolor="none", gid="contour-inner"))
            ax.plot([], [], marker="s", linestyle="none", color="white", mec="grey", label=f"p > {1 - levels[-1]:.3g}")
            crit = max(crit, float(stats.norm.isf((1 - levels[0]) / 2)))
            mu_axis = 0.0
        else:
            region = [(mu - crit * top, top), (mu, 0.0), (mu + crit * top, top)]
            ax.add_patch(
                Polygon(region, closed=True, facecolor="white", edgecolor="black", linewidth=0.8, gid="funnel-region")
            )
            mu_axis = mu
        ax.vlines(mu, 0, top, color="black", linewidth=0.8, gid="pooled")
        for i, (yi, se) in enumerate(zip(result.yi, sei, strict=True), 1):
            ax.plot([yi], [se], marker="o", color="black", markersize=5, gid=f"study-{i}")
        ax.set_ylim(top, 0)
        ax.set_xlim(
            min(mu_axis - crit * top, *result.yi) - 0.1 * crit * top,
            max(mu_axis + crit * top, *result.yi) + 0.1 * crit * top,
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Standard Error")
        if levels:
            ax.legend(loc="upper right", fontsize="small", frameon=True)
        fig.tight_layout()
        return _save(fig, fmt, path)


def _contour_levels(contours: Sequence[float] | None) -> list[float]:
    """The contour levels, largest first; each a proportion in (0, 1), no repeats."""
    if contours is None:
        return []
    levels = [float(c) for c in contours]
    for i, level in enumerate(levels, 1):
        if not 0 < level < 1:
            raise InputError(f"contour {i} must be a proportion in (0, 1), e.g. 0.95", field="contours", value=level)
    if len(set(levels)) != len(levels) or not levels:
        raise InputError("needs distinct levels, e.g. (0.90, 0.95, 0.99)", field="contours", value=tuple(levels))
    return sorted(levels, reverse=True)


def _format(path: str | Path | None, what: str) -> str:
    if path is None:
        return "svg"
    fmt = _FORMATS.get(Path(path).suffix.lower(), "")
    if not fmt:
        raise InputError(f"the {what} plot is written as .svg or .pdf", field="path", value=str(path))
    return fmt


def _save(fig: Figure, fmt: str, path: str | Path | None) -> bytes:
    buffer = io.BytesIO()
    # No dates in the files, so the same result gives the same bytes.
    fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else {"CreationDate": None})
    data = buffer.getvalue()
    if path is not None:
        atomic_write_bytes(path, data)
    return data
