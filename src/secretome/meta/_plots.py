"""Forest, funnel and regression plots, as metafor's ``forest``, ``funnel`` and ``regplot`` draw them (no pyplot).

One forest and one funnel for every model (random effects, meta-regression, three-level with or
without moderators, subgroups): each result type gives its rows or points, one drawing draws them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike

from secretome.errors import InputError
from secretome.meta._columns import FloatArray
from secretome.meta._effect_result import row_list
from secretome.meta._figure_files import plot_format, save_figure
from secretome.meta._least_squares import weighted_least_squares
from secretome.meta._mantel_haenszel import MantelHaenszelResult, PetoResult
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult
from secretome.meta._regression_design import model_matrix
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._subgroups import SubgroupResult
from secretome.meta._tau2 import validated

if TYPE_CHECKING:
    from matplotlib import transforms
    from matplotlib.axes import Axes

__all__ = ["forest_plot", "funnel_plot", "regression_plot"]

_Plotted = RandomEffectsResult | SubgroupResult | MetaRegressionResult | MultilevelResult | MultilevelRegressionResult
"""The results :func:`forest_plot` and :func:`funnel_plot` draw."""

_Forested = _Plotted | MantelHaenszelResult | PetoResult
"""The results :func:`forest_plot` draws: the models, and the pooling of counts."""


def forest_plot(
    result: _Forested,
    path: str | Path | None = None,
    *,
    xlabel: str | None = None,
    weights: bool = True,
    ilab: Mapping[str, Sequence[object]] | None = None,
    favours: tuple[str, str] | None = None,
    atransf: Callable[[float], float] | None = None,
) -> bytes:
    """Draw a forest plot of *result* and return it as SVG (or write it to *path*, .svg or .pdf).

    Of a :class:`RandomEffectsResult`, as metafor's ``forest(res, showweights=TRUE)`` [1]_: one row
    per study (label, a square of area growing with its weight, its CI at the model's level, its
    weight in percent and ``estimate [ci.lb, ci.ub]``), then the pooled estimate as a diamond and,
    for random-effects models, the prediction interval as a dotted line, and a heterogeneity line
    (tau^2, I^2, Q with df and p).

    Of a :class:`MultilevelResult` (three-level model), as ``forest(res)`` on metafor's ``rma.mv``:
    one row per effect size (weights: the diagonal of V^-1, metafor's ``weights(res)``), the
    pooled diamond of the three-level model (no prediction interval) and a line with both
    variance components, I^2 and Q.

    Of a :class:`MetaRegressionResult` or :class:`MultilevelRegressionResult`, as ``forest(res)``
    on a model with moderators: the observed effects with their CIs and, in each study's row, its
    fitted value with the CI of ``predict(res)`` as a grey diamond; no overall diamond, as metafor
    (the model has no single estimate). Under them, the residual heterogeneity and the test of the
    moderators (QM or F with df and p).

    Of a :class:`SubgroupResult` (from :func:`subgroups`), the subgroup layout of metafor's forest
    examples and RevMan [2]_: per subgroup a heading, its studies, its own diamond labelled with its
    model and k, and its heterogeneity line; then the model on all studies with its diamond,
    prediction interval and heterogeneity, and the test for subgroup differences (QM, F or
    Q-between, with df and p). Study weights are those of the model on all studies, so they sum to
    100 % over the plot, as ``forest(rma(yi, vi), showweights=TRUE)`` would show them.

    Of a :class:`MantelHaenszelResult` or :class:`PetoResult`, as ``forest(res, showweights=TRUE)``
    on metafor's ``rma.mh`` and ``rma.peto`` (which go through ``forest.rma``): one row per table
    with a defined ``yi``/``vi`` (its escalc effect and CI), its Mantel-Haenszel (or Peto) weight,
    the diamond of the equal-effects estimate labelled "FE Model" as metafor labels it, and a line
    with I^2 and Q. Tables whose ``yi``/``vi`` are not defined (double-zero tables, which escalc's
    ``drop00`` leaves out) are not drawn, as metafor's ``na.omit``; they are pooled all the same,
    so the weights drawn need not sum to 100 (for RD a double-zero table keeps its weight
    ``n1 n2/N``). A note (id ``omitted``) names those rows and the weight they carry.

    Every number comes from the fitted result. Elements carry ids: ``study-i`` and ``study-ci-i``
    (i the study's 1-based row in the data; for counts the table's row), ``weight-i``,
    ``fitted-i`` (models with moderators), ``pooled``, ``prediction-interval``, ``heterogeneity``,
    ``moderator-test``, ``omitted`` (counts), and in the subgroup layout ``subgroup-j``,
    ``heterogeneity-j`` (j the 1-based subgroup) and ``subgroup-test``.
    Text stays text in the SVG (``svg.fonttype = "none"``), so it can be searched and edited. The
    file is written whole or not at all.

    Parameters
    ----------
    result : RandomEffectsResult, MultilevelResult, MetaRegressionResult, MultilevelRegressionResult, SubgroupResult, \
MantelHaenszelResult or PetoResult
        The fitted model, the subgroup analysis, or the pooling of 2x2 tables (person-time data).
    path : str or Path, optional
        Where to write the plot (.svg or .pdf); the SVG bytes are returned either way (PDF bytes
        for a .pdf path).
    xlabel : str, optional
        Label of the effect-size axis; by default metafor's: "Observed Outcome" for a model, the
        measure for counts ("Log Odds Ratio", "Risk Difference", ...; with ``atransf=math.exp``
        "Odds Ratio (log scale)").
    weights : bool
        Show the weights column (metafor's ``showweights``).
    ilab : mapping of str to sequence, optional
        Extra columns between the study labels and the plot, as metafor's ``ilab`` with
        ``header``: column heading to one value per study in the order of the data (e.g. the n,
        mean and SD of each arm). Cells carry ids ``ilab-j-i`` (j the 1-based column). For counts,
        one value per pooled table, drawn or not (e.g. events/total of each arm).
    favours : (str, str), optional
        Labels under the axis, left and right of no effect (RevMan's "Favours ..." convention).
    atransf : callable, optional
        metafor's ``atransf``: the plot stays on the scale of the estimates (log odds ratios) and the
        axis labels and the printed estimates and CIs are transformed, e.g. ``math.exp`` for odds
        ratios.

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal
       of Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03
    .. [2] Borenstein M, Higgins JPT (2013). Meta-analysis and subgroups. Prevention Science
       14(2):134-143. https://doi.org/10.1007/s11121-013-0377-7

    Examples
    --------
    >>> from secretome.meta import meta_regression, random_effects, subgroups
    >>> svg = forest_plot(random_effects([0.1, 0.5, 0.9], [0.01, 0.02, 0.01], labels=["A", "B", "C"]))
    >>> svg.startswith(b"<?xml") and b">RE Model<" in svg
    True
    >>> res = subgroups([0.1, 0.3, 0.8, 0.9], [0.01, 0.02, 0.01, 0.02], ["a", "a", "b", "b"], method="FE")
    >>> b'id="subgroup-2"' in forest_plot(res)
    True
    >>> svg = forest_plot(meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1, 2, 3, 4]))
    >>> b'id="fitted-4"' in svg and b'id="pooled"' not in svg
    True
    >>> import math
    >>> from secretome.meta import mantel_haenszel
    >>> res = mantel_haenszel("OR", ai=[4, 6, 3], n1i=[50, 60, 40], ci=[10, 12, 9], n2i=[50, 60, 40])
    >>> svg = forest_plot(res, atransf=math.exp)
    >>> b">FE Model<" in svg and b">Odds Ratio (log scale)<" in svg
    True
    """
    fmt = plot_format(path, "forest")
    rows, level = _forest_rows(result)
    crit = float(scipy.stats.norm.isf((1 - level) / 2))
    top = len(rows)
    # Weights of 0 (a table without events in one arm) or NaN (none carries weight) draw the smallest square.
    biggest = max((row.study[3] for row in rows if row.study is not None and row.study[3] > 0), default=1.0)
    # matplotlib is imported where a plot is drawn: `secretome meta` without a plot does not load it.
    import matplotlib
    from matplotlib import transforms
    from matplotlib.figure import Figure

    columns = {} if ilab is None else {str(k): list(v) for k, v in ilab.items()}
    counts = isinstance(result, (MantelHaenszelResult, PetoResult))
    n_studies = result.k if counts else sum(row.study is not None for row in rows)
    for heading, values in columns.items():
        if len(values) != n_studies:
            raise InputError(f"needs one value per study ({n_studies}), got {len(values)}", field="ilab", value=heading)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome", "font.size": 9}):
        height = 0.24 * (top + 2) + (1.25 if favours else 0.9) + (0.2 if columns else 0.0)
        # Fixed columns in inches, as metafor's forest: labels on the left (3 in), the ilab columns
        # (1.2 in each), the plot (4 in), then the weights and the estimates; notes (heterogeneity,
        # tests) start at the left edge and may run under the plot.
        extra = _ILAB_WIDTH * len(columns)
        width = 10.0 + extra
        fig = Figure(figsize=(width, height))
        bottom = (1.05 if favours else 0.7) / height
        ax = fig.add_axes(((3.0 + extra) / width, bottom, 4.0 / width, 1 - bottom - (0.6 if columns else 0.4) / height))
        text_at = transforms.blended_transform_factory(fig.transFigure, ax.transData)
        at = _ForestColumns(0.1 / width, (7.95 + extra) / width, (9.85 + extra) / width)
        centres = [(3.0 + _ILAB_WIDTH * (j + 0.5)) / width for j in range(len(columns))]
        header = [(at.label, "left", "Study"), (at.estimate, "right", f"Estimate [{100 * level:g}% CI]")]
        if weights:
            header.append((at.weight, "right", "Weight"))
        for x, align, text in header:
            ax.text(x, top, text, transform=text_at, ha=align, va="center", fontweight="bold")
        for x, heading in zip(centres, columns, strict=True):
            # Headings may have two lines ("treated\nmean (SD)"): they grow upwards from the first row.
            ax.text(x, top - 0.45, heading, transform=text_at, ha="center", va="bottom", fontweight="bold")
        extent: list[float] = []
        for y, row in zip(range(top - 1, -1, -1), rows, strict=True):
            extent += _draw_row(
                ax, text_at, y, row, crit=crit, biggest=biggest, weights=weights, at=at, atransf=atransf
            )
            if row.study is not None:
                i = row.study[0]
                for j, values in enumerate(columns.values()):
                    value = values[row.cell]
                    shown = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
                    ax.text(centres[j], y, shown, transform=text_at, ha="center", va="center",
                            gid=f"ilab-{j + 1}-{i}")  # fmt: skip
        ax.axvline(0, color="grey", linewidth=0.6, linestyle="--")
        extent = extent or [-1.0, 1.0]  # nothing drawn to scale by (no yi, no estimate): an axis around 0
        pad = 0.05 * (max(extent) - min(extent))
        ax.set_xlim(min(extent) - pad, max(extent) + pad)
        ax.set_ylim(-0.8, top - 0.2)
        ax.set_yticks([])
        if atransf is not None:
            from matplotlib.ticker import FuncFormatter

            # As metafor's atransf: positions stay on the model's scale, the labels are transformed.
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{atransf(x):.2f}"))
        ax.set_xlabel(_forest_xlabel(result, atransf) if xlabel is None else xlabel)
        if favours:
            # Under the axis label, each side of no effect, as RevMan prints "Favours ...".
            below = transforms.offset_copy(ax.transData, fig=fig, y=-34, units="points")
            low, high = ax.get_xlim()
            ax.text(low, ax.get_ylim()[0], favours[0], transform=below, ha="left", va="top", fontstyle="italic",
                    gid="favours-left")  # fmt: skip
            ax.text(high, ax.get_ylim()[0], favours[1], transform=below, ha="right", va="top", fontstyle="italic",
                    gid="favours-right")  # fmt: skip
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        return save_figure(fig, fmt, path)


_ILAB_WIDTH = 1.2  # inches per ilab column

_MEASURE_LABELS = {
    "OR": ("Log Odds Ratio", "Odds Ratio"),
    "RR": ("Log Risk Ratio", "Risk Ratio"),
    "IRR": ("Log Incidence Rate Ratio", "Incidence Rate Ratio"),
    "RD": ("Risk Difference", None),
}
"""The x-axis labels of metafor's forest (its .setlab) by measure: on the estimate's scale, and with atransf=exp."""


def _forest_xlabel(result: _Forested, atransf: Callable[[float], float] | None) -> str:
    """metafor's default x label: the measure of pooled counts, "Observed Outcome" for a model (yi/vi given)."""
    if not isinstance(result, (MantelHaenszelResult, PetoResult)):
        return "Observed Outcome"
    plain, exponentiated = _MEASURE_LABELS[result.measure]
    if atransf is None:
        return plain
    if exponentiated is not None and atransf in (math.exp, np.exp):
        return f"{exponentiated} (log scale)"
    return f"Transformed {plain}"


@dataclasses.dataclass(frozen=True)
class _ForestColumns:
    """Where (figure fractions) the labels start and the weight and estimate columns end."""

    label: float
    weight: float
    estimate: float


def _draw_row(
    ax: Axes,
    text_at: transforms.Transform,
    y: int,
    row: _Row,
    *,
    crit: float,
    biggest: float,
    weights: bool,
    at: _ForestColumns,
    atransf: Callable[[float], float] | None = None,
) -> list[float]:
    """Draw one forest row at height *y*; return the x values it spans (for the axis limits)."""
    from matplotlib.patches import Polygon

    if row.kind == "blank":
        return []
    style: dict[str, str | int] = {}
    if row.kind == "heading":
        style = {"fontweight": "bold"}
    elif row.kind == "note":
        style = {"fontstyle": "italic", "fontsize": 8}
    ax.text(at.label, y, row.label, transform=text_at, ha="left", va="center", gid=row.text_gid, **style)
    weight = None
    if row.study is not None:
        i, yi, vi, w = row.study
        shown = (yi, yi - crit * math.sqrt(vi), yi + crit * math.sqrt(vi))
        spans = list(shown[1:])
        if row.fitted is not None:
            # metafor's addfit for a model with moderators: a grey polygon per study, under its square.
            fit, lb, ub = row.fitted
            polygon = [(lb, y), (fit, y + 0.35), (ub, y), (fit, y - 0.35)]
            ax.add_patch(Polygon(polygon, closed=True, color="grey", gid=f"fitted-{i}"))
            spans += [lb, ub]
        ax.hlines(y, shown[1], shown[2], color="black", linewidth=0.8, gid=f"study-ci-{i}")
        size = 3 + 6 * math.sqrt(w / biggest) if w > 0 else 3.0
        ax.plot([yi], [y], marker="s", color="black", markersize=size, gid=f"study-{i}")
        # A weight that is not defined (no table carries weight) is left blank, as metafor blanks NA.
        weight = (f"{w:.2f}%", f"weight-{i}") if math.isfinite(w) else None
    elif row.fit is not None:
        fit = row.fit
        shown = (fit.estimate, fit.ci_lb, fit.ci_ub)
        diamond = [(fit.ci_lb, y), (fit.estimate, y + 0.35), (fit.ci_ub, y), (fit.estimate, y - 0.35)]
        ax.add_patch(Polygon(diamond, closed=True, color="black", gid=row.gid))
        spans = [fit.ci_lb, fit.ci_ub]
        if row.gid == "pooled":
            # The model's row carries the whole weight, as metafor prints 100% beside its polygon.
            weight = ("100.00%", "weight-pooled")
            if fit.pi_lb is not None and fit.pi_ub is not None:
                pi = (fit.pi_lb, fit.pi_ub)
                ax.hlines(y, *pi, color="black", linewidth=0.8, linestyles="dotted", gid="prediction-interval")
                spans += [fit.pi_lb, fit.pi_ub]
    else:
        return []
    if weights and weight is not None:
        ax.text(at.weight, y, weight[0], transform=text_at, ha="right", va="center", gid=weight[1])
    if atransf is not None:
        # metafor sorts the transformed bounds (.psort): a decreasing transformation swaps them.
        estimate, low, high = (atransf(x) for x in shown)
        shown = (estimate, min(low, high), max(low, high))
    ax.text(at.estimate, y, "{:.2f} [{:.2f}, {:.2f}]".format(*shown), transform=text_at, ha="right", va="center")
    return spans


@dataclasses.dataclass(frozen=True)
class _Diamond:
    """A pooled estimate as a forest plot draws it: the diamond, and the prediction interval if any."""

    estimate: float
    ci_lb: float
    ci_ub: float
    pi_lb: float | None = None
    pi_ub: float | None = None


@dataclasses.dataclass(frozen=True)
class _Row:
    """One row of a forest plot, top to bottom."""

    kind: Literal["heading", "study", "diamond", "note", "blank"]
    label: str = ""
    study: tuple[int, float, float, float] | None = None  # 1-based row, yi, vi, weight in percent
    fitted: tuple[float, float, float] | None = None  # a study's fitted value and its CI (models with moderators)
    fit: _Diamond | None = None  # the model of a diamond row
    gid: str = ""  # the diamond's id
    text_gid: str | None = None  # the label's id (headings and notes)
    cell: int = 0  # a study's 0-based position in the ilab columns


def _study_row(label: str, i: int, yi: float, vi: float, w: float, **kwargs: object) -> _Row:
    """The row of study *i* (1-based), whose ilab values are the i-th."""
    return _Row("study", label, (i, yi, vi, w), cell=i - 1, **kwargs)  # type: ignore[arg-type]


def _forest_rows(result: _Forested) -> tuple[list[_Row], float]:
    """The rows of *result*'s forest plot, top to bottom, and the confidence level of its CIs."""
    match result:
        case SubgroupResult():
            return _subgroup_rows(result), result.overall.level
        case MantelHaenszelResult() | PetoResult():
            return _count_rows(result), result.level
        case RandomEffectsResult():
            pooled = _Diamond(result.estimate, result.ci_lb, result.ci_ub, result.pi_lb, result.pi_ub)
            model = _pooled_rows(pooled, _model_name(result), "pooled", _heterogeneity_text(result), "heterogeneity")
        case MultilevelResult():
            # metafor labels an rma.mv diamond "RE Model" too; the variance components say it has three levels.
            pooled = _Diamond(result.estimate, result.ci_lb, result.ci_ub)
            model = _pooled_rows(pooled, "RE Model", "pooled", _multilevel_text(result), "heterogeneity")
        case MetaRegressionResult() | MultilevelRegressionResult():
            fits = zip(result.fitted, result.fitted_ci_lb, result.fitted_ci_ub, strict=True)
            studies = [
                _study_row(label, i, yi, vi, w, fitted=fit)
                for i, ((label, yi, vi, w), fit) in enumerate(zip(_studies(result), fits, strict=True), 1)
            ]
            moderators = _omnibus_text(result.QM, result.QM_df, result.QM_pval)
            notes = [
                _Row("note", _residual_text(result), text_gid="heterogeneity"),
                _Row("note", f"Test of moderators: {moderators}", text_gid="moderator-test"),
            ]
            return [*studies, _Row("blank"), *notes], result.level
        case _:
            raise TypeError(f"forest_plot draws a model or subgroup analysis; got {type(result).__name__}")
    studies = [_study_row(label, i, yi, vi, w) for i, (label, yi, vi, w) in enumerate(_studies(result), 1)]
    return [*studies, _Row("blank"), *model], result.level


def _count_rows(result: MantelHaenszelResult | PetoResult) -> list[_Row]:
    """metafor's forest of an rma.mh or rma.peto fit: the tables with a yi/vi, then the equal-effects diamond."""
    weight_of = dict(zip(result.table_rows, result.weights, strict=True))
    cell_of = {row: j for j, row in enumerate(result.table_rows)}
    studies = [
        _Row("study", label, (i, yi, vi, weight_of[i]), cell=cell_of[i])
        for label, i, yi, vi in zip(result.labels, result.rows, result.yi, result.vi, strict=True)
    ]
    # metafor's forest labels these fits by their method "FE"; a NaN estimate (not computable) draws no diamond.
    pooled = None if math.isnan(result.estimate) else _Diamond(result.estimate, result.ci_lb, result.ci_ub)
    rows = [*studies, _Row("blank"), _Row("diamond", "FE Model", fit=pooled, gid="pooled")]
    if math.isnan(result.Q):
        rows.append(_Row("note", "Heterogeneity: not computable (no pooled estimate)", text_gid="heterogeneity"))
    else:
        heterogeneity = f"I² = {result.I2:.1f}%; Q = {result.Q:.2f}, df = {result.Q_df}, {_p_short(result.Q_pval)}"
        rows.append(_Row("note", f"Heterogeneity: {heterogeneity}", text_gid="heterogeneity"))
    hidden = [j for j, row in enumerate(result.table_rows) if row not in set(result.rows)]
    if hidden:
        share = sum(result.weights[j] for j in hidden)
        rows_hidden = row_list([result.table_rows[j] - 1 for j in hidden])
        carried = "" if math.isnan(share) else f", {share:.2f}% of the weight"
        note = f"Pooled, not drawn (no yi/vi, e.g. no events in either arm): {rows_hidden}{carried}"
        rows.append(_Row("note", note, text_gid="omitted"))
    return rows


def _subgroup_rows(result: SubgroupResult) -> list[_Row]:
    overall = result.overall
    rows: list[_Row] = []
    studies = list(enumerate(_studies(overall), 1))
    for j, (level, fit) in enumerate(result.fits_by_level(), 1):
        rows.append(_Row("heading", level, text_gid=f"heading-{j}"))
        rows += [
            _study_row(label, i, yi, vi, w)
            for (i, (label, yi, vi, w)), group in zip(studies, result.groups, strict=True)
            if group == level
        ]
        label = f"{_model_name(fit)} for {level} (k = {fit.k})"
        diamond = _Diamond(fit.estimate, fit.ci_lb, fit.ci_ub, fit.pi_lb, fit.pi_ub)
        rows += [
            *_pooled_rows(diamond, label, f"subgroup-{j}", _heterogeneity_text(fit), f"heterogeneity-{j}"),
            _Row("blank"),
        ]
    label = f"{_model_name(overall)} for all studies (k = {overall.k})"
    diamond = _Diamond(overall.estimate, overall.ci_lb, overall.ci_ub, overall.pi_lb, overall.pi_ub)
    rows += _pooled_rows(diamond, label, "pooled", _heterogeneity_text(overall), "heterogeneity")
    return [*rows, _Row("note", f"Test for subgroup differences: {_between_text(result)}", text_gid="subgroup-test")]


def _studies(
    fit: RandomEffectsResult | MetaRegressionResult | MultilevelResult | MultilevelRegressionResult,
) -> list[tuple[str, float, float, float]]:
    return list(zip(fit.labels, fit.yi, fit.vi, fit.weights, strict=True))


def _pooled_rows(fit: _Diamond, label: str, gid: str, note: str, note_gid: str) -> list[_Row]:
    return [_Row("diamond", label, fit=fit, gid=gid), _Row("note", note, text_gid=note_gid)]


def _model_name(fit: RandomEffectsResult) -> str:
    return "RE Model" if fit.is_random else f"{fit.method} Model"


def _heterogeneity_text(fit: RandomEffectsResult) -> str:
    # What RevMan and metafor's subgroup forest examples print under a diamond; 2 decimals, as
    # forest's annotations (I^2 with 1, as it is a percentage).
    tau2 = f"τ² = {fit.tau2:.2f}; " if fit.is_random else ""
    if fit.Q is None or fit.Q_pval is None:
        return f"Heterogeneity: {tau2}I² and Q not available (a sampling variance is 0)"
    return f"Heterogeneity: {tau2}I² = {fit.I2:.1f}%; Q = {fit.Q:.2f}, df = {fit.Q_df}, {_p_short(fit.Q_pval)}"


def _multilevel_text(fit: MultilevelResult | MultilevelRegressionResult) -> str:
    # Every variance component, as print.rma.mv lists sigma^2.1 (study), sigma^2.2 (within study), ...
    if len(fit.sigma2) == 2:
        between, within = fit.sigma2
        parts = f"{between:.2f} (between studies), {within:.2f} (within studies)"
    else:
        parts = ", ".join(f"{s2:.2f} ({name})" for s2, name in zip(fit.sigma2, fit.factors, strict=True))
    sigma2 = f"σ² = {parts}" + ("" if fit.I2 is None else f"; I² = {fit.I2:.1f}%")
    if isinstance(fit, MultilevelResult) and (fit.Q is None or fit.Q_pval is None):
        return f"Heterogeneity: {sigma2}; Q not available (a sampling variance is 0)"
    if isinstance(fit, MultilevelResult):
        return f"Heterogeneity: {sigma2}; Q = {fit.Q:.2f}, df = {fit.Q_df}, {_p_short(fit.Q_pval)}"
    if fit.QE is None or fit.QE_pval is None:
        return f"Residual heterogeneity: {sigma2}; QE not available (a sampling variance is 0)"
    return f"Residual heterogeneity: {sigma2}; QE = {fit.QE:.2f}, df = {fit.QE_df}, {_p_short(fit.QE_pval)}"


def _residual_text(fit: MetaRegressionResult | MultilevelRegressionResult) -> str:
    if isinstance(fit, MultilevelRegressionResult):
        return _multilevel_text(fit)
    tau2 = "" if fit.method in ("EE", "FE") else f"τ² = {fit.tau2:.2f}; "
    if fit.QE is None or fit.QE_pval is None:
        return f"Residual heterogeneity: {tau2}I² and QE not available (a sampling variance is 0)"
    qe = f"QE = {fit.QE:.2f}, df = {fit.QE_df}, {_p_short(fit.QE_pval)}"
    return f"Residual heterogeneity: {tau2}I² = {fit.I2:.1f}%; {qe}"


def _between_text(result: SubgroupResult) -> str:
    if result.between == "separate":
        return f"Q-between = {result.QM:.2f}, df = {result.QM_df[0]}, {_p_short(result.QM_pval)}"
    return _omnibus_text(result.QM, result.QM_df, result.QM_pval)


def _omnibus_text(qm: float, qm_df: tuple[int, ...], pval: float) -> str:
    """The omnibus test of moderators: F with (df1, df2) for knha and t tests, else QM (chi-square)."""
    if len(qm_df) == 2:
        df1, df2 = qm_df
        return f"F = {qm:.2f}, df1 = {df1}, df2 = {df2}, {_p_short(pval)}"
    return f"QM = {qm:.2f}, df = {qm_df[0]}, {_p_short(pval)}"


def _p_short(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def funnel_plot(
    result: _Plotted,
    path: str | Path | None = None,
    *,
    xlabel: str | None = None,
    contours: Sequence[float] | None = None,
) -> bytes:
    """Draw a funnel plot of *result* and return it as SVG (or write it to *path*, .svg or .pdf).

    What metafor's ``funnel(res)`` [1]_ draws, by result:

    - :class:`RandomEffectsResult` and :class:`MultilevelResult` (no moderators): the effect sizes
      against their standard errors ``sqrt(vi)`` (0 at the top), a vertical line at the pooled
      estimate and the pseudo-confidence region ``estimate +/- z * SE`` (at the model's level) [2]_;
      for the three-level model the estimate is its pooled one, as ``funnel`` on ``rma.mv``.
    - :class:`MetaRegressionResult` and :class:`MultilevelRegressionResult`: metafor's default for
      models with moderators, the residuals against their standard errors (``rstandard(res)``),
      around 0, x axis "Residual Value".
    - :class:`SubgroupResult`: the funnel of the meta-regression on the subgroup dummies
      (``rma(yi, vi, mods = ~ factor(group))``, its residuals), as metafor would draw for that
      model; a ``between="separate"`` analysis fitted no such model and is refused.

    With ``contours=(0.90, 0.95, 0.99)`` it is instead contour-enhanced [3]_, as metafor's
    ``funnel(res, level=c(90, 95, 99), shade=..., refline=0)``: the regions around 0 where a study's
    two-sided p-value exceeds 0.10, lies in (0.05, 0.10], (0.01, 0.05] and below 0.01 are shaded from
    white to dark, with a legend; the pseudo-confidence region around the estimate is not drawn.

    Elements carry ids ``study-i`` (1-based row), ``funnel-region`` or ``contour-<level>`` and
    ``contour-inner``, and ``pooled`` (the vertical line at the estimate) or, for residuals,
    ``refline`` (at 0). The file is written whole or not at all.

    Parameters
    ----------
    result : RandomEffectsResult, MultilevelResult, MetaRegressionResult, MultilevelRegressionResult or SubgroupResult
        The fitted model, or the subgroup analysis.
    path : str or Path, optional
        Where to write the plot (.svg or .pdf).
    xlabel : str, optional
        Label of the x axis (default as metafor: "Observed Outcome", or "Residual Value").
    contours : sequence of float, optional
        Levels of a contour-enhanced funnel, proportions in (0, 1).

    Raises
    ------
    InputError
        A bad suffix or contour level, or a subgroup analysis with ``between="separate"``.

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal
       of Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03
    .. [2] Sterne JAC, Egger M (2001). Funnel plots for detecting bias in meta-analysis:
       guidelines on choice of axis. Journal of Clinical Epidemiology 54(10):1046-1055.
       https://doi.org/10.1016/S0895-4356(01)00377-8
    .. [3] Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2008). Contour-enhanced
       meta-analysis funnel plots help distinguish publication bias from other causes of asymmetry.
       Journal of Clinical Epidemiology 61(10):991-996. https://doi.org/10.1016/j.jclinepi.2007.11.010

    Examples
    --------
    >>> from secretome.meta import meta_regression, random_effects
    >>> svg = funnel_plot(random_effects([0.1, 0.5, 0.9], [0.01, 0.02, 0.01]))
    >>> b'id="funnel-region"' in svg
    True
    >>> svg = funnel_plot(random_effects([0.1, 0.5, 0.9], [0.01, 0.02, 0.01]), contours=(0.90, 0.95, 0.99))
    >>> b'id="contour-0.99"' in svg and b'id="funnel-region"' not in svg
    True
    >>> svg = funnel_plot(meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1, 2, 3, 4]))
    >>> b">Residual Value<" in svg and b'id="refline"' in svg
    True
    """
    fmt = plot_format(path, "funnel")
    levels = _contour_levels(contours)
    points = _funnel_points(result)
    crit = float(scipy.stats.norm.isf((1 - points.level) / 2))
    top = max(points.se) * 1.05
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Polygon

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(6, 5))
        ax = fig.add_subplot()
        mu = points.centre
        if levels:
            # Widest region first, each narrower one painted over it: darkest outside the largest level.
            shades = np.linspace(0.68, 0.86, len(levels))
            outside = str(round(shades[0] - 0.12, 4))
            ax.set_facecolor(outside)
            ax.plot([], [], marker="s", linestyle="none", color=outside, label=f"p < {1 - levels[0]:.3g}")
            for i, (level, shade) in enumerate(zip(levels, shades, strict=True)):
                z = float(scipy.stats.norm.isf((1 - level) / 2))
                region = [(-z * top, top), (0.0, 0.0), (z * top, top)]
                ax.add_patch(
                    Polygon(region, closed=True, facecolor=str(shade), edgecolor="none", gid=f"contour-{level:g}")
                )
                # What stays visible of this region is the band up to the next, narrower contour.
                if i + 1 < len(levels):
                    band = f"{1 - level:.3g} < p < {1 - levels[i + 1]:.3g}"
                    ax.plot([], [], marker="s", linestyle="none", color=str(shade), label=band)
            z_min = float(scipy.stats.norm.isf((1 - levels[-1]) / 2))
            inner = [(-z_min * top, top), (0.0, 0.0), (z_min * top, top)]
            ax.add_patch(Polygon(inner, closed=True, facecolor="white", edgecolor="none", gid="contour-inner"))
            ax.plot([], [], marker="s", linestyle="none", color="white", mec="grey", label=f"p > {1 - levels[-1]:.3g}")
            crit = max(crit, float(scipy.stats.norm.isf((1 - levels[0]) / 2)))
            mu_axis = 0.0
        else:
            region = [(mu - crit * top, top), (mu, 0.0), (mu + crit * top, top)]
            ax.add_patch(
                Polygon(region, closed=True, facecolor="white", edgecolor="black", linewidth=0.8, gid="funnel-region")
            )
            mu_axis = mu
        ax.vlines(mu, 0, top, color="black", linewidth=0.8, gid=points.centre_gid)
        for i, (x, se) in enumerate(zip(points.x, points.se, strict=True), 1):
            ax.plot([x], [se], marker="o", color="black", markersize=5, gid=f"study-{i}")
        ax.set_ylim(top, 0)
        ax.set_xlim(
            min(mu_axis - crit * top, *points.x) - 0.1 * crit * top,
            max(mu_axis + crit * top, *points.x) + 0.1 * crit * top,
        )
        ax.set_xlabel(points.xlabel if xlabel is None else xlabel)
        ax.set_ylabel("Standard Error")
        if levels:
            ax.legend(loc="upper right", fontsize="small", frameon=True)
        fig.tight_layout()
        return save_figure(fig, fmt, path)


@dataclasses.dataclass(frozen=True)
class _FunnelPoints:
    """What a funnel plot shows of a result: x against its SE, the centre line and the axis label."""

    x: tuple[float, ...]
    se: tuple[float, ...]
    centre: float
    centre_gid: str
    xlabel: str
    level: float


def _funnel_points(result: _Plotted) -> _FunnelPoints:
    match result:
        case SubgroupResult(moderator_fit=None):
            raise InputError(
                "the funnel of a subgroup analysis shows the residuals of the moderator model, which "
                "between='separate' does not fit; use between='moderator', or funnel_plot(result.overall)",
                field="between",
                value=result.between,
            )
        case SubgroupResult(moderator_fit=MetaRegressionResult() as fit):
            return _funnel_points(fit)
        case RandomEffectsResult() | MultilevelResult():
            se = tuple(math.sqrt(v) for v in result.vi)
            return _FunnelPoints(result.yi, se, result.estimate, "pooled", "Observed Outcome", result.level)
        case MetaRegressionResult() | MultilevelRegressionResult():
            # metafor's funnel of a model with moderators: rstandard's residuals around refline = 0.
            return _FunnelPoints(result.resid, result.resid_se, 0.0, "refline", "Residual Value", result.level)
        case _:
            raise TypeError(f"funnel_plot draws a model or subgroup analysis; got {type(result).__name__}")


def regression_plot(
    result: MetaRegressionResult,
    yi: ArrayLike,
    vi: ArrayLike,
    mods: ArrayLike | pd.DataFrame,
    path: str | Path | None = None,
    *,
    moderator: str | None = None,
    names: Sequence[str] | None = None,
    xlabel: str | None = None,
    ylabel: str = "Observed Outcome",
) -> bytes:
    """Draw the bubble plot of a meta-regression against one continuous moderator, as metafor's ``regplot``.

    One point per study at (moderator, yi), its area growing with the study's weight in the model;
    the fitted line, its confidence band and, for random-effects models, its prediction band
    (metafor's ``regplot(res, mod=..., pi=TRUE)``) [1]_. The line and bands are the model's
    predictions (``predict(res, newmods=...)``) over the moderator's range widened by 4 % on each
    side, with every other moderator held at its mean, as metafor does: ``x'b``, ``x'b +/- crit *
    sqrt(x'Vx)`` and ``x'b +/- crit * sqrt(x'Vx + tau^2)``, ``crit`` from the normal or, for
    Knapp-Hartung, the t distribution on ``k - p`` df.

    *result* holds no data, so the data it was fitted to are passed again; they are checked against
    it (same studies and moderators, same coefficients and standard errors), so the plot shows the
    fitted result. Returns the SVG (or writes *path*, .svg or .pdf, whole or not at all). Elements
    carry ids ``study-i`` (1-based row), ``fitted-line``, ``ci-band`` and ``prediction-band``.

    Parameters
    ----------
    result : MetaRegressionResult
        The model, from :func:`meta_regression`.
    yi, vi, mods, names
        The data the model was fitted to, as given to :func:`meta_regression`.
    path : str or Path, optional
        Where to write the plot (.svg or .pdf).
    moderator : str, optional
        The moderator on the x axis (a name in ``result.coef_names``); may be left out when the
        model has one moderator.
    xlabel, ylabel : str
        Axis labels (default x label: the moderator's name).

    Raises
    ------
    InputError
        The moderator is not in the model, is a factor (a 0/1 dummy), or is not named when the
        model has several; or the data are not those the result was fitted to.

    References
    ----------
    .. [1] Thompson SG, Higgins JPT (2002). How should meta-regression analyses be undertaken and
       interpreted? Statistics in Medicine 21(11):1559-1573. https://doi.org/10.1002/sim.1187

    Examples
    --------
    >>> from secretome.meta import meta_regression
    >>> yi, vi, dose = [0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0]
    >>> res = meta_regression(yi, vi, dose, method="DL", names=["dose"])
    >>> svg = regression_plot(res, yi, vi, dose, names=["dose"])
    >>> b'id="fitted-line"' in svg and b">dose<" in svg
    True
    """
    fmt = plot_format(path, "regression")
    y, v = validated(yi, vi)
    x, coef_names = model_matrix(mods, y.size, names)
    if y.size != result.k or coef_names != result.coef_names:
        raise InputError(
            f"are not the moderators the result was fitted to ({', '.join(result.coef_names[1:])}, k = {result.k})",
            field="mods",
            value=list(coef_names[1:]),
        )
    j = _moderator_column(result, x, moderator)
    lines = _regression_lines(result, y, v, x, j)
    weights = 100 * (1 / (v + result.tau2)) / float((1 / (v + result.tau2)).sum())
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(6, 5))
        ax = fig.add_subplot()
        grid, pred, ci_lb, ci_ub, pi_lb, pi_ub = lines
        if pi_lb is not None and pi_ub is not None:
            ax.fill_between(grid, pi_lb, pi_ub, color="0.95", linewidth=0, gid="prediction-band")
            for bound in (pi_lb, pi_ub):
                ax.plot(grid, bound, color="black", linewidth=0.6, linestyle="dotted")
        ax.fill_between(grid, ci_lb, ci_ub, color="0.85", linewidth=0, gid="ci-band")
        for bound in (ci_lb, ci_ub):
            ax.plot(grid, bound, color="black", linewidth=0.6, linestyle="dashed")
        ax.plot(grid, pred, color="black", linewidth=1.2, gid="fitted-line")
        # metafor's point sizes: sqrt(weight) scaled linearly onto cex 0.5 to 3 (plim); largest drawn first.
        root = np.sqrt(weights)
        spread = float(root.max() - root.min())
        cex = 0.5 + 2.5 * (root - root.min()) / spread if spread > np.sqrt(np.finfo(float).eps) else np.ones(y.size)
        for i in np.argsort(-cex, kind="stable"):
            ax.plot(
                [x[i, j]],
                [y[i]],
                marker="o",
                markersize=5 * cex[i],
                markerfacecolor="darkgray",
                markeredgecolor="black",
                linestyle="none",
                gid=f"study-{i + 1}",
            )
        ax.set_xlabel(result.coef_names[j] if xlabel is None else xlabel)
        ax.set_ylabel(ylabel)
        fig.tight_layout()
        return save_figure(fig, fmt, path)


def _moderator_column(result: MetaRegressionResult, x: FloatArray, moderator: str | None) -> int:
    """The column of the design matrix to put on the x axis; a continuous moderator of the model."""
    mods = result.coef_names[1:]
    if moderator is None:
        if len(mods) != 1:
            listed = ", ".join(repr(m) for m in mods)
            raise InputError(
                f"the model has {len(mods)} moderators ({listed}); name the one to plot", field="moderator"
            )
        moderator = mods[0]
    if moderator not in mods:
        listed = ", ".join(repr(m) for m in mods)
        raise InputError(
            f"is not a moderator of the model; its moderators are {listed}", field="moderator", value=moderator
        )
    j = result.coef_names.index(moderator)
    if set(np.unique(x[:, j])) <= {0.0, 1.0}:
        raise InputError(
            "is a factor (a 0/1 dummy); the regression plot draws a continuous moderator",
            field="moderator",
            value=moderator,
        )
    return j


def _regression_lines(
    result: MetaRegressionResult, y: FloatArray, v: FloatArray, x: FloatArray, j: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray | None, FloatArray | None]:
    """metafor's ``predict`` along moderator *j* (others at their means): grid, fit, CI, PI (None for EE/FE)."""
    beta = np.asarray(result.beta)
    se = np.asarray(result.se)
    b, xtwx_inv, _ = weighted_least_squares(y, 1 / (v + result.tau2), x)
    # Knapp-Hartung scales (X'WX)^-1 by one factor; it is read off the result, so the bands use the
    # model's own variances. The check below then holds only if these are the data it was fitted to.
    vb = xtwx_inv if result.df is None else xtwx_inv * (se[0] ** 2 / xtwx_inv[0, 0])
    if not (np.allclose(b, beta, rtol=1e-6, atol=1e-10) and np.allclose(np.sqrt(np.diag(vb)), se, rtol=1e-6)):
        raise InputError("are not the data the result was fitted to (coefficients or SEs differ)", field="yi")
    low, high = float(x[:, j].min()), float(x[:, j].max())
    widen = 0.04 * (high - low)
    grid = np.linspace(low - widen, high + widen, 200)  # 200 points: smooth bands at print resolution
    xnew = np.tile(x.mean(axis=0), (grid.size, 1))
    xnew[:, j] = grid
    pred = xnew @ beta
    se_pred = np.sqrt(np.einsum("ij,jk,ik->i", xnew, vb, xnew))
    dist = scipy.stats.norm if result.df is None else scipy.stats.t(result.df)
    crit = float(dist.isf((1 - result.level) / 2))
    if result.method in ("EE", "FE"):
        return grid, pred, pred - crit * se_pred, pred + crit * se_pred, None, None
    se_new = np.sqrt(se_pred**2 + result.tau2)
    return grid, pred, pred - crit * se_pred, pred + crit * se_pred, pred - crit * se_new, pred + crit * se_new


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
