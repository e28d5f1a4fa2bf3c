"""Multilevel meta-analysis: effect sizes nested in studies, as metafor's ``rma.mv(random = ~ 1 | study/es_id)``.

Any depth of nesting (``~ 1 | study/outcome/es``) and a known sampling covariance matrix V (for
example from :func:`vcalc`). Without moderators :func:`multilevel` returns a
:class:`MultilevelResult` (one pooled estimate); with ``mods`` a :class:`MultilevelRegressionResult`
(coefficients, QE and QM), as metafor's ``rma.mv(yi, V, mods = ~ ..., random = ~ 1 | ...)``. One
fit (:class:`secretome.meta._marginal.MarginalModel`) serves both.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray, as_column, check_level, study_labels
from secretome.meta._marginal import MarginalModel, one_blas_thread
from secretome.meta._meta_regression import coefficient_tests, study_fits
from secretome.meta._missing import ROWS_OMITTED, NaAction, complete_cases
from secretome.meta._notes import warn_note
from secretome.meta._p_format import format_p
from secretome.meta._regression_design import model_matrix
from secretome.meta._results import model_results_lines, moderator_lines
from secretome.meta._tau2 import nonpositive_variances, variance_ratio_notes

__all__ = ["MultilevelRegressionResult", "MultilevelResult", "multilevel"]

Levels = Sequence[object] | ArrayLike | Mapping[str, Sequence[object] | ArrayLike]
"""A study column, or nested factors by name, outermost first."""


@dataclasses.dataclass(frozen=True, slots=True)
class MultilevelResult(Result):
    """A multilevel random-effects model (metafor's ``rma.mv`` with ``random = ~ 1 | study/es_id``).

    Attributes
    ----------
    k : int
        Number of effect sizes.
    n_levels : tuple of int
        Units of each nested factor, outermost first: studies, then effect-size units within
        studies, ... (metafor's ``nlvls``).
    sigma2 : tuple of float
        One variance per factor: between studies, between effect sizes within studies, ...
    estimate, se, zval, pval, ci_lb, ci_ub : float
        Pooled estimate, its SE, z (or t) statistic, two-sided p-value and CI at ``level``.
    df : int or None
        ``k - 1`` for ``test="t"``, else ``None``.
    Q, Q_df, Q_pval : float or None, int, float or None
        Cochran's Q with weights ``V^-1`` (``1/vi`` without V; metafor's ``QE``).
    I2 : float or None
        Total multilevel I^2 in percent (share of total variance that is not sampling variance).
    I2_levels : tuple of float or None
        I^2 attributed to each factor (they sum to ``I2``).
    typical_vi : float or None
        The "typical" sampling variance ``(k - 1) / tr(P)`` used for I^2. Q, its p-value, the I^2 and
        ``typical_vi`` need ``V^-1``: ``None`` when a sampling variance is 0 (metafor's QE is NA).
    loglik : float
        The maximised (restricted) log-likelihood, as metafor's ``logLik``.
    method, test : str
        ``"REML"`` or ``"ML"``; ``"z"`` or ``"t"``.
    level : float
        Confidence level.
    iterations : int
        Fisher-scoring steps taken.
    yi, vi, weights, labels : tuple
        The effect sizes, their sampling variances, the weights in percent (metafor's
        ``weights(res)``: the diagonal of :math:`M^{-1}` over its sum) and the labels of the rows.
    factors : tuple of str
        The name of each factor as metafor prints it (``study``, ``study/es_id``, ...).
    groups : tuple of tuple of str
        Per factor, the unit of each row (``"3"``, ``"3/2"``, ...).
    V : tuple of tuple of float or None
        The sampling covariance matrix when one was given (``None``: ``diag(vi)``).
    sigma2_fixed : tuple of bool
        Per factor, whether its variance was fixed at 0 rather than estimated: a factor with a single
        unit (metafor's ``vc.fix$sigma2``); empty means none.
    notes : tuple of str
        What was noticed on the way.
    """

    k: int
    n_levels: tuple[int, ...]
    sigma2: tuple[float, ...]
    estimate: float
    se: float
    zval: float
    pval: float
    df: int | None
    ci_lb: float
    ci_ub: float
    Q: float | None
    Q_df: int
    Q_pval: float | None
    I2: float | None
    I2_levels: tuple[float, ...] | None
    typical_vi: float | None
    loglik: float
    method: str
    test: str
    level: float
    iterations: int
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    factors: tuple[str, ...] = ("study", "study/es_id")
    groups: tuple[tuple[str, ...], ...] = ()
    V: tuple[tuple[float, ...], ...] | None = None
    sigma2_fixed: tuple[bool, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.mv``."""
        lines = _variance_lines(self)
        if self.Q is None or self.Q_pval is None:
            lines += ["", f"Test for Heterogeneity: not available ({_no_inverse(self)})"]
        else:
            lines += [
                "",
                "Test for Heterogeneity:",
                f"Q(df = {self.Q_df}) = {self.Q:.4f}, p-val {format_p(self.Q_pval, equals=True)}",
            ]
        lines += model_results_lines(self)
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class MultilevelRegressionResult(Result):
    """A three-level model with moderators (metafor's ``rma.mv`` with ``mods``).

    Attributes
    ----------
    k, p : int
        Number of effect sizes and of coefficients (intercept included).
    n_levels, sigma2 : tuple
        As in :class:`MultilevelResult` (the variances are residual: what the moderators leave).
    coef_names : tuple of str
        ``"intrcpt"`` and the moderator names.
    beta, se, zval, pval, ci_lb, ci_ub : tuple of float
        Per coefficient: estimate, SE, z (or t) statistic, two-sided p-value and CI at ``level``.
    df : int or None
        ``k - p`` for ``test="t"`` (t tests and the F test), else ``None``.
    QE, QE_df, QE_pval : float or None, int, float or None
        Test for residual heterogeneity (weights ``1/vi``, ``k - p`` df); ``None`` when a sampling
        variance is 0.
    QM, QM_df, QM_pval : float, tuple of int, float
        Omnibus Wald test of the moderators: chi-square with ``QM_df = (m,)``, or F with
        ``(m, k - p)`` for ``test="t"``.
    I2, I2_levels, typical_vi, loglik, method, test, level, iterations, yi, vi, weights, labels, notes
        As in :class:`MultilevelResult`; ``typical_vi`` is ``(k - p) / tr(P)`` with the moderators.
    fitted, fitted_ci_lb, fitted_ci_ub : tuple of float
        Each row's fitted value ``x'b`` and its CI at ``level`` (metafor's ``fitted(res)`` and
        ``predict(res)$ci.lb``, ``$ci.ub``).
    resid, resid_se : tuple of float
        The marginal residuals ``yi - x'b`` and their standard errors (``rstandard(res)``).
    design : tuple of tuple of float
        The model matrix, one row per effect size (intercept first).
    factors, groups, V, sigma2_fixed
        As in :class:`MultilevelResult`.
    """

    k: int
    p: int
    n_levels: tuple[int, ...]
    sigma2: tuple[float, ...]
    coef_names: tuple[str, ...]
    beta: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    pval: tuple[float, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    df: int | None
    QE: float | None
    QE_df: int
    QE_pval: float | None
    QM: float
    QM_df: tuple[int, ...]
    QM_pval: float
    I2: float | None
    I2_levels: tuple[float, ...] | None
    typical_vi: float | None
    loglik: float
    method: str
    test: str
    level: float
    iterations: int
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    fitted: tuple[float, ...]
    fitted_ci_lb: tuple[float, ...]
    fitted_ci_ub: tuple[float, ...]
    resid: tuple[float, ...]
    resid_se: tuple[float, ...]
    design: tuple[tuple[float, ...], ...] = ()
    factors: tuple[str, ...] = ("study", "study/es_id")
    groups: tuple[tuple[str, ...], ...] = ()
    V: tuple[tuple[float, ...], ...] | None = None
    sigma2_fixed: tuple[bool, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.mv`` for a model with moderators (with every moderator dropped as
        redundant, ``p == 1``, as it prints the intercept-only model it fits)."""
        lines = _variance_lines(self)
        test, q = ("Test for Heterogeneity", "Q") if self.p == 1 else ("Test for Residual Heterogeneity", "QE")
        if self.QE is None or self.QE_pval is None:
            lines += ["", f"{test}: not available ({_no_inverse(self)})"]
        else:
            lines += [
                "",
                f"{test}:",
                f"{q}(df = {self.QE_df}) = {self.QE:.4f}, p-val {format_p(self.QE_pval, equals=True)}",
            ]
        lines += moderator_lines(self)
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _no_inverse(fit: MultilevelResult | MultilevelRegressionResult) -> str:
    """Why Q and I^2, which weigh by V^-1, are missing (metafor's QE is NA then too; I^2 alone at k = p)."""
    if 0 in fit.vi:
        return "a sampling variance is 0"
    if isinstance(fit, MultilevelRegressionResult) and fit.QE_df == 0:
        return "as many coefficients as effect sizes"
    return "V is not positive definite"


def _variance_lines(fit: MultilevelResult | MultilevelRegressionResult) -> list[str]:
    # metafor's print adds the column "fixed" when a component is held (a factor with a single unit).
    fixed = any(fit.sigma2_fixed)
    lines = [
        f"Multilevel Meta-Analysis Model (k = {fit.k}; method: {fit.method})",
        "",
        "Variance Components:",
        "",
        "           estim    sqrt  nlvls  " + ("fixed  " if fixed else "") + "factor",
    ]
    for j, (name, s2) in enumerate(zip(fit.factors, fit.sigma2, strict=True)):
        held = ("    yes  " if fit.sigma2_fixed[j] else "     no  ") if fixed else "  "
        lines.append(f"sigma^2.{j + 1}  {s2:.4f}  {math.sqrt(s2):.4f}  {fit.n_levels[j]:5d}{held}{name}")
    if fit.I2 is None or fit.I2_levels is None:
        return [*lines, "", f"I^2: not available ({_no_inverse(fit)})"]
    shares = " / ".join(f"{share:.2f}%" for share in fit.I2_levels)
    return [
        *lines,
        "",
        f"I^2 (total heterogeneity / total variability):   {fit.I2:.2f}%",
        f"I^2 by factor ({', '.join(fit.factors)}): {shares}",
    ]


@overload
def multilevel(
    yi: ArrayLike,
    vi: ArrayLike,
    study: Levels,
    es_id: Sequence[object] | ArrayLike | None = None,
    *,
    mods: None = None,
    names: Sequence[str] | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
    control: Mapping[str, object] | None = None,
    na_action: NaAction = "omit",
) -> MultilevelResult: ...


@overload
def multilevel(
    yi: ArrayLike,
    vi: ArrayLike,
    study: Levels,
    es_id: Sequence[object] | ArrayLike | None = None,
    *,
    mods: ArrayLike | pd.DataFrame,
    names: Sequence[str] | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
    control: Mapping[str, object] | None = None,
    na_action: NaAction = "omit",
) -> MultilevelRegressionResult: ...


def multilevel(
    yi: ArrayLike,
    vi: ArrayLike,
    study: Levels,
    es_id: Sequence[object] | ArrayLike | None = None,
    *,
    mods: ArrayLike | pd.DataFrame | None = None,
    names: Sequence[str] | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
    control: Mapping[str, object] | None = None,
    na_action: NaAction = "omit",
) -> MultilevelResult | MultilevelRegressionResult:
    r"""Fit a multilevel random-effects model, as metafor's ``rma.mv(yi, V, mods, random = ~ 1 | study/es_id)``.

    Parameters
    ----------
    yi : array_like
        Effect sizes.
    vi : array_like
        Their sampling variances, or the k x k sampling covariance matrix V (symmetric;
        metafor's ``V``, e.g. from :func:`vcalc`). A V that is not positive definite (e.g. from
        ``vcalc(..., rho=1)``) is fitted as metafor 3.8-1 fits it, with its warning "'V' appears to
        be not positive definite.", as long as the marginal covariance (V plus the variance
        components) is positive definite, Q and the I^2 then ``None``; where it is not, the fit stops
        with metafor's "Final variance-covariance matrix not positive definite." Checked against
        metafor on dat.konstantopoulos2011's first 30 rows with rho = 1, -1 and 0.999, REML and ML
        (tools/metafor_reference_rho.R). A variance of 0 is fitted as
        metafor's ``rma.mv`` fits it (the marginal variance holds the variance components), and a
        negative one is set to 0 first, with metafor's warnings ("There are outcomes with
        non-positive sampling variances.", "Negative sampling variances constrained to zero.",
        "'V' appears to be not positive definite."; the rows follow in ``notes``); Q and the I^2 need
        ``V^-1`` and are then ``None`` (metafor's QE is NA). Checked against metafor 3.8-1 on
        dat.konstantopoulos2011 with row 5's variance at 0 and at -0.01, REML and ML
        (tools/metafor_reference_vi_zero_diagnostics.R). A V given as a matrix is treated the same way: a
        diagonal element of 0 is fitted as it is, a negative one has its row and column of V set to 0, as
        metafor's ``rma.mv`` does, with the same warnings (checked against metafor 3.8-1 on a V from ``vcalc``
        of dat.konstantopoulos2011's first 30 rows with V[5, 5] at 0 and at -0.01, REML and ML;
        tools/metafor_reference_mv_edges.R).
    study : sequence or mapping
        The study (cluster) of each effect size: any labels. Or a mapping of nested factors,
        outermost first, such as ``{"study": s, "outcome": o, "es": e}`` for metafor's
        ``random = ~ 1 | study/outcome/es`` (one variance component per factor; labels may repeat
        across the units they are nested in); then *es_id* must be ``None``.
    es_id : sequence, optional
        The effect-size unit within its study (labels may repeat across studies, as metafor's
        ``study/es_id`` nests them). Default: every row is its own unit.
    mods : array_like or pandas.DataFrame, optional
        Moderators, one row per effect size, without the intercept (added), as for
        :func:`meta_regression`. With them the result is a :class:`MultilevelRegressionResult`
        (with ``p == 1`` and printed as the intercept-only model when every moderator is dropped as
        redundant, as rma.mv fits it; tools/metafor_reference_design_edges.R).
    names : sequence of str, optional
        Moderator names (default: the DataFrame's columns, else ``"mod1"``, ``"mod2"``, ...).
    method : {"REML", "ML"}
        Restricted or full maximum likelihood for the two variance components.
    test : {"z", "t"}
        z tests (and a chi-square QM), or t tests on ``k - p`` df (and an F test of the
        moderators), metafor's ``test="t"``.
    level : float
        Confidence level, a proportion in (0, 1).
    labels : sequence of str, optional
        A label per effect size (default ``"1"``, ``"2"``, ...), for the forest plot.
    control : mapping, optional
        ``maxiter`` (Fisher-scoring steps, default 500), ``threshold`` (largest change of a
        component that counts as converged, relative to the largest component, default 1e-10)
        and ``sigma2_init`` (starting values; default metafor's).
    na_action : {"omit", "fail"}
        An effect size whose yi, sampling variance or moderator is missing (NaN, ``None``,
        ``pandas.NA``) is left out with rma.mv's warning for its default ``na.action = "na.omit"``
        ("Rows with NAs omitted from model fitting.", then a note naming the rows; with a V, its row
        and column go too); ``"fail"`` stops with metafor's "Missing values in data.". A missing
        study or es_id is an :class:`InputError`, as metafor allows no NA in ``random``.

    Returns
    -------
    MultilevelResult or MultilevelRegressionResult
        Without *mods*: ``k``, ``n_levels``, ``sigma2``, ``estimate``, ``se``, ``zval``, ``pval``,
        ``df``, ``ci_lb``, ``ci_ub``, ``Q``, ``Q_df``, ``Q_pval``, ``I2``, ``I2_levels``,
        ``typical_vi``, ``loglik``, ``method``, ``test``, ``level``, ``iterations``, per row
        ``yi``, ``vi``, ``weights`` and ``labels``, then ``factors``, ``groups``, ``V``,
        ``sigma2_fixed`` and ``notes``.
        With *mods*: ``k``, ``p``, ``n_levels``, ``sigma2``, ``coef_names``, per coefficient
        ``beta``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub``, then ``df``, ``QE``,
        ``QE_df``, ``QE_pval``, ``QM``, ``QM_df``, ``QM_pval``, the rest as without, and per row
        ``fitted``, ``fitted_ci_lb``, ``fitted_ci_ub``, ``resid`` and ``resid_se``, and the
        model matrix ``design``.

    Raises
    ------
    InputError
        One effect size (metafor's "Processing terminated since k <= 1."), and bad input. Two effect
        sizes are fitted, as metafor fits them. A factor with a single unit (all effect sizes in
        one study) has its sigma^2 fixed at 0 with metafor's warning "Single-level factor(s) found
        in 'random' argument. Corresponding 'sigma2' value(s) fixed to 0." (``sigma2_fixed``; its
        profile has metafor's "Specified 'sigma2' component was fixed."). Two factors with the same
        units (one effect size per study) identify only the sum of their variances: metafor fits on
        without a word, the two equal from its equal starting values, and so do we (with a note).
        Checked against metafor 3.8-1 at k = 2 (``~ 1 | study/es`` in one study and in two,
        ``~ 1 | study`` with one study and two), k = 3 in one study and k = 1, REML and ML
        (tools/metafor_reference_mv_edges.R). As many coefficients as effect sizes are fitted too, as
        rma.mv (which has no check of p against k) fits them: the fit is exact, QE = 0 on 0 df (p = 1),
        sigma^2 at 0 and I^2 not defined (two trials of dat.bcg with ablat, ``~ 1 | study`` and
        ``~ 1 | study/es``; tools/metafor_reference_design_edges.R).

    Notes
    -----
    The model is :math:`y_{ij} = x_{ij}'\beta + u_i + w_{ij} + e_{ij}` (:math:`x_{ij}'\beta = \mu`
    without moderators) with
    :math:`u_i \sim N(0, \sigma^2_1)` (study), :math:`w_{ij} \sim N(0, \sigma^2_2)` (effect size
    within study; deeper factors add terms alike) and :math:`e \sim N(0, S)`,
    :math:`S = \mathrm{diag}(v)` or the given V, so
    :math:`M = S + \sigma^2_1 Z_1 Z_1' + \sigma^2_2 Z_2 Z_2'` [1]_. The variance
    components maximise the restricted (REML) or full (ML) log-likelihood over
    :math:`\sigma^2 \ge 0`, found by Newton steps (Fisher scoring where the Hessian is not
    positive definite) with an active set (a component at 0 whose score points below 0 is held
    there and the step solved for the others), steps projected onto the bound and halved until
    the likelihood rises, stopped at the constrained maximum (see
    :meth:`secretome.meta._marginal.MarginalModel.fit`), from metafor's starting values; a point
    counts as the maximum only when the projected score vanishes there and no step raises the
    likelihood (the Karush-Kuhn-Tucker conditions), not merely when the steps became small. metafor
    optimises :math:`\log\sigma^2` with ``nlminb`` (the PORT routines [5]_) [4]_, so where a component's
    maximum lies at 0 it reports a tiny positive value (about 1e-10) and we report 0. On that scale
    the score of a component vanishes as it goes to 0, so three things differ at the boundary, each
    in the tests: nlminb stops up to about 1e-5 (relative) short of the maximum on a flat likelihood
    (its logLik up to 1e-7 lower than ours); it can stop with a component at 1e-10 where the
    likelihood still rises in it (we go on to the maximum, which metafor reaches from another
    ``sigma2.init``); and when every component's maximum is at 0 it may fail ("Optimizer (nlminb)
    did not achieve convergence"), where we return all components at 0 with the boundary noted. As
    in metafor, the likelihood may have more than one maximum on the boundary; the fit returns the
    one reached from the start (``control={"sigma2_init": ...}`` to try others). M is formed densely (O(k^3) per
    evaluation: fine for the few hundred effect sizes of a meta-analysis); metafor's REML
    log-likelihood keeps the constant :math:`+\tfrac12 \log|X'X|`. Then
    :math:`\hat\beta = (X'M^{-1}X)^{-1} X'M^{-1}y` with variance :math:`(X'M^{-1}X)^{-1}`; QM is the
    Wald statistic of all coefficients but the intercept (divided by their number and referred to
    F on ``(m, k - p)`` df for ``test="t"``), and QE the weighted residual sum of squares with
    weights :math:`S^{-1}` on ``k - p`` df. The weights, fitted values with their CIs and residuals
    with their SEs are metafor's ``weights`` (diagonal of :math:`M^{-1}`), ``fitted``, ``predict``
    and ``rstandard`` (:math:`\mathrm{diag}(M - X(X'M^{-1}X)^{-1}X')`).

    Multilevel I^2 follows the metafor FAQ and Cheung [2]_:
    :math:`I^2_j = 100\,\sigma^2_j / (\sum_l \sigma^2_l + \tilde v)` with the typical sampling
    variance :math:`\tilde v = (k-p)/\mathrm{tr}(P)`, :math:`P = W - WX(X'WX)^{-1}X'W`,
    :math:`W = S^{-1}`. For the intercept-only P and diagonal S it equals Higgins and Thompson's
    :math:`(k-1)\sum w/((\sum w)^2 - \sum w^2)` [3]_ (checked numerically in the tests).

    Checked against metafor 3.8-1 ``rma.mv(yi, vi, mods = ~ 1 and ~ year, random = ~ 1 |
    district/school, data = dat.konstantopoulos2011)`` for REML and ML, z and t: sigma^2,
    coefficients, SE, CI, p-values, QM, I^2 and logLik to 1e-6 relative (we agree to about 1e-7:
    both sigma^2 are optimiser results and metafor stops ``nlminb`` at its default tolerances), Q
    and QE to 1e-12 (tests/meta/test_multilevel.py); weights, fitted values and their CIs,
    residuals and their SEs against ``weights``, ``fitted``, ``predict`` and ``rstandard`` for
    ``~ 1`` (z) and ``~ year`` (t) with REML (tests/meta/test_plots.py). At the boundary: 30
    simulated data sets of 8 studies x 3 effect sizes (many with a component at 0), REML and ML
    (tools/metafor_reference_mv.R); 30 more sets (8 x 3, unbalanced, and tiny: 4 effect sizes in 2
    studies, 6 in 3, 5 in 2), REML and ML, with and without a moderator, against the maximum of
    metafor's likelihood polished beyond nlminb's default tolerances: sigma^2 to 1e-5 relative (1e-6
    absolute at 0), coefficients and SE to 1e-5, logLik to 1e-8 (tools/metafor_reference_boundary.R);
    beyond two levels: ``~ 1 | study/deltype/esid`` on dat.assink2016 and a V from ``vcalc``, with
    and without moderators, z and t (tests/meta/test_multilevel.py, fixtures by
    tools/metafor_reference_mv.R).

    References
    ----------
    .. [1] Konstantopoulos S (2011). Fixed effects and variance components estimation in
       three-level meta-analysis. Research Synthesis Methods 2(1):61-76.
       https://doi.org/10.1002/jrsm.35
    .. [2] Cheung MW-L (2014). Modeling dependent effect sizes with three-level meta-analyses: a
       structural equation modeling approach. Psychological Methods 19(2):211-229.
       https://doi.org/10.1037/a0032968
    .. [3] Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
       Statistics in Medicine 21(11):1539-1558. https://doi.org/10.1002/sim.1186
    .. [4] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of
       Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03
    .. [5] Gay DM (1990). Usage summary for selected optimization routines. Computing Science
       Technical Report 153, AT&T Bell Laboratories, Murray Hill. https://www.netlib.org/port/

    Examples
    --------
    >>> yi = [0.1, 0.3, 0.2, 0.8, 0.9, 0.7, 0.4, 0.5]
    >>> vi = [0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02]
    >>> res = multilevel(yi, vi, study=[1, 1, 1, 2, 2, 3, 3, 3])
    >>> res.n_levels, res.sigma2[0] > res.sigma2[1]
    ((3, 8), True)
    >>> reg = multilevel(yi, vi, study=[1, 1, 1, 2, 2, 3, 3, 3], mods=[1, 2, 1, 4, 5, 3, 2, 3], names=["dose"])
    >>> reg.coef_names, reg.QM_df, reg.QE_df
    (('intrcpt', 'dose'), (1,), 6)
    """
    check_choice("method", method, ("REML", "ML"), owner="multilevel")
    check_choice("test", test, ("z", "t"), owner="multilevel")
    check_level(level)
    # A V of floats is looked at in place (no object copy of k x k cells); its diagonal says which rows are missing.
    given = vi if isinstance(vi, np.ndarray) else np.asarray(vi, dtype=object)
    cases = complete_cases(yi, np.diagonal(given) if given.ndim == 2 else vi, mods=mods, labels=labels,
                           na_action=na_action)  # fmt: skip
    if cases.omitted:
        # metafor's rma.mv drops the rows (and V's rows and columns), warns first, and fits the rest.
        notes: list[str] = []
        cases.said(notes, ROWS_OMITTED)
        keep, k_all = cases.kept, len(cases.kept) + len(cases.omitted)
        with cases.located():
            fit = multilevel(  # type: ignore[call-overload]
                cases.yi, given[np.ix_(keep, keep)] if given.ndim == 2 else cases.vi, _rows_of(study, keep, k_all),
                None if es_id is None else _rows_of(es_id, keep, k_all), mods=cases.mods, names=names, method=method,
                test=test, level=level, labels=cases.labels, control=control,
            )  # fmt: skip
        return dataclasses.replace(fit, notes=(*notes, *fit.notes))  # type: ignore[no-any-return]
    y = as_column(yi, "yi")
    k = y.size
    sampling, given_v = _sampling(vi, k)
    # As metafor's rma.mv: negative sampling variances are set to 0, with its warnings (given after the checks).
    negative = np.diag(sampling) < 0
    v, vi_notes = nonpositive_variances(np.diag(sampling).copy(), np.arange(1, k + 1))
    if not given_v:
        sampling = np.diag(v)
    elif negative.any():
        # metafor zeroes the whole row and column of V, not the diagonal alone, so no covariance is left with it.
        sampling[negative, :] = 0.0
        sampling[:, negative] = 0.0
    row_labels = study_labels(labels, k)
    factors, groups = _factors(study, es_id, k)
    if k <= 1:
        # rma.mv's words; it stops here before it looks at the random effects.
        raise InputError("Processing terminated since k <= 1.", field="yi", value=k)
    incidences = [_incidence(g) for g in groups]
    n_levels = tuple(z.shape[1] for z in incidences)
    notes: list[str] = []
    redundant: list[tuple[str, str]] = []
    x, coef_names = model_matrix(mods, k, names, redundant, multilevel=True)
    p = x.shape[1]
    settings = _control(control, len(groups))
    model = MarginalModel(y, sampling, x, incidences, reml=method == "REML")
    with one_blas_thread():
        definite = _positive_definite(sampling)
        for note, detail in vi_notes:
            warn_note(notes, note, detail)
        if not definite and sampling.any():
            # metafor fits on: only the marginal covariance V + sum sigma^2_j Z_j Z_j' has to be positive definite.
            # (It is silent when every sampling variance is 0.)
            warn_note(notes, "'V' appears to be not positive definite.", "only the marginal covariance (V plus the "
                      "variance components) must be, as in metafor")  # fmt: skip
        # rma.mv warns of redundant predictors after the ratio of the variances (rma.uni before it).
        for note, detail in [*((n, "") for n in variance_ratio_notes(np.diag(sampling))), *redundant]:
            warn_note(notes, note, detail)
        # As rma.mv: a factor with one unit has Z_j = 1, which the intercept absorbs; its variance is held at 0.
        single = np.array([n == 1 for n in n_levels])
        if single.any():
            warn_note(notes, "Single-level factor(s) found in 'random' argument. Corresponding 'sigma2' value(s) fixed "
                      "to 0.", f"{', '.join(repr(f) for f, one in zip(factors, single, strict=True) if one)} "
                      "has a single unit")  # fmt: skip
        held = np.where(single, 0.0, np.nan)
        try:
            fit = model.fit(fixed=held if single.any() else None, start=settings["sigma2_init"],
                            maxiter=settings["maxiter"], threshold=settings["threshold"])  # fmt: skip
            beta, vb, marginal = model.gls(fit.theta)
            weights = np.diag(scipy.linalg.cho_solve(scipy.linalg.cho_factor(marginal), np.eye(k)))
        except np.linalg.LinAlgError:
            # Where metafor 3.8-1 stops too, with this message.
            raise InputError("Final variance-covariance matrix not positive definite. (V plus the variance "
                             "components; metafor 3.8-1 stops here too)", field="V") from None  # fmt: skip
        # Q and the typical sampling variance of I^2 weigh by V^-1: without it (a variance of 0, or V not positive
        # definite) metafor's I^2 is NA too.
        q, typical = _fixed_effects_q(y, sampling, x, given_v) if v.all() and definite and k > p else (None, None)
    if k == p:
        # rma.mv has no check of p against k: the fit is exact, its QE is 0 on 0 df (p = 1); the typical sampling
        # variance (k - p) / tr(P) of I^2 is 0 / 0.
        q = 0.0
        notes.append(f"as many coefficients as effect sizes ({p}): the fit is exact, QE has 0 df and I^2 is not "
                     "defined")  # fmt: skip
    sigma2 = fit.theta
    if q is None and not v.all():
        # metafor's QE and I^2 are NA then, without a warning of their own (its warnings above said why).
        notes.append("Q and I^2 cannot be computed when a sampling variance is 0 (metafor's QE is NA)")
    for name, s2, one in zip(factors, sigma2, single, strict=True):
        if s2 <= 0 and not one:
            notes.append(f"the variance of {name!r} is estimated at 0 (the boundary)")
    for j in range(1, len(groups)):
        if n_levels[j] == n_levels[j - 1] > 1:
            # Then Z_j Z_j' is the matrix of the factor above: only the sum of the two variances is identified.
            # metafor fits on without a word, the two moving together from its equal starting values; so do we.
            notes.append(f"every unit of {factors[j - 1]!r} holds a single unit of {factors[j]!r}: only the sum of "
                         "their variances is identified (split between them as metafor splits it)")  # fmt: skip

    df = k - p if test == "t" else None
    coefficients, crit = coefficient_tests(beta, vb, df, level)

    total = None if typical is None else float(sigma2.sum()) + typical
    common: dict[str, Any] = {
        "k": k,
        "n_levels": n_levels,
        "sigma2": tuple(float(s2) for s2 in sigma2),
        "df": df,
        "I2": None if total is None else 100 * float(sigma2.sum()) / total,
        "I2_levels": None if total is None else tuple(100 * float(s2) / total for s2 in sigma2),
        "typical_vi": typical,
        "loglik": fit.loglik,
        "method": method,
        "test": test,
        "level": level,
        "iterations": fit.iterations,
        "yi": tuple(float(a) for a in y),
        "vi": tuple(float(a) for a in v),
        "weights": tuple(float(a) for a in 100 * weights / weights.sum()),
        "labels": row_labels,
        "factors": factors,
        "groups": groups,
        "V": tuple(tuple(float(c) for c in row) for row in sampling) if given_v else None,
        "sigma2_fixed": tuple(bool(one) for one in single),
        "notes": tuple(notes),
    }
    if mods is None:
        return MultilevelResult(
            estimate=coefficients["beta"][0],
            **{field: coefficients[field][0] for field in ("se", "zval", "pval", "ci_lb", "ci_ub")},
            Q=q,
            Q_df=k - 1,
            Q_pval=None if q is None else float(scipy.stats.chi2.sf(q, k - 1)),
            **common,
        )
    return MultilevelRegressionResult(
        p=p,
        coef_names=coef_names,
        QE=q,
        QE_df=k - p,
        QE_pval=None if q is None else 1.0 if k == p else float(scipy.stats.chi2.sf(q, k - p)),
        **coefficients,
        **study_fits(y, x, beta, vb, vb, np.diag(marginal), crit),
        design=tuple(tuple(float(c) for c in row) for row in x),
        **common,
    )


def refit_multilevel(
    fit: MultilevelResult | MultilevelRegressionResult,
    *,
    method: Literal["REML", "ML"] | None = None,
    keep: Sequence[int] | None = None,
) -> MultilevelResult | MultilevelRegressionResult:
    """*fit* fitted again on its data, factors, V and options, with another *method* or only the moderators *keep*.

    *keep* holds positions in the model matrix (the intercept is 0 and always kept; default: all); none left gives
    the model without moderators. As metafor's ``update(res, method = "ML")``, which ``anova(..., refit = TRUE)``
    runs, and ``update(res, mods = ~ ...)`` for a reduced model.
    """
    # Each factor's own labels: a unit is its labels joined by "/" (which _labels keeps out of a label).
    levels = {factor.split("/")[-1]: [unit.split("/")[j] for unit in units]
              for j, (factor, units) in enumerate(zip(fit.factors, fit.groups, strict=True))}  # fmt: skip
    moderators: dict[str, Any] = {}
    if isinstance(fit, MultilevelRegressionResult):
        columns = [j for j in (range(1, fit.p) if keep is None else keep) if j > 0]
        if columns:
            moderators = {"mods": np.array(fit.design)[:, columns], "names": [fit.coef_names[j] for j in columns]}
    return multilevel(  # type: ignore[call-overload,no-any-return]
        fit.yi, fit.vi if fit.V is None else np.array(fit.V), levels, method=method or fit.method, test=fit.test,
        level=fit.level, labels=fit.labels, **moderators,
    )  # fmt: skip


def marginal_model(fit: MultilevelResult | MultilevelRegressionResult) -> MarginalModel:
    """The likelihood behind *fit*, to refit it with components held fixed (profiles, CIs)."""
    y = np.array(fit.yi)
    sampling = np.diag(fit.vi) if fit.V is None else np.array(fit.V)
    x = np.array(fit.design) if isinstance(fit, MultilevelRegressionResult) else np.ones((y.size, 1))
    return MarginalModel(y, sampling, x, [_incidence(g) for g in fit.groups], reml=fit.method == "REML")


def _sampling(vi: ArrayLike, k: int) -> tuple[FloatArray, bool]:
    """The sampling covariance: ``diag(vi)``, or V itself when *vi* is a k x k matrix (checked)."""
    raw = np.asarray(vi, dtype=object)
    if raw.ndim < 2:
        return np.diag(as_column(vi, "vi", length=k)), False
    if raw.shape != (k, k):
        raise InputError(f"V must be {k} x {k} (one row and column per effect size); got {raw.shape}", field="V")
    try:
        mat = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("V holds a value that is not a number", field="V") from None
    if not np.all(np.isfinite(mat)):
        i, j = (int(a[0]) for a in np.nonzero(~np.isfinite(mat)))
        raise InputError(f"V[{i + 1}, {j + 1}] is missing or not finite", field="V", value=float(mat[i, j]))
    asym = np.abs(mat - mat.T) > 1e-8 * np.maximum(np.abs(mat), np.abs(mat.T)).max()
    if asym.any():
        i, j = (int(a[0]) for a in np.nonzero(asym))
        raise InputError(f"V is not symmetric: V[{i + 1}, {j + 1}] != V[{j + 1}, {i + 1}]", field="V")
    return (mat + mat.T) / 2, True


def _rows_of(levels: Levels, keep: np.ndarray, k: int) -> Levels:
    """The units of *keep*'s rows (of *k*), of one factor or of each in a mapping of nested factors.

    A factor of another length passes unchanged, for the model's own check to name.
    """
    if isinstance(levels, Mapping):
        return {name: _rows_of(units, keep, k) for name, units in levels.items()}  # type: ignore[misc]
    units = np.asarray(levels, dtype=object).reshape(-1)
    return list(units[keep]) if units.size == k else list(units)


def _positive_definite(mat: FloatArray) -> bool:
    try:
        scipy.linalg.cholesky(mat, lower=True)
    except scipy.linalg.LinAlgError:
        return False
    return True


def _factors(
    study: Levels, es_id: Sequence[object] | ArrayLike | None, k: int
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """The factor names as metafor prints them and, per factor, each row's unit (nested labels joined by "/")."""
    if isinstance(study, Mapping):
        if es_id is not None:
            raise InputError("give nested factors as one mapping, or study and es_id, not both", field="es_id")
        if not study:
            raise InputError("needs at least one factor", field="study")
        columns = {str(name): _labels(values, k, str(name)) for name, values in study.items()}
    else:
        columns = {"study": _labels(study, k, "study")}
        columns["es_id"] = tuple(str(i) for i in range(1, k + 1)) if es_id is None else _labels(es_id, k, "es_id")
    names = list(columns)
    factors = tuple("/".join(names[: j + 1]) for j in range(len(names)))
    groups = tuple(
        tuple("/".join(parts) for parts in zip(*(columns[n] for n in names[: j + 1]), strict=True))
        for j in range(len(names))
    )
    return factors, groups


def _labels(values: Sequence[object] | ArrayLike, k: int, field: str) -> tuple[str, ...]:
    raw = list(values) if not isinstance(values, np.ndarray) else list(values.reshape(-1))
    if len(raw) != k:
        raise InputError(f"has {len(raw)} values but yi has {k}", field=field)
    for i, label in enumerate(raw):
        if label is None or (isinstance(label, float) and math.isnan(label)):
            raise InputError("is missing", row=i + 1, field=field, value=label)
    # "/" joins nested labels, so it must not occur inside one.
    return tuple(str(label).replace("/", "_") for label in raw)


def _incidence(units: tuple[str, ...]) -> FloatArray:
    """The 0/1 matrix of rows by units (one column per distinct unit, in order of appearance)."""
    codes, _ = pd.factorize(pd.Series(units, dtype=object))
    z = np.zeros((len(units), int(codes.max()) + 1))
    z[np.arange(len(units)), codes] = 1.0
    return z


def _control(control: Mapping[str, object] | None, s: int) -> dict[str, Any]:
    settings: dict[str, Any] = {"maxiter": 500, "threshold": 1e-10, "sigma2_init": None}
    for key, value in (control or {}).items():
        name = str(key).replace(".", "_")
        if name not in settings:
            raise InputError(f"unknown control setting; known: {', '.join(settings)}", field="control", value=key)
        settings[name] = value
    if settings["sigma2_init"] is not None:
        init = np.atleast_1d(np.asarray(settings["sigma2_init"], dtype=np.float64))
        init = np.full(s, init[0]) if init.size == 1 else init
        if init.size != s or not np.all(init > 0):
            raise InputError(f"needs {s} values > 0", field="control", value=settings["sigma2_init"])
        settings["sigma2_init"] = init
    return settings


def _fixed_effects_q(y: FloatArray, sampling: FloatArray, x: FloatArray, given_v: bool) -> tuple[float, float]:
    """metafor's QE (``y'Py``) and the typical sampling variance ``(k - p) / tr(P)`` with ``W = S^-1``."""
    k, p = x.shape
    if not given_v:
        # W diagonal: y'Py and tr(P) from p x p products, no k x k matrix.
        w = 1 / np.diag(sampling)
        wx = w[:, None] * x
        xtwx = x.T @ wx
        beta = np.linalg.solve(xtwx, wx.T @ y)
        trace = float(w.sum() - np.trace(np.linalg.solve(xtwx, (wx * w[:, None]).T @ x)))
        return float(w @ (y - x @ beta) ** 2), (k - p) / trace
    w = scipy.linalg.cho_solve(scipy.linalg.cho_factor(sampling), np.eye(k))
    wx = w @ x
    proj = w - wx @ np.linalg.solve(x.T @ wx, wx.T)
    return float(y @ proj @ y), (k - p) / float(np.trace(proj))
