"""The equal-, fixed- and random-effects models without moderators (metafor's ``rma.uni``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray, check_level, study_labels
from secretome.meta._distributions import chi2_sf, norm_isf, norm_sf, t_isf, t_sf
from secretome.meta._missing import NO_STUDY, NaAction, complete_cases
from secretome.meta._notes import warn_note
from secretome.meta._q_profile import q_profile
from secretome.meta._results import RandomEffectsResult
from secretome.meta._tau2 import (
    EQUAL_METHODS,
    Control,
    EqualMethod,
    Projection,
    Tau2Method,
    WeightedMethod,
    fit_chain,
    intercept,
    method_chain,
    model_inputs,
    user_weights,
)

__all__ = ["METHODS", "ModelMethod", "random_effects"]

ModelMethod = Literal[EqualMethod, Tau2Method]
"""Every model method, in metafor's names; the type of ``method`` wherever a function takes one."""
METHODS: tuple[str, ...] = get_args(ModelMethod)
"""Model methods: ``"EE"``/``"FE"`` (no tau^2) and the tau^2 estimators, in metafor's names."""


def random_effects(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    method: ModelMethod | WeightedMethod | Sequence[ModelMethod | WeightedMethod] = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    labels: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
    na_action: NaAction = "omit",
) -> RandomEffectsResult:
    r"""Pool effect sizes with a random-effects (or equal/fixed-effects) model, as metafor's ``rma``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and their sampling variances, one per study. As metafor's ``rma.uni``, a
        negative variance is set to 0; a variance of 0 is fitted by HE, SJ, ML, REML, EB, GENQ and
        GENQM (Q, I^2, H^2 and the Q-profile CI are then ``None``) and refused by DL, HS, HSk,
        PM and PMM, and wherever tau^2 = 0 would give a weight 1/0 (EE, FE, or an estimate of 0),
        also when a fallback chain reaches them (metafor stops there too). The warnings are
        metafor's ("There are outcomes with non-positive sampling variances." unless every variance
        was given as 0, "Negative sampling variances constrained to zero.", "Cannot compute ...");
        the result's ``notes`` name the rows after each.
    weights : array_like, optional
        User weights ``a_i`` (finite, > 0), metafor's ``weights``: the estimate is then
        :math:`\sum a_i y_i / \sum a_i` with the variance
        :math:`\sum a_i^2 (v_i + \hat\tau^2) / (\sum a_i)^2` (Knapp-Hartung scales it by the
        factor of the inverse-variance fit, as metafor), and ``weights`` in the result are these.
        Required by ``method="GENQ"``, the generalised Q-statistic estimator [6]_ [7]_, and by
        ``"GENQM"``, its median-unbiased form (tau^2 where Q_a is the median of its distribution,
        Jackson et al. 2014 [7]_; see :func:`~secretome.meta.tau2_genqm`); the other
        estimators of tau^2 do not use them.
    method : str or sequence of str
        ``"EE"`` (equal effects) or ``"FE"`` (fixed effects): tau^2 = 0; or a tau^2 estimator,
        ``"DL"``, ``"HE"``, ``"HS"``, ``"HSk"``, ``"SJ"``, ``"ML"``, ``"REML"``, ``"PM"``, ``"PMM"``,
        ``"EB"``; with *weights* also ``"GENQ"`` and ``"GENQM"``. A sequence such as
        ``("REML", "DL")`` is a fallback chain (metafor's ``method=c("REML", "DL")``): when an
        estimator does not converge, the next one is used, and the result's ``notes`` say so.
    test : {"z", "knha"}
        Standard normal tests and intervals, or the Knapp-Hartung adjustment [2]_ with a t
        distribution on ``k - 1`` df (metafor's default form: the adjustment is not truncated).
    level : float
        Confidence level, a proportion in (0, 1).
    control : mapping, optional
        metafor's ``control`` settings (``threshold``, ``maxiter``, ``stepadj``, ``tau2_init``,
        ``tol``, ``tau2_max``, ``ll0check``; dotted names such as ``tau2.init`` are accepted), with
        metafor's defaults (``tol`` = ``.Machine$double.eps^0.25``, ``maxiter`` = 100, ``stepadj`` =
        1, ``threshold`` = 1e-5), so the printed digits are metafor's. ``tol`` is also the
        tolerance of the Q-profile interval here, as ``confint(res, control = list(tol = ...))``.
    labels : sequence of str, optional
        Study labels, one per study (default ``"1"``, ``"2"``, ...).
    rows : sequence of int, optional
        Each study's 1-based row in the caller's table, as the notes about vi name them
        (default 1 to k); :func:`random_effects_from_table` gives the file's rows when some were left out.
    na_action : {"omit", "fail"}
        A study whose effect size, variance or user weight is missing (NaN, ``None``,
        ``pandas.NA``) is left out with metafor's warning for its default ``na.action = "na.omit"``
        ("Studies with NAs omitted from model fitting.", then a note naming the positions): ``k``
        counts the studies fitted, ``labels`` default to the positions kept, and the result's
        ``omitted`` holds the 0-based positions left out. ``"fail"`` stops with metafor's
        ``"na.fail"`` error ("Missing values in data."), an :class:`InputError` naming the cell;
        no study left stops too ("Processing terminated since k = 0.").

    Returns
    -------
    RandomEffectsResult
        ``k``, ``estimate``, ``se``, ``zval``, ``pval``, ``df``, ``ci_lb``, ``ci_ub``, ``tau2``,
        ``se_tau2``, ``I2`` (percent), ``H2``, ``Q``, ``Q_df``, ``Q_pval``, ``pi_lb``, ``pi_ub``,
        the Q-profile bounds ``tau2_lb``, ``tau2_ub``, ``I2_lb``, ``I2_ub``, ``H2_lb``, ``H2_ub``,
        ``method``, ``test``, ``level``, ``iterations``, ``yi``, ``vi``, ``weights`` (percent),
        ``labels``, ``notes`` and ``omitted``.

    Raises
    ------
    InputError
        A bad cell (row and field named), a variance of 0 (or below) where it cannot be fitted (as
        above), no study, an
        unknown method or test, a level outside (0, 1), labels of the wrong length.
    ConvergenceError
        The last estimator of the chain did not converge.

    Notes
    -----
    With weights :math:`w_i = 1/(v_i + \hat\tau^2)`, the estimate is
    :math:`\hat\mu = \sum w_i y_i / \sum w_i` with variance :math:`1/\sum w_i`; Knapp-Hartung
    multiplies that variance by :math:`\sum w_i (y_i - \hat\mu)^2 / (k - 1)`. Q uses the weights
    :math:`1/v_i`; :math:`I^2 = 100\,\hat\tau^2/(\hat\tau^2 + \tilde v)` and
    :math:`H^2 = 1 + \hat\tau^2/\tilde v` with the typical within-study variance
    :math:`\tilde v = (k-1)/\mathrm{tr}(P)` [3]_ (EE/FE: :math:`I^2 = 100\max(0, (Q-(k-1))/Q)`,
    :math:`H^2 = Q/(k-1)`). The prediction interval is
    :math:`\hat\mu \pm c\sqrt{SE^2 + \hat\tau^2}` with the test's critical value [5]_. The Q-profile
    interval of tau^2 [4]_ inverts the generalised Q statistic against the chi-square quantiles on
    ``k - 1`` df, searched on ``[0, max(100, 10 tau^2)]`` as metafor's ``confint``; a bound that
    would lie beyond that range is reported at its end, with a note.

    Checked against metafor 3.8-1 ``rma(yi, vi, method=..., test=...)``, ``predict()`` and
    ``confint(control=list(tol=1e-12))`` (here ``control={"tol": 1e-12}``) on dat.bcg,
    dat.normand1999, dat.gibson2002, dat.molloy2014, a k = 2 case and homogeneous and identical
    studies, for every method and both tests (tests/meta/test_random_effects.py, fixtures by
    tools/metafor_reference.R); at metafor's default control and a tightened one on dat.fine1993,
    dat.curtis1998 and dat.raudenbush1985 (tests/meta/test_tau2.py, tools/metafor_reference_control.R).

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal
       of Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03
    .. [2] Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
       single covariate. Statistics in Medicine 22(17):2693-2710. https://doi.org/10.1002/sim.1482
    .. [3] Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
       Statistics in Medicine 21(11):1539-1558. https://doi.org/10.1002/sim.1186
    .. [4] Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in
       meta-analysis. Statistics in Medicine 26(1):37-52. https://doi.org/10.1002/sim.2514
    .. [5] Riley RD, Higgins JPT, Deeks JJ (2011). Interpretation of random effects meta-analyses.
       BMJ 342:d549. https://doi.org/10.1136/bmj.d549
    .. [6] DerSimonian R, Kacker R (2007). Random-effects model for meta-analysis of clinical
       trials: an update. Contemporary Clinical Trials 28(2):105-114.
       https://doi.org/10.1016/j.cct.2006.04.004
    .. [7] Jackson D, Turner R, Rhodes K, Viechtbauer W (2014). Methods for calculating confidence
       and credible intervals for the residual between-study variance in random effects
       meta-regression models. BMC Medical Research Methodology 14:103.
       https://doi.org/10.1186/1471-2288-14-103

    Examples
    --------
    >>> res = random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01])
    >>> round(res.estimate, 4), round(res.se, 4), round(res.tau2, 4)  # R: 0.5, 0.2309401, 0.15
    (0.5, 0.2309, 0.15)
    >>> round(res.I2, 2), round(res.tau2_lb, 4), round(res.tau2_ub, 4)  # R: confint(): 0.03337360, 6.309662
    (93.75, 0.0334, 6.3097)
    >>> knha = random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01], method="DL", test="knha")
    >>> round(knha.ci_lb, 4), round(knha.ci_ub, 4)  # R: rma(..., test="knha"): -0.4936551, 1.4936551
    (-0.4937, 1.4937)
    """
    cases = complete_cases(yi, vi, weights=weights, labels=labels, rows=rows, na_action=na_action)
    with cases.located():
        methods = method_chain(method, "random_effects", weighted=weights is not None)
        check_choice("test", test, ("z", "knha"), owner="random_effects")
        check_level(level)
        ctl = Control.from_mapping(control)
        y, v, vi_notes = model_inputs(cases.yi, cases.vi, rows=cases.rows, evtol=ctl.evtol)
        a = None if weights is None else user_weights(cases.weights, y.size)
        k = y.size
        if k < 1:
            raise InputError(NO_STUDY, field="yi", value=k)
        names = study_labels(cases.labels, k)
        notes: list[str] = []

        used, fit = fit_chain(methods, y, v, intercept(k), ctl, notes, a)
        cases.said(notes)
        for note, detail in vi_notes:
            warn_note(notes, note, detail)
        if test == "knha" and k < 2:
            # metafor switches to z before it fits, in these words, and so says nothing of knha and EE/FE.
            warn_note(notes, 'Setting argument test="z" since k=1.')
            test = "z"
        if test == "knha" and used in EQUAL_METHODS:
            warn_note(notes, f"Knapp & Hartung method is not meant to be used in the context of {used} models.")

        w = 1 / (v + fit.tau2)
        sw = float(w.sum())
        estimate = float(w @ y) / sw
        var = 1 / sw
        # Knapp-Hartung's factor comes from the inverse-variance fit, also with user weights (metafor).
        rss = float(w @ (y - estimate) ** 2)
        if a is not None:
            sa = float(a.sum())
            estimate = float(a @ y) / sa
            var = float((a * a) @ (v + fit.tau2)) / sa**2
        df: int | None = None
        if test == "knha":
            # metafor sets the factor to 0 when the weighted RSS is at rounding level (identical
            # effects), without a warning; the SE is then 0, which the notes (and so summary()) say.
            if rss <= np.finfo(np.float64).eps:
                notes.append("Knapp-Hartung factor is 0 (the weighted residuals are all 0), so SE = 0 as metafor")
                rss = 0.0
            var *= rss / (k - 1)
            df = k - 1
        se = math.sqrt(var)
        zval = estimate / se if se > 0 else math.copysign(math.inf, estimate)
        if df is None:
            crit, pval = float(norm_isf((1 - level) / 2)), float(2 * norm_sf(abs(zval)))
        else:
            crit, pval = float(t_isf((1 - level) / 2, df)), float(2 * t_sf(abs(zval), df))

        bounds: dict[str, float | None] = dict.fromkeys(("tau2_lb", "tau2_ub", "I2_lb", "I2_ub", "H2_lb", "H2_ub"))
        if v.all():
            q, q_pval, i2, h2, vt = _heterogeneity(y, v, fit.tau2, random=used not in EQUAL_METHODS)
        else:
            # metafor's rma.uni: Q, I^2 and H^2 (and so the Q-profile CI) need 1/vi. It warns unless every vi was
            # given as 0, which is when model_inputs has a note too.
            q = q_pval = i2 = h2 = None
            if vi_notes:
                warn_note(notes, "Cannot compute Q-test, I^2, or H^2 when there are non-positive sampling variances in "
                          "the data.", "nor the Q-profile CI of tau^2")  # fmt: skip
        pi_lb = pi_ub = None
        if used not in EQUAL_METHODS:
            half = crit * math.sqrt(var + fit.tau2)
            pi_lb, pi_ub = estimate - half, estimate + half
            if k > 1 and q is not None:  # metafor's confint stops at k = 1: there is no Q-profile to invert
                bounds = _q_profile(y, v, fit.tau2, vt, level, ctl, notes)

        result = RandomEffectsResult(
            k=k,
            estimate=estimate,
            se=se,
            zval=zval,
            pval=pval,
            df=df,
            ci_lb=estimate - crit * se,
            ci_ub=estimate + crit * se,
            tau2=fit.tau2,
            se_tau2=None if used in EQUAL_METHODS else fit.se,
            I2=i2,
            H2=h2,
            Q=q,
            Q_df=k - 1,
            Q_pval=q_pval,
            pi_lb=pi_lb,
            pi_ub=pi_ub,
            **bounds,  # type: ignore[arg-type]
            method=used,
            test=test,
            level=level,
            iterations=fit.iterations,
            yi=tuple(float(x) for x in y),
            vi=tuple(float(x) for x in v),
            weights=tuple(float(x) for x in 100 * (w / sw if a is None else a / a.sum())),
            labels=names,
            notes=(*notes, *fit.notes),
        )
    return cases.recorded(result)


def _heterogeneity(
    y: FloatArray, v: FloatArray, tau2: float, *, random: bool
) -> tuple[float, float, float, float, float]:
    """Q, its p-value, I^2 (percent), H^2 and the typical within-study variance (metafor's ``vt``)."""
    k = y.size
    if k < 2:
        return 0.0, 1.0, 0.0, 1.0, 0.0
    proj = Projection(1 / v, intercept(k))
    q = max(0.0, proj.quad(y))
    q_pval = float(chi2_sf(q, k - 1))
    vt = (k - 1) / proj.trace()
    if random:
        return q, q_pval, 100 * tau2 / (vt + tau2), tau2 / vt + 1, vt
    return q, q_pval, max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0, q / (k - 1), vt


def _q_profile(
    y: FloatArray, v: FloatArray, tau2: float, vt: float, level: float, ctl: Control, notes: list[str]
) -> dict[str, float | None]:
    """Q-profile CI of tau^2, I^2 and H^2 (Viechtbauer 2007), as metafor's ``confint`` at ``control$tol``."""
    bounds = q_profile(y, v, intercept(y.size), tau2, level, tol=ctl.tol, maxiter=max(ctl.maxiter, 1000),
                       tau2_max=ctl.tau2_max)  # fmt: skip
    notes.extend(bounds.notes())
    lb, ub = bounds.lb, bounds.ub
    return {
        "tau2_lb": lb,
        "tau2_ub": ub,
        "I2_lb": 100 * lb / (vt + lb),
        "I2_ub": 100 * ub / (vt + ub),
        "H2_lb": 1 + lb / vt,
        "H2_ub": 1 + ub / vt,
    }
