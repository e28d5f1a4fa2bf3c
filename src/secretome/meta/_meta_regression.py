"""Mixed-effects meta-regression (metafor's ``rma.uni`` with ``mods``): moderators, QM, R^2."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike

from secretome.errors import ConvergenceError, InputError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray, check_level, study_labels
from secretome.meta._least_squares import weighted_least_squares
from secretome.meta._missing import NaAction, complete_cases
from secretome.meta._notes import warn_note
from secretome.meta._random_effects import METHODS, ModelMethod
from secretome.meta._regression_design import model_matrix
from secretome.meta._results import MetaRegressionResult
from secretome.meta._tau2 import (
    EQUAL_METHODS,
    VI_RATIO,
    Control,
    Projection,
    WeightedMethod,
    fit_chain,
    intercept,
    method_chain,
    model_inputs,
    user_weights,
)

__all__ = ["REGRESSION_METHODS", "meta_regression"]

REGRESSION_METHODS: tuple[str, ...] = METHODS
"""Model methods :func:`meta_regression` supports, in metafor's names: all of :data:`METHODS`."""


def meta_regression(
    yi: ArrayLike,
    vi: ArrayLike,
    mods: ArrayLike | pd.DataFrame,
    *,
    weights: ArrayLike | None = None,
    method: ModelMethod | WeightedMethod | Sequence[ModelMethod | WeightedMethod] = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    names: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
    na_action: NaAction = "omit",
) -> MetaRegressionResult:
    r"""Fit a (mixed-effects) meta-regression of *yi* on the moderators *mods*, as metafor's ``rma``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances, one per study. As metafor's ``rma.uni``, a
        negative variance is set to 0; a variance of 0 is fitted by HE, SJ, ML, REML, EB, GENQ and
        GENQM (QE, its p-value, I^2 and H^2 are then ``None``) and refused by DL, HS, HSk,
        PM and PMM, and wherever tau^2 = 0 would give a weight 1/0 (EE, FE, or an estimate of 0),
        also when a fallback chain reaches them (metafor stops there too). The warnings are
        metafor's ("There are outcomes with non-positive sampling variances." unless every variance
        was given as 0, "Negative sampling variances constrained to zero.", "Cannot compute ...");
        the result's ``notes`` name the rows after each.
    mods : array_like or pandas.DataFrame
        Moderators, one row per study and one column per moderator, without the intercept (it is
        added, as metafor does). Code a factor as dummy columns (``pandas.get_dummies(...,
        drop_first=True)``, metafor's treatment coding). A column collinear with those before it is
        dropped with metafor's warning ("Redundant predictors dropped from the model.") and named in
        the notes; with every one dropped the intercept-only model is fitted and printed as metafor's
        (``p == 1``, QM tests the intercept, ``R2`` ``None``; dat.bcg with a constant moderator,
        REML, DL, EE; tools/metafor_reference_design_edges.R).
    weights : array_like, optional
        User weights ``a_i`` (finite, > 0), metafor's ``weights``: the coefficients are then the
        weighted least-squares fit :math:`(X'AX)^{-1}X'Ay` with the sandwich variance
        :math:`(X'AX)^{-1}X'AMAX(X'AX)^{-1}`, :math:`M = \mathrm{diag}(v_i + \hat\tau^2)`
        (Knapp-Hartung scales it by the factor of the inverse-variance fit; R^2 refits the model
        without moderators with the same weights; EE/FE's R^2 is that of ``lm`` with them), as
        metafor. Required by ``method="GENQ"`` and ``"GENQM"`` (see :func:`~secretome.meta.tau2_genq`,
        :func:`~secretome.meta.tau2_genqm`).
    method : str or sequence of str
        ``"EE"``/``"FE"`` (equal/fixed-effects meta-regression) or the residual tau^2 estimator:
        ``"DL"``, ``"HE"``, ``"HS"``, ``"HSk"``, ``"SJ"``, ``"ML"``, ``"REML"``, ``"PM"``, ``"PMM"``,
        ``"EB"``; with *weights* also ``"GENQ"`` and ``"GENQM"``. A sequence such as ``("REML", "DL")`` is a fallback
        chain (metafor's ``method=c("REML", "DL")``): when an estimator does not converge the next one is used, and
        ``method`` and ``notes`` of the result say so.
    test : {"z", "knha"}
        z tests and a chi-square omnibus QM, or Knapp-Hartung [2]_: t tests on ``k - p`` df and an
        F omnibus test (metafor's default form, no truncation).
    level : float
        Confidence level, a proportion in (0, 1).
    control : mapping, optional
        metafor's ``control`` (``threshold``, ``maxiter``, ``stepadj``, ``tau2_init``, ``tol``,
        ``tau2_max``, ``ll0check``), as for :func:`random_effects`.
    names : sequence of str, optional
        Moderator names (default: the DataFrame's columns, else ``"mod1"``, ``"mod2"``, ...).
    labels : sequence of str, optional
        Study labels, one per study (default ``"1"``, ``"2"``, ...), for the forest plot.
    rows : sequence of int, optional
        Each study's 1-based row in the caller's table, as the notes about vi name them
        (default 1 to k); :func:`meta_regression_from_table` gives the file's rows when some were left out.
    na_action : {"omit", "fail"}
        A study whose effect size, variance, user weight or moderator is missing (NaN, ``None``,
        ``pandas.NA``) is left out with metafor's warning for its default ``na.action = "na.omit"``
        ("Studies with NAs omitted from model fitting.", then a note naming the positions): ``k``
        counts the studies fitted, ``labels`` default to the positions kept, and the result's
        ``omitted`` holds the 0-based positions left out. ``"fail"`` stops with metafor's
        ``"na.fail"`` error ("Missing values in data."), an :class:`InputError` naming the cell;
        no study left stops too ("Processing terminated since k = 0.").

    Returns
    -------
    MetaRegressionResult
        ``k``, ``p``, ``coef_names``, per coefficient ``beta``, ``se``, ``zval``, ``pval``,
        ``ci_lb``, ``ci_ub``; ``df`` (knha), ``tau2``, ``se_tau2``, ``I2``, ``H2`` (residual
        heterogeneity), ``R2`` (percent of tau^2 accounted for; ``None`` when the model without
        moderators cannot be fitted), ``QE``, ``QE_df``, ``QE_pval``, ``QM``, ``QM_df``,
        ``QM_pval`` (omnibus test of the moderators), ``method`` (the one used), ``test``,
        ``level``, ``iterations``; per study ``yi``, ``vi``, ``weights`` (percent), ``labels``,
        ``fitted`` with ``fitted_ci_lb`` and ``fitted_ci_ub``, ``resid`` and ``resid_se`` (what
        :func:`forest_plot` and :func:`funnel_plot` draw); ``vcov`` (of the coefficients) and
        ``design`` (the model matrix); ``notes``.

    Raises
    ------
    InputError
        A bad cell (row and column named), a variance of 0 (or below) where it cannot be fitted
        (as above), no more studies than
        coefficients for a tau^2 estimator (so no k = 2 model with a moderator: metafor stops there
        too, "Number of parameters to be estimated is larger than the number of observations."),
        an unknown method or test, a level outside (0, 1), labels of the wrong length. EE/FE fit
        the saturated model (k = p) as metafor does: exact, QE = 0 on 0 df (p = 1), I^2 = 0,
        H^2 = 1, R^2 ``None`` (metafor's NA), with a note; its Knapp-Hartung test (0 df, metafor's
        NA) is refused (two trials of dat.bcg; tools/metafor_reference_design_edges.R).
    ConvergenceError
        The last estimator of the chain did not converge.

    Notes
    -----
    With :math:`W = \mathrm{diag}(1/(v_i+\hat\tau^2))`,
    :math:`\hat\beta = (X'WX)^{-1}X'Wy` and :math:`\mathrm{Var}(\hat\beta) = (X'WX)^{-1}` (times
    the Knapp-Hartung factor :math:`y'P y/(k-p)`). The residual tau^2 comes from the same
    estimators as :func:`random_effects`, with the model matrix in place of the intercept (see
    :mod:`secretome.meta._tau2` and the tau2_* functions for each method and its paper): DL
    :math:`(Q_E-(k-p))/\mathrm{tr}(P)` [3]_, HE, HS, HSk, SJ, PM, PMM, EB, and ML and REML by Fisher scoring
    from the HE estimate [4]_, with metafor's threshold and step halving. QM is the Wald statistic
    of all coefficients but the intercept (divided by their number for knha, then F).
    :math:`R^2 = \max(0, 100(\hat\tau^2_0 - \hat\tau^2)/\hat\tau^2_0)` with
    :math:`\hat\tau^2_0` from the model without moderators, fitted with the method used and the
    rest of the chain [5]_; EE/FE report the adjusted R^2 of the weighted least-squares fit, as
    metafor. The fitted values :math:`x_i'\hat\beta` have the CI
    :math:`x_i'\hat\beta \pm z\sqrt{x_i'\mathrm{Var}(\hat\beta)x_i}` (metafor's ``predict``), and the
    residuals :math:`e = (I - H)y`, :math:`H = X(X'WX)^{-1}X'W`, the variances
    :math:`\mathrm{diag}((I-H)M(I-H)')`, :math:`M = W^{-1}` (``rstandard``).

    Checked against metafor 3.8-1 ``rma(yi, vi, mods=..., method=, test=)`` for every method and
    both tests on dat.bcg (``~ ablat + year``, ``~ factor(alloc)``), dat.molloy2014
    (``~ meanage``), dat.gibson2002 (``~ year``), dat.normand1999 and a homogeneous set
    (tau^2 = 0) with a constructed covariate, and fallback chains (tests/meta/test_meta_regression.py,
    fixtures by tools/metafor_reference.R); fitted values, their CIs, weights and residuals with
    their SEs against ``fitted``, ``predict``, ``weights`` and ``rstandard`` on dat.bcg
    (``~ ablat + year``, z and knha; tests/meta/test_plots.py).

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal
       of Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03
    .. [2] Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
       single covariate. Statistics in Medicine 22(17):2693-2710. https://doi.org/10.1002/sim.1482
    .. [3] DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical
       Trials 7(3):177-188. https://doi.org/10.1016/0197-2456(86)90046-2
    .. [4] Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
       random-effects model. JEBS 30(3):261-293. https://doi.org/10.3102/10769986030003261
    .. [5] Raudenbush SW (2009). Analyzing effect sizes: random-effects models. In: Cooper H,
       Hedges LV, Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd
       ed., 295-315. Russell Sage Foundation.

    Examples
    --------
    >>> yi, vi, year = [0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0]
    >>> res = meta_regression(yi, vi, year, method="DL", names=["year"])
    >>> [round(b, 4) for b in res.beta], res.tau2  # R: rma(yi, vi, mods=~year, method="DL"): -0.1363636, 0.2227273; 0
    ([-0.1364, 0.2227], 0.0)
    >>> res.coef_names
    ('intrcpt', 'year')
    """
    cases = complete_cases(yi, vi, weights=weights, mods=mods, labels=labels, rows=rows, na_action=na_action)
    with cases.located():
        methods = method_chain(method, "meta_regression", weighted=weights is not None)
        check_choice("test", test, ("z", "knha"), owner="meta_regression")
        check_level(level)
        ctl = Control.from_mapping(control)
        y, v, vi_notes = model_inputs(cases.yi, cases.vi, rows=cases.rows, evtol=ctl.evtol)
        k = y.size
        a = None if weights is None else user_weights(cases.weights, k)
        notes: list[str] = []
        redundant: list[tuple[str, str]] = []
        x, coef_names = model_matrix(cases.mods, k, names, redundant, method=methods[0])
        p = x.shape[1]
        study_names = study_labels(cases.labels, k)

        used, fit = fit_chain(methods, y, v, x, ctl, notes, a)
        # metafor's order: NAs omitted, the variances, redundant predictors, then the ratio of the variances.
        cases.said(notes)
        ratio = [said for said in vi_notes if said[0] == VI_RATIO]
        for note, detail in [*(s for s in vi_notes if s[0] != VI_RATIO), *redundant, *ratio]:
            warn_note(notes, note, detail)
        if test == "knha" and used in EQUAL_METHODS:
            warn_note(notes, f"Knapp & Hartung method is not meant to be used in the context of {used} models.")
        tau2 = fit.tau2

        w = 1 / (v + tau2)
        # Knapp-Hartung's factor is the inverse-variance fit's RSS, also with user weights (metafor).
        beta, unscaled, rss = weighted_least_squares(y, w, x)
        weighted: dict[str, FloatArray] = {}
        if a is not None:
            beta, xtax_inv, _ = weighted_least_squares(y, a, x)
            unscaled = xtax_inv @ (x.T @ ((a * a * (v + tau2))[:, None] * x)) @ xtax_inv
            weighted = {"weights": a, "xtax_inv": xtax_inv}
        vb = unscaled
        df: int | None = None
        if test == "knha" and k == p:
            # The saturated EE/FE fit: Knapp and Hartung's factor RSS / (k - p) is 0 / 0 (metafor's tests are NA, and
            # its print stops on them).
            raise InputError(f"test='knha' needs more studies than coefficients ({p}): its t test has k - p = 0 df",
                             field="test", value=test)  # fmt: skip
        if test == "knha":
            vb = unscaled * (0.0 if rss <= np.finfo(np.float64).eps else rss / (k - p))
            df = k - p
        coefficients, crit = coefficient_tests(beta, vb, df, level)

        qe: float | None = None
        i2: float | None = None
        h2: float | None = None
        r2: float | None = None
        if v.all() and k == p:
            # The saturated EE/FE fit (random-effects models stopped in model_matrix), as metafor's rma.uni: QE = 0 on
            # 0 df (p = 1), I^2 = 0, H^2 = 1; its adjusted R^2 divides by k - p (NA).
            qe, i2, h2 = 0.0, 0.0, 1.0
            notes.append(f"as many coefficients as studies ({p}): the fit is exact, QE has 0 df and R^2 is NA (as "
                         "metafor's)")  # fmt: skip
        elif v.all():
            proj = Projection(1 / v, x)
            qe = max(0.0, proj.quad(y))
            vt = (k - p) / proj.trace()
            if used in EQUAL_METHODS:
                # EE and FE have stopped before this when a vi is 0 (a weight 1/0), as metafor.
                i2, h2 = max(0.0, 100 * (qe - (k - p)) / qe) if qe > 0 else 0.0, qe / (k - p)
                rss = qe if a is None else Projection(a, x).quad(y)
                r2 = _adjusted_r2(y, proj.w if a is None else a, rss, k, p)
            else:
                i2, h2 = 100 * tau2 / (vt + tau2), tau2 / vt + 1
        elif vi_notes:
            # metafor's rma.uni: QE, I^2 and H^2 need 1/vi. It warns unless every vi was given as 0, which is when
            # model_inputs has a note too.
            warn_note(notes, "Cannot compute QE-test, I^2, or H^2 when there are non-positive sampling variances in "
                      "the data.")  # fmt: skip
        if p == 1:
            # Every moderator was dropped as redundant: metafor's intercept-only model has no R^2 (NULL).
            r2 = None
        elif used not in EQUAL_METHODS:
            r2 = _pseudo_r2(methods[methods.index(used) :], y, v, ctl, tau2, notes, a)

        result = MetaRegressionResult(
            k=k,
            p=p,
            coef_names=coef_names,
            df=df,
            tau2=tau2,
            se_tau2=None if used in EQUAL_METHODS else fit.se,
            I2=i2,
            H2=h2,
            R2=r2,
            QE=qe,
            QE_df=k - p,
            QE_pval=None if qe is None else 1.0 if k == p else float(scipy.stats.chi2.sf(qe, k - p)),
            method=used,
            test=test,
            level=level,
            iterations=fit.iterations,
            yi=tuple(float(a) for a in y),
            vi=tuple(float(a) for a in v),
            weights=tuple(float(c) for c in 100 * (w / w.sum() if a is None else a / a.sum())),
            labels=study_names,
            **study_fits(y, x, beta, vb, unscaled, v + tau2, crit, **weighted),
            **coefficients,
            # tolist() gives Python floats at C speed: the model matrix has k rows (10 ms of per-cell float() at
            # k = 5000).
            vcov=tuple(map(tuple, vb.tolist())),
            design=tuple(map(tuple, x.tolist())),
            notes=(*notes, *fit.notes),
        )
    return cases.recorded(result)


def coefficient_tests(beta: FloatArray, vb: FloatArray, df: int | None, level: float) -> tuple[dict[str, Any], float]:
    """Wald tests of the coefficients and the omnibus test of the moderators, as metafor prints them.

    z tests and chi-square QM without *df*; t tests and F (QM / m on ``(m, df)``) with it. QM tests
    the coefficients after the intercept, or the intercept when there are none (metafor's ``btt`` of an
    intercept-only model; its print leaves QM out then). Returns the result
    fields (``beta``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub``, ``QM``, ``QM_df``,
    ``QM_pval``) and the critical value of the CIs at *level*.
    """
    se = np.sqrt(np.diag(vb))
    zval = beta / se
    dist = scipy.stats.norm if df is None else scipy.stats.t(df)
    crit = float(dist.isf((1 - level) / 2))
    fields: dict[str, Any] = {
        "beta": tuple(float(b) for b in beta),
        "se": tuple(float(s) for s in se),
        "zval": tuple(float(z) for z in zval),
        "pval": tuple(float(q) for q in 2 * dist.sf(np.abs(zval))),
        "ci_lb": tuple(float(b - crit * s) for b, s in zip(beta, se, strict=True)),
        "ci_ub": tuple(float(b + crit * s) for b, s in zip(beta, se, strict=True)),
    }
    tested = slice(1, None) if beta.size > 1 else slice(0, 1)
    m = beta[tested].size
    qm = float(beta[tested] @ np.linalg.solve(vb[tested, tested], beta[tested]))
    if df is None:
        fields.update(QM=qm, QM_df=(m,), QM_pval=float(scipy.stats.chi2.sf(qm, m)))
    else:
        fields.update(QM=qm / m, QM_df=(m, df), QM_pval=float(scipy.stats.f.sf(qm / m, m, df)))
    return fields, crit


def study_fits(
    y: FloatArray,
    x: FloatArray,
    beta: FloatArray,
    vb: FloatArray,
    unscaled: FloatArray,
    marginal: FloatArray,
    crit: float,
    weights: FloatArray | None = None,
    xtax_inv: FloatArray | None = None,
) -> dict[str, tuple[float, ...]]:
    """Per study: metafor's ``fitted``, ``predict``'s CI of it, and ``rstandard``'s residuals and SEs.

    *vb* is the variance of the coefficients behind the CI (Knapp-Hartung scaled for knha),
    *unscaled* is :math:`A = (X'M^{-1}X)^{-1}` and *marginal* the diagonal of the marginal variance
    M of yi (``vi + tau2``; V of a multilevel model). With user *weights* A, *unscaled* is the
    sandwich :math:`B X'AMAX B` with :math:`B` = *xtax_inv* = :math:`(X'AX)^{-1}`. Keys are the
    result fields ``fitted``, ``fitted_ci_lb``, ``fitted_ci_ub``, ``resid`` and ``resid_se``.
    """
    fitted = x @ beta
    half = crit * np.sqrt(np.einsum("ij,jk,ik->i", x, vb, x))
    resid = y - fitted
    # As rstandard: a residual below 100 machine epsilons is 0 (the model fits that study exactly).
    resid[np.abs(resid) < 100 * np.finfo(np.float64).eps] = 0.0
    # rstandard's Var(e) = (I - H) M (I - H)' with H = X A X' M^-1. As H M = X A X' = H M H', this
    # is M - X A X': its diagonal needs no k x k matrix. Clipped at 0 against rounding where h_ii = 1.
    spread = np.einsum("ij,jk,ik->i", x, unscaled, x)
    if weights is None or xtax_inv is None:
        resid_var = np.maximum(marginal - spread, 0.0)
    else:
        # With H = X B X'A the diagonal of (I - H) M (I - H)' is m_i (1 - 2 a_i h_i) + x_i' (B X'AMAX B) x_i.
        h = np.einsum("ij,jk,ik->i", x, xtax_inv, x)
        resid_var = np.maximum(marginal * (1 - 2 * weights * h) + spread, 0.0)
    return {
        "fitted": tuple(float(a) for a in fitted),
        "fitted_ci_lb": tuple(float(a) for a in fitted - half),
        "fitted_ci_ub": tuple(float(a) for a in fitted + half),
        "resid": tuple(float(a) for a in resid),
        "resid_se": tuple(float(a) for a in np.sqrt(resid_var)),
    }


def _pseudo_r2(
    chain: tuple[str, ...],
    y: FloatArray,
    v: FloatArray,
    ctl: Control,
    tau2: float,
    notes: list[str],
    weights: FloatArray | None = None,
) -> float | None:
    """Percent of tau^2 accounted for, against the model without moderators (metafor's R^2).

    metafor refits that model with the method used and the rest of its chain, the same control and
    its warnings suppressed; when the refit fails (it does not converge, or its tau^2 of 0 meets a
    sampling variance of 0) it reports R^2 as NA without a word (here ``None``, with a note saying why,
    which ``summary()`` prints, and no warning, as metafor).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecretomeWarning)
            _, fit0 = fit_chain(chain, y, v, intercept(y.size), ctl, [], weights)
    except (ConvergenceError, InputError) as exc:
        notes.append(f"R^2 is not available: the model without moderators could not be fitted ({exc})")
        return None
    tau2_0 = fit0.tau2
    return 0.0 if tau2_0 == 0 else max(0.0, 100 * (tau2_0 - tau2) / tau2_0)


def _adjusted_r2(y: FloatArray, w: FloatArray, rss: float, k: int, p: int) -> float:
    # metafor's EE/FE R^2: max(0, 100 * adjusted R^2 of lm(yi ~ X, weights = 1/vi)).
    mu = float(w @ y) / float(w.sum())
    tss = float(w @ (y - mu) ** 2)
    if tss == 0:
        return 0.0
    return max(0.0, 100 * (1 - (rss / tss) * (k - 1) / (k - p)))
