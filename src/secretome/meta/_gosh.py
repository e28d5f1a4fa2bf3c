"""GOSH (graphical display of study heterogeneity): the model fitted to every subset of the studies.

metafor's ``gosh`` refits ``rma.uni`` once per subset (65,535 refits for k = 16). Here the subsets
are the rows of a boolean matrix and every fit is a row-wise weighted sum, by the estimators of
:mod:`secretome.meta._tau2` in their batched form (:func:`~secretome.meta._tau2.batch_tau2`): DL,
HE, HS, HSk and SJ are closed forms for all subsets at once, ML, REML and EB run metafor's Fisher
scoring on all subsets in step, and PM and PMM run R's ``uniroot`` on all of them in step, O(k) per
subset and step.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from secretome._progress import ProgressCallback
from secretome._result import Result
from secretome._scheduler import check_scheduler, cluster_executor, map_in_order
from secretome.errors import ConvergenceError, InputError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._figure_files import plot_format, save_figure
from secretome.meta._random_effects import METHODS, ModelMethod, random_effects
from secretome.meta._tau2 import EQUAL_METHODS, Batch, Control, batch_tau2, intercept, model_inputs

__all__ = ["GOSH_METHODS", "GoshResult", "gosh", "gosh_plot"]

GOSH_METHODS: tuple[str, ...] = METHODS
"""Model methods :func:`gosh` supports, in metafor's names: all of :data:`METHODS`."""

# metafor fits every subset when there are at most 10^6 of them, else 10^6 random ones.
_MAX_EXACT = 10**6
# Subsets fitted per numpy batch (memory: about _BATCH * k * 8 bytes per array).
_BATCH = 1 << 16


@dataclasses.dataclass(frozen=True, eq=False)
class GoshResult(Result):
    """The model fitted to subsets of the studies, as metafor's ``gosh`` (``res`` and ``incl``).

    Attributes
    ----------
    k : int
        Number of studies in the full data.
    method : str
        The model's estimator.
    exact : bool
        Whether every non-empty subset was fitted (else a random sample of subsets).
    incl : numpy.ndarray of bool, shape (n, k)
        Row i marks the studies in subset i (metafor's ``incl``, in the same order when exact).
    k_sub, Q, I2, H2, tau2, estimate : numpy.ndarray, shape (n,)
        Per subset: number of studies, Cochran's Q, I^2 (percent), H^2, tau^2 and the pooled
        estimate (all NaN where a refit did not converge, as metafor's NA row).
    failed : int
        Subsets whose refit did not converge.
    notes : tuple of str
        What was noticed on the way.
    """

    k: int
    method: str
    exact: bool
    incl: NDArray[np.bool_]
    k_sub: NDArray[np.int64]
    Q: FloatArray
    I2: FloatArray
    H2: FloatArray
    tau2: FloatArray
    estimate: FloatArray
    failed: int = 0
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per subset: ``k``, ``QE``, ``I2``, ``H2``, ``tau2``, ``estimate`` (metafor's ``res``)."""
        return pd.DataFrame(
            {"k": self.k_sub, "QE": self.Q, "I2": self.I2, "H2": self.H2, "tau2": self.tau2, "estimate": self.estimate}
        )

    def summary(self) -> str:
        """Ranges of the per-subset statistics, like metafor's ``print.gosh.rma``."""
        kind = "all possible" if self.exact else "random"
        frame = self.to_frame()
        lines = [f"Model fits attempted: {self.incl.shape[0]} (based on {kind} subsets; method: {self.method})"]
        lines.append(f"Model fits succeeded: {self.incl.shape[0] - self.failed}")
        lines += ["", frame.describe().loc[["mean", "min", "25%", "50%", "75%", "max"]].round(4).to_string()]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def gosh(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: ModelMethod = "REML",
    subsets: int | None = None,
    seed: int | np.random.Generator | None = None,
    control: Mapping[str, object] | None = None,
    scheduler: str = "local",
    progress: ProgressCallback | None = None,
) -> GoshResult:
    r"""Fit the model to every subset of the studies (or to random subsets), as metafor's ``gosh``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances, one per study. A variance of 0 is taken as
        :func:`random_effects` takes it: the model on all studies fits it (with its warnings) or stops,
        as metafor's ``rma`` before ``gosh``; a subset that holds the study is refitted alone, with Q,
        I^2 and H^2 NaN (metafor's NA), and is a row of NaN where its fit stops (tau^2 = 0 and a weight
        1/0), as metafor's ``gosh``.
    method : {"EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "PM", "PMM", "EB"}
        The model (an intercept-only model; meta-regression is not supported here).
    subsets : int, optional
        Number of random subsets (>= 2). All :math:`2^k - 1` non-empty subsets are fitted when
        there are at most this many (default: at most 10^6, metafor's default).
    seed : int or numpy.random.Generator, optional
        Seed of the random subsets.
    scheduler : str
        ``"local"``, ``"processes"`` or a Dask scheduler address (:mod:`secretome._scheduler`): where
        the batches of subsets are fitted; the result is the same on each.
    control : mapping, optional
        metafor's ``control`` for the tau^2 estimator (``threshold``, ``maxiter``, ``stepadj``,
        ``tau2_init``, ``tol``, ``tau2_max``, ``ll0check``), applied to every subset as metafor does.
    progress : callable, optional
        Progress callback ``(task, done, total)``: subsets fitted, per batch of 65,536.

    Returns
    -------
    GoshResult
        ``incl`` and per subset ``k_sub``, ``Q``, ``I2``, ``H2``, ``tau2``, ``estimate``.

    Notes
    -----
    For a subset S with :math:`w_i = 1/v_i`, :math:`Q = \sum_S w_i (y_i - \bar y_w)^2`. For EE/FE
    and DL metafor's ``gosh`` takes a fast path and reports :math:`I^2 = \max(0, 100 (Q - (k-1))/Q)`
    and :math:`H^2 = Q/(k-1)` (so H^2 < 1 is possible), DL
    :math:`\tau^2 = \max(0, (Q-(k-1))/(\sum w - \sum w^2/\sum w))`; we do the same. The other
    estimators refit the model as :func:`random_effects` does (HE, HS, HSk and SJ in closed form; ML, REML
    and EB by Fisher scoring from the HE estimate, with metafor's step halving, threshold and
    local-maximum check; PM's root by R's ``uniroot`` to ``tol`` within ``max(100, 10 mad(yi)^2)`` of the
    subset's own yi, PMM's the same with the median of chi-square as target; all subsets in step) and
    report :math:`I^2 = 100\tau^2/(\tau^2 + s^2)`,
    :math:`H^2 = 1 + \tau^2/s^2`, :math:`s^2 = (k-1)/\mathrm{tr}(P)` with P from the weights 1/v.
    A one-study subset has Q = 0, tau^2 = 0, I^2 = 0, H^2 = 1. Random subsets follow metafor: a
    size drawn from Binomial(k, 1/2) restricted to >= 1, then that many studies at random.

    Checked against metafor 3.8-1 ``gosh(rma(yi, vi, method=...))`` on 6 studies of dat.bcg, all
    63 subsets, for every method (PM with ``control=list(tol=1e-12)``), to 1e-6
    (tests/meta/test_gosh.py); with trial 3's variance at 0 (REML, FE) by
    tools/metafor_reference_vi_zero_diagnostics.R.

    References
    ----------
    .. [1] Olkin I, Dahabreh IJ, Trikalinos TA (2012). GOSH - a graphical display of study
       heterogeneity. Research Synthesis Methods 3(3):214-223. https://doi.org/10.1002/jrsm.1053

    Examples
    --------
    >>> res = gosh([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], method="DL")
    >>> res.incl.shape, res.exact
    ((15, 4), True)
    >>> int(res.k_sub[-1])  # the last subset holds every study
    4
    """
    check_choice("method", method, GOSH_METHODS, owner="gosh")
    y, v, _ = model_inputs(yi, vi)
    k = y.size
    if k < 2:
        raise InputError("GOSH needs at least 2 studies", field="yi", value=k)
    if not v.all():
        # metafor's gosh starts from the model on all studies: with a sampling variance of 0 that model warns, or
        # stops (EE, FE, DL, ...: a weight 1/0), and so does the analysis.
        random_effects(yi, vi, method=method, control=control)
    if subsets is not None and (not isinstance(subsets, (int, np.integer)) or subsets < 2):
        raise InputError("must be an integer >= 2", field="subsets", value=subsets)
    check_scheduler(scheduler)
    total = 2**k - 1
    limit = _MAX_EXACT if subsets is None else int(subsets)
    exact = total <= limit
    incl = _all_subsets(k) if exact else _random_subsets(np.random.default_rng(seed), limit, k)
    ctl = Control.from_mapping(control)
    batches = [incl[i : i + _BATCH] for i in range(0, incl.shape[0], _BATCH)]
    with cluster_executor(scheduler) as executor:
        # The subsets are drawn before any batch is fitted and batches are joined in order: the same
        # result on any scheduler.
        fit = partial(_fit_subsets, y, v, method=method, ctl=ctl, control=control)
        parts = list(map_in_order(fit, batches, executor, progress=progress, task="gosh", size=len))
    cols = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    failed = int(np.isnan(cols["estimate"]).sum())
    notes: list[str] = []
    if failed:
        why = "did not converge" if v.all() else "did not converge or were stopped by a sampling variance of 0"
        notes.append(f"{failed} of {incl.shape[0]} subset fits {why} (NaN, as metafor's NA)")
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)
    for arr in (incl, *cols.values()):
        arr.setflags(write=False)
    return GoshResult(
        k=k,
        method=method,
        exact=exact,
        incl=incl,
        k_sub=cols["k_sub"],
        Q=cols["Q"],
        I2=cols["I2"],
        H2=cols["H2"],
        tau2=cols["tau2"],
        estimate=cols["estimate"],
        failed=failed,
        notes=tuple(notes),
    )


def _all_subsets(k: int) -> NDArray[np.bool_]:
    # metafor's order: expand.grid's (study 1 varies fastest, i.e. the binary digits of 1 .. 2^k - 1),
    # then stably by subset size; the empty set is dropped.
    idx = np.arange(1, 2**k, dtype=np.int64)[:, None]
    incl = ((idx >> np.arange(k)[None, :]) & 1).astype(bool)
    return incl[np.argsort(incl.sum(axis=1), kind="stable")]


def _random_subsets(rng: np.random.Generator, n: int, k: int) -> NDArray[np.bool_]:
    sizes = np.arange(1, k + 1)
    prob = np.array([math.comb(k, m) for m in sizes], dtype=float)
    size = rng.choice(sizes, size=n, p=prob / prob.sum())
    # The first `size` of a random ordering of the studies: a subset of that size, uniformly.
    ranks = np.argsort(rng.random((n, k)), axis=1).argsort(axis=1)
    return ranks < size[:, None]


def _fit_subsets(
    y: FloatArray,
    v: FloatArray,
    incl: NDArray[np.bool_],
    method: str,
    ctl: Control,
    control: Mapping[str, object] | None = None,
) -> dict[str, FloatArray]:
    zero = v == 0
    if not zero.any():
        return _fit_batch(y, v, incl, method, ctl)
    # The batch weighs every study by 1/v_i (times 0 outside the subset): a variance of 0 is set aside there and
    # the subsets that hold such a study are refitted one by one, as metafor refits each subset.
    held = incl[:, zero].any(axis=1)
    cols = _fit_batch(y, np.where(zero, 1.0, v), incl, method, ctl)
    for row in np.flatnonzero(held):
        for name, value in _fit_alone(y[incl[row]], v[incl[row]], method, control).items():
            cols[name][row] = value
    return cols


def _fit_alone(y: FloatArray, v: FloatArray, method: str, control: Mapping[str, object] | None) -> dict[str, float]:
    """One subset by :func:`random_effects`, quiet as metafor's refits; NaN for what it cannot give (metafor's NA)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecretomeWarning)
            fit = random_effects(y, v, method=method, control=control)  # type: ignore[arg-type]
    except (ConvergenceError, InputError):
        return dict.fromkeys(("Q", "I2", "H2", "tau2", "estimate"), math.nan)
    values = {"Q": fit.Q, "I2": fit.I2, "H2": fit.H2, "tau2": fit.tau2, "estimate": fit.estimate}
    return {name: math.nan if value is None else float(value) for name, value in values.items()}


def _fit_batch(
    y: FloatArray, v: FloatArray, incl: NDArray[np.bool_], method: str, ctl: Control
) -> dict[str, FloatArray]:
    m = incl.astype(np.float64)
    ks = m.sum(axis=1)
    w = m / v
    sw = w.sum(axis=1)
    mu = (w @ y) / sw
    q = (w * (y[None, :] - mu[:, None]) ** 2).sum(axis=1)
    df = ks - 1
    multi = ks > 1
    # A one-study subset has tau^2 = 0 (metafor's k = 1 model); the others are fitted in one batch.
    tau2 = np.zeros(ks.size)
    if method not in EQUAL_METHODS:
        rows = np.flatnonzero(multi)
        subsets = Batch(np.broadcast_to(y, (rows.size, y.size)), v, intercept(y.size)[None], m[rows])
        tau2[rows] = batch_tau2(method, subsets, ctl)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in (*EQUAL_METHODS, "DL"):
            # metafor's fast path for EE/FE and DL: I^2 and H^2 from Q.
            i2 = np.where(multi & (q > 0), np.maximum(0.0, 100 * (q - df) / q), 0.0)
            h2 = np.where(multi, q / np.where(multi, df, 1), 1.0)
        else:
            # metafor's "typical" sampling variance uses the fixed-effects weights 1/v (not 1/(v + tau2)).
            s2 = df / (sw - (w * w).sum(axis=1) / sw)
            i2 = np.where(multi, 100 * tau2 / (s2 + tau2), 0.0)
            h2 = np.where(multi, 1 + tau2 / s2, 1.0)
        wt = m / (v[None, :] + np.nan_to_num(tau2)[:, None])
        estimate = (wt @ y) / wt.sum(axis=1)
    # A subset whose refit does not converge is a row of NA in metafor: every statistic, Q included.
    failed = np.isnan(tau2)
    estimate, q, i2, h2 = (np.where(failed, np.nan, x) for x in (estimate, q, i2, h2))
    return {"k_sub": ks.astype(np.int64), "Q": q, "I2": i2, "H2": h2, "tau2": tau2, "estimate": estimate}


def gosh_plot(result: GoshResult, path: str | Path | None = None, *, xlabel: str = "Estimate") -> bytes:
    """Draw the GOSH plot of *result* (estimate against I^2, one point per subset) as SVG or PDF.

    Returns the SVG (or writes *path*, .svg or .pdf, whole or not at all), as metafor's
    ``plot(gosh(res), het = "I2", out = NULL)`` shows the scatter (without its histograms).

    Examples
    --------
    >>> svg = gosh_plot(gosh([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], method="DL"))
    >>> b'id="gosh-points"' in svg
    True
    """
    fmt = plot_format(path, "GOSH")
    ok = ~np.isnan(result.estimate)
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(6, 5))
        ax = fig.add_subplot()
        # Translucent points, as metafor (alpha falls with the number of subsets), so density shows.
        alpha = float(min(1.0, max(0.05, 1 / math.log10(max(10, ok.sum())))))
        ax.scatter(result.estimate[ok], result.I2[ok], s=6, color="black", alpha=alpha, linewidths=0, gid="gosh-points")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("I^2")
        ax.set_title(f"GOSH plot ({ok.sum()} subsets; {result.method})")
        fig.tight_layout()
        return save_figure(fig, fmt, path)
