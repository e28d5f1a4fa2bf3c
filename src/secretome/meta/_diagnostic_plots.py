"""Baujat, radial (Galbraith), normal QQ and L'Abbe plots, as metafor's ``baujat``, ``radial``, ``qqnorm``, ``labbe``.

Each plot has a data function returning a frozen result with the coordinates metafor returns
(:func:`baujat`, :func:`radial`, :func:`qq_normal`, :func:`labbe`) and a drawing function taking
that result (``*_plot``), drawn like the forest and funnel plots (matplotlib, no pyplot, SVG or
PDF, element ids ``study-i`` for the points).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray, as_column, require
from secretome.meta._figure_files import plot_format, save_figure
from secretome.meta._meta_regression import meta_regression
from secretome.meta._random_effects import random_effects
from secretome.meta._regression_design import regression_design
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "BaujatResult",
    "LabbeResult",
    "QQResult",
    "RadialResult",
    "baujat",
    "baujat_plot",
    "labbe",
    "labbe_plot",
    "qq_normal",
    "qq_plot",
    "radial",
    "radial_plot",
]

_Uni = RandomEffectsResult | MetaRegressionResult


def _table(result: Result, columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: getattr(result, c) for c in columns})


@dataclasses.dataclass(frozen=True, slots=True)
class BaujatResult(Result):
    """What a Baujat plot shows (metafor's ``baujat(res)`` return value).

    Attributes
    ----------
    x : tuple of float
        Each study's contribution to the (residual) heterogeneity: its squared Pearson residual
        ``(y_i - x_i'b)^2 / (v_i + tau^2)``.
    y : tuple of float
        Its influence on the overall result: ``(x_i'b_(-i) - x_i'b)^2 / Var(x_i'b_(-i))`` from the
        fit without it.
    labels : tuple of str
        Study labels.
    xlabel, ylabel : str
        metafor's axis titles.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    labels: tuple[str, ...]
    xlabel: str
    ylabel: str

    def summary(self) -> str:
        """One line per study: label, x and y."""
        return _table(self, ("labels", "x", "y")).to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def to_frame(self) -> pd.DataFrame:
        """One row per study."""
        return _table(self, ("labels", "x", "y"))


@dataclasses.dataclass(frozen=True, slots=True)
class RadialResult(Result):
    """What a radial (Galbraith) plot shows (metafor's ``radial(res)`` return value).

    Attributes
    ----------
    x, y : tuple of float
        ``1/sqrt(v_i + tau^2)`` and ``y_i/sqrt(v_i + tau^2)`` per study.
    estimate, ci_lb, ci_ub : float
        The pooled estimate (the slope of the line through the origin) and its CI.
    level : float
        The level of the ``+/- z`` band around the line.
    labels : tuple of str
        Study labels.
    random : bool
        Whether tau^2 enters (random-effects model).
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    estimate: float
    ci_lb: float
    ci_ub: float
    level: float
    labels: tuple[str, ...]
    random: bool

    def summary(self) -> str:
        """One line per study: label, x and y."""
        return _table(self, ("labels", "x", "y")).to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def to_frame(self) -> pd.DataFrame:
        """One row per study."""
        return _table(self, ("labels", "x", "y"))


@dataclasses.dataclass(frozen=True, slots=True)
class QQResult(Result):
    """What a normal QQ plot of the standardized residuals shows (metafor's ``qqnorm(res)``).

    Attributes
    ----------
    x, y : tuple of float
        Per study (in data order): the theoretical normal quantile and the standardized residual
        (``rstandard``).
    envelope_x, envelope_lb, envelope_ub : tuple of float
        The pseudo-confidence envelope at its ``k`` theoretical quantiles (empty without one).
    level : float
        The envelope's level.
    reps : int
        Simulated residual sets behind the envelope.
    labels : tuple of str
        Study labels.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]
    envelope_x: tuple[float, ...]
    envelope_lb: tuple[float, ...]
    envelope_ub: tuple[float, ...]
    level: float
    reps: int
    labels: tuple[str, ...]

    def summary(self) -> str:
        """One line per study: label, theoretical quantile and standardized residual."""
        return _table(self, ("labels", "x", "y")).to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def to_frame(self) -> pd.DataFrame:
        """One row per study."""
        return _table(self, ("labels", "x", "y"))


@dataclasses.dataclass(frozen=True, slots=True)
class LabbeResult(Result):
    """What a L'Abbe plot shows: each study's arm outcomes on the measure's scale (metafor's ``labbe(res)``).

    Attributes
    ----------
    measure : str
        ``"RR"`` (log proportions), ``"OR"`` (logits) or ``"RD"`` (proportions).
    x, y : tuple of float
        Control-arm and treatment-arm outcome per study.
    size : tuple of float
        Point sizes (metafor's ``psize``: ``1/sqrt(v_t + v_c)`` rescaled to [0.5, 3.5]).
    estimate : float
        The pooled effect: the dashed line is ``y = x + estimate``.
    line_x, line_y : tuple of float
        That line, over metafor's range of control values.
    labels : tuple of str
        Study labels.
    """

    measure: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    size: tuple[float, ...]
    estimate: float
    line_x: tuple[float, ...]
    line_y: tuple[float, ...]
    labels: tuple[str, ...]

    def summary(self) -> str:
        """One line per study: label, control and treatment outcome."""
        return _table(self, ("labels", "x", "y")).to_string(index=False, float_format=lambda v: f"{v:.4f}")

    def to_frame(self) -> pd.DataFrame:
        """One row per study."""
        return _table(self, ("labels", "x", "y", "size"))


def baujat(fit: _Uni, *, mods: ArrayLike | pd.DataFrame | None = None) -> BaujatResult:
    """The coordinates of a Baujat plot [1]_ of *fit*, as metafor's ``baujat(res)`` returns them.

    Parameters
    ----------
    fit : RandomEffectsResult or MetaRegressionResult
        The model; each study is left out once and the model refitted with the same method and test.
    mods : array_like or pandas.DataFrame, optional
        Not needed (a :class:`MetaRegressionResult` keeps its model matrix, ``design``); when given,
        they must reproduce its fitted values.

    Returns
    -------
    BaujatResult
        ``x``, ``y``, ``labels``, ``xlabel``, ``ylabel``.

    Notes
    -----
    Checked against metafor 3.8-1 ``baujat(res)$x`` and ``$y`` on dat.bcg (REML, FE, REML with
    ``ablat``) to 1e-6 (tests/meta/test_diagnostic_plots.py).

    References
    ----------
    .. [1] Baujat B, Mahe C, Pignon J-P, Hill C (2002). A graphical method for exploring
       heterogeneity in meta-analyses: application to a meta-analysis of 65 trials. Statistics in
       Medicine 21(18):2641-2652. https://doi.org/10.1002/sim.1221
    """
    y, v, x, labels = _data(fit, mods)
    k = y.size
    full = x @ _beta(fit)
    xhat = (y - full) ** 2 / (v + fit.tau2)
    yhat = np.empty(k)
    for i in range(k):
        keep = np.arange(k) != i
        beta, vb = _refit(fit, y[keep], v[keep], x[keep])
        yhat[i] = (x[i] @ beta - full[i]) ** 2 / float(x[i] @ vb @ x[i])
    intercept_only = x.shape[1] == 1
    if fit.method in ("EE", "FE"):
        xlabel = "Contribution to " + ("Overall" if intercept_only else "Residual") + " Heterogeneity"
    else:
        xlabel = "Squared Pearson Residual"
    ylabel = "Influence on Overall Result" if intercept_only else "Influence on Fitted Value"
    return BaujatResult(tuple(map(float, xhat)), tuple(map(float, yhat)), labels, xlabel, ylabel)


def radial(fit: RandomEffectsResult) -> RadialResult:
    """The coordinates of a radial (Galbraith) plot [1]_ of a model without moderators, as metafor's ``radial(res)``.

    Checked against metafor 3.8-1 ``radial(res)$x`` and ``$y`` on dat.bcg (REML, FE) to 1e-12
    (tests/meta/test_diagnostic_plots.py).

    References
    ----------
    .. [1] Galbraith RF (1988). A note on graphical presentation of estimated odds ratios from
       several clinical trials. Statistics in Medicine 7(8):889-894.
       https://doi.org/10.1002/sim.4780070807
    """
    if not isinstance(fit, RandomEffectsResult):
        raise TypeError(f"radial takes a model without moderators; got {type(fit).__name__}")
    y, v = np.array(fit.yi), np.array(fit.vi)
    scale = np.sqrt(v + fit.tau2)
    return RadialResult(
        x=tuple(map(float, 1 / scale)),
        y=tuple(map(float, y / scale)),
        estimate=fit.estimate,
        ci_lb=fit.ci_lb,
        ci_ub=fit.ci_ub,
        level=fit.level,
        labels=fit.labels,
        random=fit.method not in ("EE", "FE"),
    )


def qq_normal(
    fit: _Uni,
    *,
    mods: ArrayLike | pd.DataFrame | None = None,
    envelope: bool = True,
    reps: int = 1000,
    level: float | None = None,
    seed: int | None = None,
) -> QQResult:
    """The normal QQ plot of the standardized residuals of *fit* with its envelope, as metafor's ``qqnorm(res)``.

    Parameters
    ----------
    fit : RandomEffectsResult or MetaRegressionResult
        The model.
    mods : array_like or pandas.DataFrame, optional
        Not needed (a :class:`MetaRegressionResult` keeps its model matrix, ``design``); when given,
        they must reproduce its fitted values.
    envelope : bool
        Add the pseudo-confidence envelope [1]_.
    reps : int
        Simulated sets of residuals for the envelope.
    level : float, optional
        The envelope's level (default the model's).
    seed : int, optional
        Seed of the simulation (numpy's generator: the envelope is a Monte Carlo quantity and
        differs from R's draws).

    Returns
    -------
    QQResult
        ``x``, ``y`` (data order), ``envelope_x``, ``envelope_lb``, ``envelope_ub``, ``level``,
        ``reps``, ``labels``.

    Notes
    -----
    The residuals are metafor's ``rstandard``:
    :math:`(y_i - x_i'b)/\\sqrt{v_i + \\tau^2 - x_i'(X'WX)^{-1}x_i}`; their quantiles are
    ``qnorm(ppoints(k))`` as R's ``qqnorm``. The envelope follows metafor: ``reps`` draws of
    :math:`(I - H)z`, :math:`z \\sim N(0, I)`, :math:`H = X(X'WX)^{-1}X'W`, each sorted; the
    ``level/2`` and ``1 - level/2`` quantiles of each order statistic. metafor then smooths them
    with ``supsmu``; we draw them unsmoothed. Checked against metafor 3.8-1 ``qqnorm(res)`` (x and
    y) on dat.bcg (REML, FE, REML with ``ablat``) to 1e-6 and the envelope against metafor's
    (unsmoothed, 20,000 draws each) to 0.03 (tests/meta/test_diagnostic_plots.py).

    References
    ----------
    .. [1] Wang MC, Bushman BJ (1998). Using the normal quantile plot to explore meta-analytic data
       sets. Psychological Methods 3(1):46-54. https://doi.org/10.1037/1082-989X.3.1.46
    """
    y, v, x, labels = _data(fit, mods)
    k = y.size
    if k < 2:
        raise InputError("a QQ plot needs at least 2 studies", field="yi", value=k)
    w = 1 / (v + fit.tau2)
    xtwx_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    resid = y - x @ _beta(fit)
    z = resid / np.sqrt(v + fit.tau2 - np.einsum("ij,jk,ik->i", x, xtwx_inv, x))
    a = 3 / 8 if k <= 10 else 0.5
    quantiles = scipy.stats.norm.ppf((np.arange(1, k + 1) - a) / (k + 1 - 2 * a))
    order = np.argsort(np.argsort(z, kind="stable"), kind="stable")
    level = fit.level if level is None else level
    env_x: tuple[float, ...] = ()
    env_lb: tuple[float, ...] = ()
    env_ub: tuple[float, ...] = ()
    if envelope:
        if reps < 2:
            raise InputError("needs at least 2 replications", field="reps", value=reps)
        hat = x @ xtwx_inv @ (x.T * w)
        draws = (np.eye(k) - hat) @ np.random.default_rng(seed).standard_normal((k, reps))
        draws.sort(axis=0)
        alpha = 1 - level
        env_x = tuple(map(float, quantiles))
        env_lb = tuple(map(float, np.quantile(draws, alpha / 2, axis=1)))
        env_ub = tuple(map(float, np.quantile(draws, 1 - alpha / 2, axis=1)))
    return QQResult(
        x=tuple(float(quantiles[r]) for r in order),
        y=tuple(map(float, z)),
        envelope_x=env_x,
        envelope_lb=env_lb,
        envelope_ub=env_ub,
        level=level,
        reps=reps if envelope else 0,
        labels=labels,
    )


def labbe(
    fit: RandomEffectsResult,
    ai: ArrayLike,
    bi: ArrayLike,
    ci: ArrayLike,
    di: ArrayLike,
    *,
    measure: Literal["RR", "OR", "RD"],
    add: float = 0.5,
) -> LabbeResult:
    """The coordinates of a L'Abbe plot [1]_ of a model of 2x2 tables, as metafor's ``labbe(res)`` draws them.

    Parameters
    ----------
    fit : RandomEffectsResult
        The model of the effect sizes (``measure`` of the tables), for the dashed line.
    ai, bi, ci, di : array_like
        Events and non-events in the treatment (ai, bi) and control (ci, di) arms.
    measure : {"RR", "OR", "RD"}
        The effect size: arms are shown as log proportions, logits or proportions.
    add : float
        Added to both cells of an arm with a zero cell (metafor's ``add = 1/2, to = "only0"``).

    Returns
    -------
    LabbeResult
        ``measure``, ``x`` (control), ``y`` (treatment), ``size``, ``estimate``, ``line_x``,
        ``line_y``, ``labels``.

    Notes
    -----
    Checked against metafor 3.8-1 ``escalc(measure = "PLN"/"PLO"/"PR", xi, mi)`` of each arm of
    dat.bcg (what ``labbe(res)`` plots) to 1e-12 (tests/meta/test_diagnostic_plots.py).

    References
    ----------
    .. [1] L'Abbe KA, Detsky AS, O'Rourke K (1987). Meta-analysis in clinical research. Annals of
       Internal Medicine 107(2):224-233. https://doi.org/10.7326/0003-4819-107-2-224
    """
    check_choice("measure", measure, ("RR", "OR", "RD"), owner="labbe")
    k = len(fit.yi)
    cells = {
        name: as_column(values, name, length=k) for name, values in (("ai", ai), ("bi", bi), ("ci", ci), ("di", di))
    }
    for name, column in cells.items():
        require(column, name, lambda c: c >= 0, "counts must be >= 0")
    yt, vt = _arm(cells["ai"], cells["bi"], measure, add)
    yc, vc = _arm(cells["ci"], cells["di"], measure, add)
    wi = np.sqrt(1 / (vt + vc))
    spread = wi.max() - wi.min()
    size = np.ones(k) if spread <= np.finfo(float).eps ** 0.5 else 0.5 + 3 * (wi - wi.min()) / spread
    b = fit.estimate
    lo, hi = min(yt.min(), yc.min()), max(yt.max(), yc.max())
    rng = hi - lo
    # metafor's range of control values for the effect line, so the line stays on the scale.
    if measure == "RD":
        c_vals = np.linspace(0 if b > 0 else -b, 1 - b if b > 0 else 1, 1000)
    elif measure == "RR":
        c_vals = np.linspace(lo - rng, -b if b > 0 else 0, 1000)
    else:
        c_vals = np.linspace(lo - rng, hi + rng, 1000)
    return LabbeResult(
        measure=measure,
        x=tuple(map(float, yc)),
        y=tuple(map(float, yt)),
        size=tuple(map(float, size)),
        estimate=b,
        line_x=tuple(map(float, c_vals)),
        line_y=tuple(map(float, c_vals + b)),
        labels=fit.labels,
    )


def _arm(events: FloatArray, non_events: FloatArray, measure: str, add: float) -> tuple[FloatArray, FloatArray]:
    """One arm's outcome and its variance: escalc's PLN, PLO or PR with ``add`` on arms with a zero cell."""
    zero = (events == 0) | (non_events == 0)
    xi = np.where(zero, events + add, events)
    mi = np.where(zero, non_events + add, non_events)
    ni = xi + mi
    p = xi / ni
    if measure == "RR":
        return np.log(p), 1 / xi - 1 / ni
    if measure == "OR":
        return np.log(p / (1 - p)), 1 / xi + 1 / mi
    return p, p * (1 - p) / ni


def baujat_plot(result: BaujatResult, path: str | Path | None = None) -> bytes:
    """Draw a Baujat plot (SVG bytes, or written to *path*, .svg or .pdf), as metafor's ``baujat``.

    Each study is its label at (x, y) (ids ``study-i``), on a light grid.

    >>> from secretome.meta import random_effects
    >>> svg = baujat_plot(baujat(random_effects([0.1, 0.5, 0.9, 0.3], [0.02, 0.03, 0.02, 0.04])))
    >>> b'id="study-4"' in svg
    True
    """
    fmt = plot_format(path, "Baujat")
    with _figure() as (fig, ax):
        ax.grid(color="lightgray")
        ax.set_axisbelow(True)
        ax.plot(result.x, result.y, linestyle="none")
        for i, (x, y, label) in enumerate(zip(result.x, result.y, result.labels, strict=True), 1):
            ax.text(x, y, label, ha="center", va="center", fontsize=8, gid=f"study-{i}")
        ax.set_xlabel(result.xlabel)
        ax.set_ylabel(result.ylabel)
        return save_figure(fig, fmt, path)


def radial_plot(result: RadialResult, path: str | Path | None = None) -> bytes:
    """Draw a radial (Galbraith) plot (SVG bytes, or written to *path*), as metafor's ``radial``.

    The studies at (x, y) (ids ``study-i``), the line through the origin with the pooled estimate
    as slope (``estimate``), the band of ``+/- z`` around it (``band``, at the model's level) and,
    on the right, the CI of the estimate as a segment of slopes at the band's edge (``ci``).
    """
    fmt = plot_format(path, "radial")
    z = float(scipy.stats.norm.isf((1 - result.level) / 2))
    xmax = 1.3 * max(result.x)
    b = result.estimate
    from matplotlib.patches import Polygon

    with _figure() as (fig, ax):
        band = [(0, z), (xmax, z + xmax * b), (xmax, -z + xmax * b), (0, -z)]
        ax.add_patch(Polygon(band, closed=True, facecolor="lightgray", edgecolor="none", gid="band"))
        ax.plot([0, xmax], [0, xmax * b], color="black", linewidth=1, gid="estimate")
        for sign in (-1, 1):
            ax.plot([0, xmax], [sign * z, sign * z + xmax * b], color="black", linestyle=":", linewidth=0.8)
        edge = 1.12 * xmax
        ax.plot([edge, edge], [edge * result.ci_lb, edge * result.ci_ub], color="black", linewidth=2, gid="ci")
        ax.plot([edge], [edge * b], marker="o", color="black", markersize=4)
        for i, (x, y) in enumerate(zip(result.x, result.y, strict=True), 1):
            ax.plot([x], [y], marker="o", color="black", markersize=4, linestyle="none", gid=f"study-{i}")
        ax.set_xlim(0, 1.2 * xmax)
        ax.axhline(0, color="black", linewidth=0.3)
        ax.set_xlabel(
            "x = 1/\N{SQUARE ROOT}(v" + (" + \N{GREEK SMALL LETTER TAU}\N{SUPERSCRIPT TWO})" if result.random else ")")
        )
        ax.set_ylabel(
            "z = y/\N{SQUARE ROOT}(v" + (" + \N{GREEK SMALL LETTER TAU}\N{SUPERSCRIPT TWO})" if result.random else ")")
        )
        return save_figure(fig, fmt, path)


def qq_plot(result: QQResult, path: str | Path | None = None) -> bytes:
    """Draw the normal QQ plot (SVG bytes, or written to *path*), as metafor's ``qqnorm``.

    The standardized residuals against the normal quantiles (ids ``study-i``), the diagonal
    (``diagonal``) and the envelope as two dotted lines (``envelope-lb``, ``envelope-ub``).
    """
    fmt = plot_format(path, "QQ")
    with _figure() as (fig, ax):
        lims = [min(*result.x, *result.y), max(*result.x, *result.y)]
        ax.plot(lims, lims, color="black", linewidth=0.8, gid="diagonal")
        if result.envelope_x:
            ax.plot(result.envelope_x, result.envelope_lb, color="black", linestyle=":", gid="envelope-lb")
            ax.plot(result.envelope_x, result.envelope_ub, color="black", linestyle=":", gid="envelope-ub")
        for i, (x, y) in enumerate(zip(result.x, result.y, strict=True), 1):
            ax.plot([x], [y], marker="o", color="black", markersize=4, linestyle="none", gid=f"study-{i}")
        ax.set_xlabel("Theoretical Quantiles")
        ax.set_ylabel("Sample Quantiles")
        ax.set_title("Normal Q-Q Plot")
        return save_figure(fig, fmt, path)


def labbe_plot(result: LabbeResult, path: str | Path | None = None) -> bytes:
    """Draw a L'Abbe plot (SVG bytes, or written to *path*), as metafor's ``labbe``.

    Each study at (control, treatment) outcome, its size by precision (ids ``study-i``), the
    diagonal of no effect (``diagonal``, solid) and the pooled effect (``estimate``, dashed).
    """
    fmt = plot_format(path, "L'Abbe")
    names = {"RR": "Log Risk", "OR": "Log Odds", "RD": "Risk"}
    with _figure() as (fig, ax):
        pad = 0.04 * (max(*result.x, *result.y) - min(*result.x, *result.y))
        lo, hi = min(*result.x, *result.y) - pad, max(*result.x, *result.y) + pad
        ax.plot([lo, hi], [lo, hi], color="black", linewidth=1, gid="diagonal")
        keep = [(x, y) for x, y in zip(result.line_x, result.line_y, strict=True) if lo <= x <= hi and lo <= y <= hi]
        if keep:
            xs, ys = zip(*keep, strict=True)
            ax.plot(xs, ys, color="black", linestyle="--", linewidth=1, gid="estimate")
        for i, (x, y, s) in enumerate(zip(result.x, result.y, result.size, strict=True), 1):
            ax.plot(
                [x], [y], marker="o", markersize=3 * s, color="black", mfc="gray", linestyle="none", gid=f"study-{i}"
            )
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel(f"{names[result.measure]} (Group 2)")
        ax.set_ylabel(f"{names[result.measure]} (Group 1)")
        return save_figure(fig, fmt, path)


@contextlib.contextmanager
def _figure() -> Iterator[tuple[Figure, Axes]]:
    """A 6 x 5 inch figure with one axes, in the forest and funnel plots' settings (fonts as text, fixed hash salt)."""
    # matplotlib is imported where a plot is drawn: `secretome meta` without a plot does not load it.
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(6, 5))
        ax = fig.add_subplot()
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.set_layout_engine("tight")
        yield fig, ax


def _data(
    fit: _Uni, mods: ArrayLike | pd.DataFrame | None
) -> tuple[FloatArray, FloatArray, FloatArray, tuple[str, ...]]:
    y, v = np.array(fit.yi), np.array(fit.vi)
    if isinstance(fit, RandomEffectsResult):
        return y, v, np.ones((y.size, 1)), fit.labels
    if not isinstance(fit, MetaRegressionResult):
        raise TypeError(f"takes a random-effects model or meta-regression; got {type(fit).__name__}")
    return y, v, regression_design(fit, mods), fit.labels


def _beta(fit: _Uni) -> FloatArray:
    return np.array([fit.estimate]) if isinstance(fit, RandomEffectsResult) else np.array(fit.beta)


def _refit(fit: _Uni, y: FloatArray, v: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Coefficients and their variance of *fit*'s model (method, test) on the rows given."""
    if x.shape[1] == 1:
        res = random_effects(y, v, method=fit.method, test=fit.test, level=fit.level)
        return np.array([res.estimate]), np.array([[res.se**2]])
    reg = meta_regression(y, v, x[:, 1:], method=fit.method, test=fit.test, level=fit.level)
    w = 1 / (v + reg.tau2)
    unscaled = np.linalg.inv(x.T @ (w[:, None] * x))
    # Knapp-Hartung scales every entry by the same factor; recover it from the intercept's SE.
    return np.array(reg.beta), unscaled * (reg.se[0] ** 2 / unscaled[0, 0])
