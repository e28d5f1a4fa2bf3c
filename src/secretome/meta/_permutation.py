"""Permutation tests for meta-regression (metafor's ``permutest``), refits batched across permutations.

metafor refits ``rma.uni`` once per permutation in an R loop, forming the k x k projection matrix
each time. Here every permutation is one slice of a stacked array refitted by the estimators of
:mod:`secretome.meta._tau2` in their batched form (:func:`~secretome.meta._tau2.batch_tau2`): the
p x p cross-products ``X'WX``, ``X'D X`` give the weighted fit and the traces of ``P`` and ``P^2``,
so a closed form (DL, HE, HS, HSk, SJ), a Fisher-scoring step (ML, REML, EB) or a step of PM's or PMM's
uniroot costs O(k p^2) per permutation, done for all permutations at once by numpy.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from secretome._progress import ProgressCallback
from secretome._result import Result
from secretome._scheduler import check_scheduler, cluster_executor, map_in_order
from secretome.errors import InputError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._p_format import format_p
from secretome.meta._random_effects import METHODS, ModelMethod
from secretome.meta._regression_design import model_matrix
from secretome.meta._tau2 import Batch, Control, Projections, batch_tau2, validated

__all__ = ["PermutationTestResult", "permutation_test"]

# metafor's permutest compares statistics with a tolerance: control(comptol = .Machine$double.eps^0.5).
_COMPTOL = float(np.finfo(np.float64).eps) ** 0.5
# Permutations refitted per numpy batch: bounds memory at about _BATCH * k * p * 8 bytes per array.
_BATCH = 2048


@dataclasses.dataclass(frozen=True, slots=True)
class PermutationTestResult(Result):
    """A permutation test of a (meta-regression) model, as metafor's ``permutest``.

    Attributes
    ----------
    k, p : int
        Number of studies and of coefficients (intercept included).
    coef_names : tuple of str
        ``"intrcpt"`` and the moderator names.
    beta, se, zval : tuple of float
        Per coefficient, the fit to the data as observed (t values for knha).
    pval : tuple of float
        Per coefficient, the permutation p-value: the share of permutations whose ``|zval|`` is at
        least the observed one (minus metafor's ``comptol``).
    QM : float
        Omnibus test of the moderators as observed (of the intercept, for an intercept-only model).
    QM_df : tuple of int
        Its df: ``(m,)`` for the chi-square (z), ``(m, k - p)`` for F (knha).
    QM_pval : float
        Permutation p-value of QM.
    iter : int
        Number of permutations used (all of them when ``exact``).
    exact : bool
        Whether every distinct permutation was used (an exact test).
    failed : int
        Permutations whose refit did not converge, left out of the p-values (metafor drops them too).
    method, test : str
        The model's estimator and test.
    notes : tuple of str
        What was noticed on the way.
    """

    k: int
    p: int
    coef_names: tuple[str, ...]
    beta: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    pval: tuple[float, ...]
    QM: float
    QM_df: tuple[int, ...]
    QM_pval: float
    iter: int
    exact: bool
    failed: int
    method: str
    test: str
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text laid out like metafor's ``print.permutest.rma.uni``."""
        kind = "exact" if self.exact else "approximate"
        lines = [f"Permutation test ({kind}; {self.iter} iterations; k = {self.k}; method: {self.method})", ""]
        if self.p > 1:
            lines.append(f"Test of Moderators (coefficients 2:{self.p}):")
            if self.test == "z":
                lines.append(f"QM(df = {self.QM_df[0]}) = {self.QM:.4f}, p-val* {format_p(self.QM_pval, equals=True)}")
            else:
                df1, df2 = self.QM_df
                lines.append(
                    f"F(df1 = {df1}, df2 = {df2}) = {self.QM:.4f}, p-val* {format_p(self.QM_pval, equals=True)}"
                )
            lines.append("")
        header = ["", "estimate", "se", "zval" if self.test == "z" else "tval", "pval*"]
        rows = [
            [name, f"{b:.4f}", f"{s:.4f}", f"{z:.4f}", format_p(q)]
            for name, b, s, z, q in zip(self.coef_names, self.beta, self.se, self.zval, self.pval, strict=True)
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines += ["Model Results:", ""]
        for r in [header, *rows]:
            cells = [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
            lines.append("  ".join([r[0].ljust(widths[0]), *cells]))
        lines += ["", "* p-values by permutation"]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def permutation_test(
    yi: ArrayLike,
    vi: ArrayLike,
    mods: ArrayLike | pd.DataFrame | None = None,
    *,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    iter: int = 1000,  # metafor's name, which users of permutest know
    exact: bool = False,
    seed: int | np.random.Generator | None = None,
    control: Mapping[str, object] | None = None,
    names: Sequence[str] | None = None,
    scheduler: str = "local",
    progress: ProgressCallback | None = None,
) -> PermutationTestResult:
    r"""Permutation p-values for a meta-regression (or an intercept-only model), as metafor's ``permutest``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances (> 0), one per study.
    mods : array_like or pandas.DataFrame, optional
        Moderators without the intercept, as for :func:`meta_regression`. Without moderators the
        test flips the signs of *yi* instead of permuting rows (metafor's intercept-only test).
    method : {"EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "PM", "PMM", "EB"}
        The model, as in :func:`meta_regression`; every permutation is refitted with it.
    test : {"z", "knha"}
        z and chi-square tests, or Knapp-Hartung t and F tests.
    iter : int
        Number of random permutations (>= 2); the first is the data as observed, as metafor does.
    exact : bool
        Use every distinct permutation. It is also used when their number is at most *iter*.
    seed : int or numpy.random.Generator, optional
        Seed of the random permutations (ignored for an exact test).
    control : mapping, optional
        metafor's ``control`` for the tau^2 estimator (``threshold``, ``maxiter``, ``stepadj``,
        ``tau2_init``, ``tol``, ``tau2_max``, ``ll0check``), as for :func:`meta_regression`.
    names : sequence of str, optional
        Moderator names.
    scheduler : str
        ``"local"``, ``"processes"`` or a Dask scheduler address (:mod:`secretome._scheduler`): where the
        batches of permutations are refitted. The permutations are drawn here first, in order, and the
        counts add up in any order, so the p-values are the same on every scheduler.
    progress : callable, optional
        Progress callback ``(task, done, total)``: permutations refitted, per batch of 2,048.

    Returns
    -------
    PermutationTestResult
        ``k``, ``p``, ``coef_names``, the observed ``beta``, ``se``, ``zval``, ``QM``, ``QM_df``,
        the permutation p-values ``pval`` and ``QM_pval``, ``iter``, ``exact``, ``failed``,
        ``method``, ``test``, ``notes``.

    Notes
    -----
    The rows of the model matrix are permuted against (yi, vi) and the model refitted; the
    p-value of coefficient j is :math:`\#\{b: |z_j^{(b)}| \ge |z_j| - \epsilon\}/B` and that of
    QM is :math:`\#\{b: Q_M^{(b)} \ge Q_M - \epsilon\}/B`, with metafor's
    :math:`\epsilon = \sqrt{\text{machine eps}}` [2]_. The number of distinct permutations is the
    multinomial coefficient :math:`k!/\prod_g n_g!` over groups of identical rows (:math:`2^k`
    sign patterns without moderators); when it is at most *iter* (or ``exact=True``) all of them
    are used and the test is exact.

    Each refit runs the estimator code of :func:`meta_regression` in batched form (the same
    formulas for DL, HE, HS, HSk and SJ; the same Fisher scoring from the HE estimate, step halving,
    threshold and local-maximum check for ML, REML and EB; PM's and PMM's roots by R's
    ``uniroot`` to ``tol``), vectorised across permutations: with :math:`A = X'WX`,
    :math:`\mathrm{tr}(P) = \sum w - \mathrm{tr}(A^{-1}X'W^2X)` and
    :math:`\mathrm{tr}(P^2) = \sum w^2 - 2\,\mathrm{tr}(A^{-1}X'W^3X) + \mathrm{tr}((A^{-1}X'W^2X)^2)`.
    As metafor, PM searches up to ``max(100, 10 mad(yi)^2)`` of each refit's own yi (the sign-flipped
    ones without moderators); a refit that does not converge (or whose PM root lies beyond that
    bound) is left out.

    Checked against metafor 3.8-1 ``permutest(res, exact=TRUE)`` (every p-value and the observed
    statistics, to 1e-6) for every tau^2 estimator and FE, with and without moderators (PM with
    ``control=list(tol=1e-12)``), and, for random permutations, against the exact p-value within
    binomial sampling error (tests/meta/test_permutation.py).

    References
    ----------
    .. [1] Higgins JPT, Thompson SG (2004). Controlling the risk of spurious findings from
       meta-regression. Statistics in Medicine 23(11):1663-1682. https://doi.org/10.1002/sim.1752
    .. [2] Viechtbauer W, López-López JA, Sánchez-Meca J, Marín-Martínez F (2015). A comparison of
       procedures to test for moderators in mixed-effects meta-regression models. Psychological
       Methods 20(3):360-374. https://doi.org/10.1037/met0000023

    Examples
    --------
    >>> yi, vi, x = [0.1, 0.3, 0.5, 0.8, 0.4], [0.01, 0.02, 0.01, 0.02, 0.03], [1.0, 2.0, 3.0, 4.0, 5.0]
    >>> res = permutation_test(yi, vi, x, method="DL")  # 5! = 120 <= 1000 permutations: exact
    >>> res.exact, res.iter
    (True, 120)
    >>> 0 < res.QM_pval <= 1
    True
    """
    check_choice("method", method, METHODS, owner="permutation_test")
    check_choice("test", test, ("z", "knha"), owner="permutation_test")
    if not isinstance(iter, (int, np.integer)) or isinstance(iter, bool) or iter < 2:
        raise InputError("must be an integer >= 2", field="iter", value=iter)
    check_scheduler(scheduler)
    y, v = validated(yi, vi)
    k = y.size
    x, coef_names = model_matrix(mods, k, names)
    p = x.shape[1]
    ctl = Control.from_mapping(control)
    fitter = _BatchFit(v, method, test, ctl)

    observed = fitter.fit(y[None, :], x[None, :, :])
    if not observed.ok[0]:
        raise InputError("the model does not converge on the data as observed", field="yi")

    # Also when every moderator was dropped as redundant: metafor's permutest of that (int.only) model flips signs.
    intercept_only = p == 1
    n_exact = 2**k if intercept_only else _count_permutations(x)
    use_exact = exact or n_exact <= iter
    if use_exact and n_exact > 10_000_000:
        raise InputError(f"an exact test needs {n_exact} permutations; use exact=False", field="exact", value=exact)
    rng = np.random.default_rng(seed)
    total = n_exact if use_exact else int(iter)

    z_obs, qm_obs = np.abs(observed.zval[0]), observed.qm[0]

    def batches() -> Iterator[tuple[FloatArray, FloatArray]]:
        # Drawn here, in order, from one generator: the same permutations wherever the batches are fitted.
        for start in range(0, total, _BATCH):
            size = min(_BATCH, total - start)
            if intercept_only:
                signs = _sign_patterns(k, start, size) if use_exact else rng.choice([-1.0, 1.0], size=(size, k))
                ys, xs = signs * y, x[None, :, :]
            else:
                rows = _arrangements(x, start, size) if use_exact else _random_orders(rng, size, k)
                ys, xs = y[None, :], x[rows]
            if not use_exact and start == 0:
                # metafor replaces the first random permutation by the data as observed.
                if intercept_only:
                    ys = ys.copy()
                    ys[0] = y
                else:
                    xs[0] = x
            yield ys, xs

    z_hits = np.zeros(p)
    qm_hits, used = 0, 0
    count = partial(_hits, fitter, z_obs, qm_obs)
    with cluster_executor(scheduler) as executor:
        # Counts add up in any order: the p-values do not depend on where the batches ran. Here the batches
        # are drawn one at a time; for a cluster they are all drawn first (in the same order, from one generator).
        for z, qm, ok in map_in_order(count, batches(), executor, progress=progress, task="permutations",
                                      size=_permutations_in, total=total):  # fmt: skip
            z_hits += z
            qm_hits += qm
            used += ok

    failed = total - used
    notes: list[str] = []
    if failed:
        notes.append(f"{failed} of {total} refits did not converge and were left out (as metafor)")
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)
    m = p - 1 if p > 1 else 1
    return PermutationTestResult(
        k=k,
        p=p,
        coef_names=coef_names,
        beta=tuple(float(b) for b in observed.beta[0]),
        se=tuple(float(s) for s in observed.se[0]),
        zval=tuple(float(z) for z in observed.zval[0]),
        pval=tuple(float(min(1.0, h / used)) for h in z_hits),
        QM=float(qm_obs),
        QM_df=(m,) if test == "z" else (m, k - p),
        QM_pval=float(qm_hits / used),
        iter=total,
        exact=bool(use_exact),
        failed=failed,
        method=method,
        test=test,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# Which permutations: all distinct ones (exact) or random orders.


def _hits(
    fitter: _BatchFit, z_obs: FloatArray, qm_obs: float, batch: tuple[FloatArray, FloatArray]
) -> tuple[FloatArray, int, int]:
    """Refits of one batch at least as extreme as the observed z values and QM, and how many converged."""
    fit = fitter.fit(*batch)
    ok = fit.ok
    z = (np.abs(fit.zval[ok]) >= z_obs - _COMPTOL).sum(axis=0)
    return z, int((fit.qm[ok] >= qm_obs - _COMPTOL).sum()), int(ok.sum())


def _permutations_in(batch: tuple[FloatArray, FloatArray]) -> int:
    # One permutation per row of the stacked yi (sign flips) or of the stacked model matrices (row orders).
    return max(batch[0].shape[0], batch[1].shape[0])


def _row_groups(x: FloatArray) -> NDArray[np.int64]:
    """Label identical rows of *x* alike (0, 1, ...): only distinct arrangements of labels matter."""
    _, labels = np.unique(x, axis=0, return_inverse=True)
    return labels.reshape(-1).astype(np.int64)


def _count_permutations(x: FloatArray) -> int:
    counts = Counter(_row_groups(x).tolist()).values()
    n = math.factorial(x.shape[0])
    for c in counts:
        n //= math.factorial(c)
    return n


def _multiset_permutations(labels: Sequence[int]) -> list[tuple[int, ...]]:
    """Every distinct ordering of the multiset *labels*, in lexicographic order (Knuth's algorithm L)."""
    a = sorted(labels)
    out = [tuple(a)]
    n = len(a)
    while True:
        j = n - 2
        while j >= 0 and a[j] >= a[j + 1]:
            j -= 1
        if j < 0:
            return out
        i = n - 1
        while a[j] >= a[i]:
            i -= 1
        a[j], a[i] = a[i], a[j]
        a[j + 1 :] = reversed(a[j + 1 :])
        out.append(tuple(a))


_ARRANGEMENT_CACHE: dict[bytes, NDArray[np.int64]] = {}


def _arrangements(x: FloatArray, start: int, size: int) -> NDArray[np.int64]:
    """Row indices into *x* for distinct arrangements ``start .. start + size - 1`` (all of them, cached)."""
    key = x.tobytes() + bytes(str(x.shape), "ascii")
    if key not in _ARRANGEMENT_CACHE:
        labels = _row_groups(x)
        # One representative row of x per label: the arrangement of labels picks which row goes where.
        first = np.array([np.flatnonzero(labels == g)[0] for g in range(labels.max() + 1)])
        _ARRANGEMENT_CACHE.clear()
        _ARRANGEMENT_CACHE[key] = first[np.array(_multiset_permutations(labels.tolist()), dtype=np.int64)]
    return _ARRANGEMENT_CACHE[key][start : start + size]


def _random_orders(rng: np.random.Generator, size: int, k: int) -> NDArray[np.int64]:
    return rng.permuted(np.tile(np.arange(k), (size, 1)), axis=1)


def _sign_patterns(k: int, start: int, size: int) -> FloatArray:
    """Sign patterns ``start .. start + size - 1`` of the 2^k (binary expansion of the index)."""
    idx = np.arange(start, start + size)[:, None]
    bits = (idx >> np.arange(k)[None, :]) & 1
    return 1.0 - 2.0 * bits


# ---------------------------------------------------------------------------------------------
# The batched refit.


@dataclasses.dataclass(frozen=True, slots=True)
class _Fits:
    beta: FloatArray  # (B, p)
    se: FloatArray  # (B, p)
    zval: FloatArray  # (B, p)
    qm: FloatArray  # (B,)
    tau2: FloatArray  # (B,)
    ok: NDArray[np.bool_]  # (B,) converged


class _BatchFit:
    """Fit the same model to B data sets (y (B or 1, k), X (B or 1, k, p)) at once."""

    def __init__(self, v: FloatArray, method: str, test: str, ctl: Control) -> None:
        self.v, self.method, self.test, self.ctl = v, method, test, ctl

    def fit(self, y: FloatArray, x: FloatArray) -> _Fits:
        b = max(y.shape[0], x.shape[0])
        batch = Batch(np.broadcast_to(y, (b, y.shape[1])), self.v, x)
        tau2, failed = batch_tau2(self.method, batch, self.ctl)
        # A failed refit is left out of the p-values; tau^2 = 0 only keeps its (unused) row finite.
        return self._final(batch, np.where(failed, 0.0, tau2), ~failed)

    def _final(self, s: Batch, tau2: FloatArray, ok: NDArray[np.bool_]) -> _Fits:
        k, p = s.y.shape[1], s.p
        proj = Projections(s.weights(tau2), s.x)
        beta, vb = proj.beta(s.y), proj.xtwx_inv
        if self.test == "knha":
            rss = proj.quad(s.y)
            s2 = np.where(rss <= np.finfo(np.float64).eps, 0.0, rss / (k - p))
            vb = vb * s2[:, None, None]
        se = np.sqrt(np.diagonal(vb, axis1=1, axis2=2))
        with np.errstate(divide="ignore", invalid="ignore"):
            zval = beta / se
            if p == 1:
                qm = zval[:, 0] ** 2
            else:
                sub = beta[:, 1:]
                qm = np.einsum("bi,bi->b", sub, np.linalg.solve(vb[:, 1:, 1:], sub[:, :, None])[:, :, 0])
                if self.test == "knha":
                    qm = qm / (p - 1)
        return _Fits(beta=beta, se=se, zval=zval, qm=qm, tau2=tau2, ok=ok)
