"""The albatross plot (Harrison et al. 2017): p-values against sample sizes, with effect-size contours."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome.errors import InputError
from secretome.meta._columns import FloatArray
from secretome.meta._effect_result import optional_column, refuse
from secretome.meta._figure_files import plot_format, save_figure
from secretome.meta._p_values import p_column

__all__ = ["albatross_plot", "smd_contour"]

_P_TICKS = (1e-6, 1e-4, 1e-2, 0.05, 1.0)


def smd_contour(smd: float, p: ArrayLike, *, ratio: float = 1.0) -> FloatArray:
    r"""Total sample size at which a study with standardized mean difference *smd* has two-sided p-value *p*.

    With group sizes in the ratio :math:`r = n_1/n_2` and total :math:`N`, the large-sample variance
    of the SMD (metafor's ``vtype="LS"``, without the small-sample correction) is
    :math:`(1+r)^2/(rN) + d^2/(2N)`, so a z test has :math:`z = d\sqrt N / \sqrt{(1+r)^2/r + d^2/2}`
    and the contour is

    .. math:: N = z_{1-p/2}^2 \, \frac{(1+r)^2/r + d^2/2}{d^2},

    which for equal groups is :math:`N = z^2 (8 + d^2)/(2 d^2)`. Harrison et al. draw their SMD
    contours from the same normal approximation for two groups [1]_; their supplementary material
    with the exact equations was not published with the paper, so this derivation, not theirs, is
    what is drawn.

    References
    ----------
    .. [1] Harrison S, Jones HE, Martin RM, Lewis SJ, Higgins JPT (2017). The albatross plot: a novel
       graphical tool for presenting results of diversely reported studies in a systematic review.
       Research Synthesis Methods 8(3):281-289. https://doi.org/10.1002/jrsm.1239

    Examples
    --------
    >>> round(float(smd_contour(0.5, [0.05])[0]), 2)  # 1.959964^2 * (8 + 0.25) / (2 * 0.25)
    63.38
    """
    if not np.isfinite(smd) or smd == 0:
        raise InputError("an SMD contour needs a non-zero effect", field="contours", value=smd)
    if not (np.isfinite(ratio) and ratio > 0):
        raise InputError("must be > 0 (n1 / n2)", field="ratio", value=ratio)
    z = scipy.stats.norm.isf(np.asarray(p, dtype=np.float64) / 2)
    return z**2 * ((1 + ratio) ** 2 / ratio + smd**2 / 2) / smd**2


def albatross_plot(
    p: ArrayLike,
    ni: ArrayLike,
    *,
    direction: ArrayLike | None = None,
    contours: Sequence[float] = (0.25, 0.5, 1.0),
    ratio: float = 1.0,
    labels: Sequence[object] | None = None,
    path: str | Path | None = None,
) -> bytes:
    """Draw an albatross plot and return it as SVG (or write it to *path*, .svg or .pdf).

    The plot of Harrison et al. (2017) [1]_ for studies that report only a p-value, the direction
    of effect and the total sample size: each study is a point at its two-sided p-value (x, on a
    log scale, to the left of the centre line p = 1 for negative effects and to the right for
    positive ones) and its total sample size (y, log scale). Contours show where studies with a
    given standardized mean difference would lie (:func:`smd_contour`, groups in the ratio
    *ratio*), one on each side for each value in *contours*, so that the cloud of points suggests
    the size of the effect and its heterogeneity. A p-value given as ``P < x`` is drawn at x as an
    open triangle pointing outward (the study lies further out).

    Elements carry ids: ``study-i`` (1-based row), ``contour-<smd>-pos`` and ``contour-<smd>-neg``.
    The file is written whole or not at all.

    Parameters
    ----------
    p : array_like
        Two-sided p-values, numbers or text (``"P < 0.05"``); signed as metafor's ``pi`` unless
        *direction* is given.
    ni : array_like
        Total sample sizes (> 0).
    direction : array_like, optional
        +1 or -1 per study, for unsigned *p*.
    contours : sequence of float
        SMD values of the contours (> 0; drawn on both sides).
    ratio : float
        Ratio of the group sizes assumed for the contours (1: equal groups).
    labels : sequence, optional
        Study labels, drawn beside the points.
    path : str or Path, optional
        Where to write the plot.

    Raises
    ------
    InputError
        A missing or out-of-range p-value, size or direction (row and field named), a bad contour
        or suffix.

    References
    ----------
    .. [1] Harrison S, Jones HE, Martin RM, Lewis SJ, Higgins JPT (2017). The albatross plot: a novel
       graphical tool for presenting results of diversely reported studies in a systematic review.
       Research Synthesis Methods 8(3):281-289. https://doi.org/10.1002/jrsm.1239

    Examples
    --------
    >>> svg = albatross_plot(["P < 0.05", 0.2, 0.01], [40, 25, 120], direction=[1, -1, 1])
    >>> b'id="study-1"' in svg and b'id="contour-0.5-neg"' in svg
    True
    """
    fmt = plot_format(path, "albatross")
    k = int(np.asarray(p, dtype=object).reshape(-1).size)
    two_sided, bound = p_column(p, "p", k)
    refuse(two_sided, "p", np.isnan(two_sided), "is missing")
    n = optional_column(ni, "ni", k)
    refuse(n, "ni", ~(n > 0), "sample size must be > 0")
    if direction is None:
        sign = np.where(two_sided < 0, -1.0, 1.0)
    else:
        sign = optional_column(direction, "direction", k)
        refuse(sign, "direction", ~(np.abs(sign) == 1), "direction must be +1 or -1")
        refuse(two_sided, "p", two_sided < 0, "must be unsigned when a direction is given")
    magnitude = np.abs(two_sided)
    refuse(magnitude, "p", magnitude == 0, "p = 0 cannot be drawn; give the reported bound ('P < 0.001')")
    values = [float(c) for c in contours]
    for value in values:
        if not (np.isfinite(value) and value > 0):
            raise InputError("SMD contours must be > 0 (each is drawn on both sides)", field="contours", value=value)
    floor = min(float(magnitude.min()) / 10, _P_TICKS[1])
    x = sign * -np.log10(magnitude)
    span = -np.log10(floor)
    # matplotlib is imported where a plot is drawn: `secretome meta` without a plot does not load it.
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(7, 5))
        ax = fig.add_subplot()
        grid = np.logspace(np.log10(floor), 0, 200)[:-1]
        y_low, y_high = float(n.min()) / 2, float(n.max()) * 2
        for value in values:
            size = smd_contour(value, grid, ratio=ratio)
            for side, name in ((1, "pos"), (-1, "neg")):
                ax.plot(
                    side * -np.log10(grid),
                    size,
                    color="grey",
                    linewidth=0.8,
                    linestyle="--",
                    gid=f"contour-{value:g}-{name}",
                )
            # Label each contour where it leaves the plot: at the right edge, or under the top edge.
            inside = np.flatnonzero(size <= y_high * 0.8)
            at = int(inside[0]) if inside.size else size.size - 1
            where = (-np.log10(grid[at]), float(size[at]))
            ax.annotate(f"SMD {value:g}", where, fontsize="x-small", color="grey", ha="right", va="bottom")
        ax.axvline(0, color="black", linewidth=0.8)
        names = [str(s) for s in labels] if labels is not None else None
        for i in range(k):
            marker = (">" if sign[i] > 0 else "<") if bound[i] else "o"
            face = "white" if bound[i] else "black"
            ax.plot(
                [x[i]],
                [n[i]],
                marker=marker,
                color="black",
                markerfacecolor=face,
                markersize=6,
                linestyle="none",
                gid=f"study-{i + 1}",
            )
            if names is not None:
                ax.annotate(names[i], (x[i], n[i]), xytext=(4, 3), textcoords="offset points", fontsize="x-small")
        if bound.any():
            ax.plot(
                [],
                [],
                marker=">",
                color="black",
                markerfacecolor="white",
                linestyle="none",
                label="p given as 'P < x' (drawn at x)",
            )
            ax.legend(loc="upper left", fontsize="x-small", frameon=False)
        ticks = [t for t in _P_TICKS if t >= floor]
        positions = sorted({s * -np.log10(t) for t in ticks for s in (-1, 1)})
        ax.set_xticks(positions, [f"{10 ** -abs(v):.2g}" for v in positions])
        ax.set_xlim(-span * 1.05, span * 1.05)
        ax.set_yscale("log")
        ax.set_ylim(y_low, y_high)
        ax.set_xlabel("p-value (two-sided):  negative effect  |  positive effect")
        ax.set_ylabel("Total sample size")
        fig.tight_layout()
        return save_figure(fig, fmt, path)
