"""Wald tests of coefficients and contrasts, likelihood-ratio tests of nested models: metafor's ``anova.rma``."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, SecretomeWarning
from secretome.meta._columns import FloatArray
from secretome.meta._fitted_model import (
    Fit,
    FittedModel,
    Multilevel,
    coefficient_positions,
    fit_statistics,
    fitted_model,
    log_likelihoods,
)
from secretome.meta._meta_regression import meta_regression
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, refit_multilevel
from secretome.meta._p_format import format_p
from secretome.meta._random_effects import random_effects
from secretome.meta._results import MetaRegressionResult
from secretome.meta._tau2 import EQUAL_METHODS, Projection

__all__ = ["LikelihoodRatioResult", "WaldTestResult", "anova"]


@dataclasses.dataclass(frozen=True, slots=True)
class WaldTestResult(Result):
    """A Wald test of a set of coefficients or of linear combinations of them (metafor's ``anova(res, btt=)``, ``X=``).

    Attributes
    ----------
    hypotheses : tuple of str
        What is tested to be 0 (or ``rhs``): each coefficient of the set, or each linear combination.
    estimate, se, zval, pval : tuple of float or None
        Per linear combination (``contrasts=``): its estimate minus ``rhs``, SE, z (t for knha) and
        p-value; ``None`` for a test of coefficients (``btt=``).
    QM : float or None
        The omnibus Wald statistic of all hypotheses (divided by their number, an F, for knha);
        ``None`` when the combinations are linearly dependent (metafor gives NA).
    QM_df : tuple of int
        ``(m,)`` for the chi-square test, ``(m, k - p)`` for the F test.
    QM_pval : float or None
        Its p-value.
    test : str
        ``"z"`` or ``"knha"``.
    df : int or None
        ``k - p`` for knha.
    """

    hypotheses: tuple[str, ...]
    estimate: tuple[float, ...] | None
    se: tuple[float, ...] | None
    zval: tuple[float, ...] | None
    pval: tuple[float, ...] | None
    QM: float | None
    QM_df: tuple[int, ...]
    QM_pval: float | None
    test: str
    df: int | None

    def summary(self) -> str:
        """Laid out like metafor's ``print(anova(res, ...))``."""
        lines: list[str] = []
        if self.estimate is not None:
            lines += ["Hypothesis:" if len(self.hypotheses) == 1 else "Hypotheses:"]
            lines += [f"{i}: {h}" for i, h in enumerate(self.hypotheses, start=1)]
            stat = "zval" if self.df is None else "tval"
            header = ["", "estimate", "se", stat, *([] if self.df is None else ["df"]), "pval"]
            rows = [header]
            for i in range(len(self.hypotheses)):
                row = [f"{i + 1}:", f"{self.estimate[i]:.4f}", f"{self.se[i]:.4f}", f"{self.zval[i]:.4f}"]  # type: ignore[index]
                rows.append(row + ([] if self.df is None else [str(self.df)]) + [format_p(self.pval[i])])  # type: ignore[index]
            widths = [max(len(r[j]) for r in rows) for j in range(len(header))]
            lines += ["", "Results:"] + ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
            if self.QM is not None:
                lines += ["", "Test of Hypothesis:" if len(self.hypotheses) == 1 else "Omnibus Test of Hypotheses:"]
        else:
            lines += [f"Test of Moderators ({'coefficient' if len(self.hypotheses) == 1 else 'coefficients'} "
                      f"{', '.join(self.hypotheses)}):"]  # fmt: skip
        if self.QM is not None:
            if self.df is None:
                lines.append(f"QM(df = {self.QM_df[0]}) = {self.QM:.4f}, p-val {format_p(self.QM_pval, equals=True)}")  # type: ignore[arg-type]
            else:
                df1, df2 = self.QM_df
                lines.append(
                    f"F(df1 = {df1}, df2 = {df2}) = {self.QM:.4f}, p-val {format_p(self.QM_pval, equals=True)}"  # type: ignore[arg-type]
                )
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class LikelihoodRatioResult(Result):
    """A likelihood-ratio test of a reduced model against the full one it nests in (metafor's ``anova(full, reduced)``).

    Attributes
    ----------
    method : str
        The likelihood compared: ``"REML"`` when the full model was fitted with REML, else ``"ML"``.
    methods : tuple of str
        The methods the full and the reduced model were fitted with (after a refit).
    df_full, df_reduced : int
        Numbers of estimated parameters (coefficients plus tau^2 when estimated).
    loglik_full, loglik_reduced, deviance_full, deviance_reduced : float
        (Restricted) log-likelihoods and deviances.
    AIC_full, AIC_reduced, BIC_full, BIC_reduced, AICc_full, AICc_reduced : float
        Information criteria (metafor's ``fitstats``).
    LRT, pval : float
        The likelihood-ratio statistic (truncated at 0) and its chi-square p-value on
        ``df_full - df_reduced`` df.
    QE_full, QE_reduced : float or None
        The tests for (residual) heterogeneity of each model; ``None`` when a sampling variance is 0
        (metafor's NA, printed as such).
    tau2_full, tau2_reduced : float or None
        (Residual) tau^2 of each (``None`` for multilevel models).
    R2 : float or None
        Percent of the reduced model's tau^2 the full model accounts for (EE/FE: of its residual
        variance), as metafor; ``None`` for multilevel models.
    notes : tuple of str
        Warnings metafor would give (REML with different fixed effects, estimators other than
        ML/REML).
    """

    method: str
    methods: tuple[str, str]
    df_full: int
    df_reduced: int
    loglik_full: float
    loglik_reduced: float
    deviance_full: float
    deviance_reduced: float
    AIC_full: float
    AIC_reduced: float
    BIC_full: float
    BIC_reduced: float
    AICc_full: float
    AICc_reduced: float
    LRT: float
    pval: float
    QE_full: float | None
    QE_reduced: float | None
    tau2_full: float | None
    tau2_reduced: float | None
    R2: float | None
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """The table of metafor's ``print(anova(full, reduced))``."""
        header = ["", "df", "AIC", "BIC", "AICc", "logLik", "LRT", "pval", "QE"]
        full = ["Full", str(self.df_full), f"{self.AIC_full:.4f}", f"{self.BIC_full:.4f}", f"{self.AICc_full:.4f}"]
        full += [f"{self.loglik_full:.4f}", "", "", _na(self.QE_full)]
        reduced = ["Reduced", str(self.df_reduced), f"{self.AIC_reduced:.4f}", f"{self.BIC_reduced:.4f}"]
        reduced += [f"{self.AICc_reduced:.4f}", f"{self.loglik_reduced:.4f}", f"{self.LRT:.4f}", format_p(self.pval)]
        reduced += [_na(self.QE_reduced)]
        # metafor leaves out tau^2 for EE/FE and multilevel models, and R^2 for multilevel ones.
        if self.tau2_full is not None and self.tau2_reduced is not None and self.methods[0] not in EQUAL_METHODS:
            header.append("tau^2")
            full.append(f"{self.tau2_full:.4f}")
            reduced.append(f"{self.tau2_reduced:.4f}")
        if self.R2 is not None:
            header.append("R^2")
            full.append("")
            reduced.append(f"{self.R2:.2f}%")
        rows = [header, full, reduced]
        widths = [max(len(r[j]) for r in rows) for j in range(len(header))]
        lines = ["  ".join([r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))])
                 for r in rows]  # fmt: skip
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


def anova(
    fit: Fit | Multilevel,
    reduced: Fit | None = None,
    *,
    btt: Sequence[int | str] | int | str | None = None,
    contrasts: ArrayLike | None = None,
    rhs: float | Sequence[float] = 0.0,
    refit: bool = False,
) -> WaldTestResult | LikelihoodRatioResult:
    r"""Wald tests of coefficients or contrasts of a model, or a likelihood-ratio test of two, as metafor's ``anova``.

    Parameters
    ----------
    fit : RandomEffectsResult, MetaRegressionResult, MultilevelResult or MultilevelRegressionResult
        The model (with *reduced*: one of the two nested models, in either order; two multilevel
        models are compared with each other only, as metafor compares only models of one class).
    reduced : RandomEffectsResult or MetaRegressionResult, optional
        The other model of a likelihood-ratio test: fitted to the same yi and vi, with fewer
        parameters (fewer moderators, or tau^2 fixed at 0 by EE/FE), both with ML (or both with
        REML and the same moderators, as REML likelihoods of different fixed effects are not
        comparable; metafor warns, and so do we).
    btt : int, str or sequence of them, optional
        The coefficients to test jointly (1-based positions as metafor numbers them, or names);
        default: every coefficient after the intercept (the model's QM), or the intercept of a
        model without moderators, as metafor's. Ignored when *contrasts* are given, as metafor's
        ``anova(res, btt =, X =)`` tests X alone, without a word (checked against metafor 3.8-1 for
        an ``rma`` and an ``rma.mv`` fit, tools/metafor_reference_mv_edges.R).
    contrasts : array_like, optional
        Linear combinations to test, one row each over the p coefficients, metafor's ``X =``
        (a matrix with p - 1 columns gets an intercept column of 1 in front, as metafor does).
    rhs : float or sequence of float
        The values the coefficients or combinations are tested against (default 0).
    refit : bool
        For two REML fits with different moderators (random-effects and meta-regression models, or
        two multilevel models): refit both with ML and compare those (metafor's ``refit = TRUE``);
        otherwise they are compared as they are, with metafor's warning.

    Returns
    -------
    WaldTestResult or LikelihoodRatioResult
        A Wald test for one model, a likelihood-ratio test for two.

    Raises
    ------
    InputError
        An unknown coefficient; contrasts of the wrong width; for two
        models, in metafor's words and order of checks: a multilevel model against another kind,
        the same number of parameters, different data, a full EE/FE model against a random-effects
        reduced one, or ML against REML. metafor's warnings (a likelihood-ratio test of models
        fitted otherwise than by ML or REML; REML fits with different moderators) are the same.

    Notes
    -----
    The Wald statistic of coefficients S is :math:`(\hat\beta_S - r)'\mathrm{Var}(\hat\beta)_{SS}^{-1}
    (\hat\beta_S - r)`, chi-square on m = |S| df, or divided by m and F on ``(m, k - p)`` for
    knha. For contrasts L (m x p), each :math:`L_j\hat\beta - r_j` gets a z (t) test and the
    omnibus statistic is :math:`(L\hat\beta - r)'(L V L')^{-1}(L\hat\beta - r)` when L has full row
    rank. The
    likelihood-ratio statistic is the difference of the deviances, chi-square on the difference
    of the numbers of parameters [1]_.
    Checked against metafor 3.8-1 ``anova(res, btt =)`` and ``anova(res, X =)`` on
    dat.bangertdrowns2004 (z and knha) and of an ``rma.mv`` model of dat.konstantopoulos2011 (z and
    t), and ``anova(full, reduced)`` on dat.raudenbush1985,
    dat.curtis1998 (ML with and without moderators; EE), dat.li2007 and dat.raudenbush1985 (REML
    against EE with the same moderators; REML with and without moderators, as they are and with
    ``refit = TRUE``) and on three-level models of dat.konstantopoulos2011 (with and without the
    year, ML; ``~ 1 | district/school`` against ``~ 1 | district``, REML) to 1e-6 (tests/meta/test_anova.py, fixtures by
    tools/metafor_reference_predict.R); with and without the year, REML, as they are and with ``refit = TRUE``
    (tools/metafor_reference_mv_edges.R).

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal
       of Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03

    Examples
    --------
    >>> from secretome.meta import meta_regression
    >>> res = meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0],
    ...                       method="DL", names=["year"])
    >>> round(anova(res).QM, 4) == round(res.QM, 4)
    True
    """
    if reduced is not None:
        if btt is not None or contrasts is not None:
            raise InputError("give btt or contrasts for one model, not with a second model", field="btt")
        return _likelihood_ratio(fit, reduced, refit=refit)
    model = fitted_model(fit, multilevel=True)
    # metafor's anova.rma tests X whenever it is given and then never looks at btt (no error, no warning).
    if contrasts is not None:
        return _contrast_test(model, contrasts, rhs)
    if btt is None:
        # metafor's default: the coefficients after the intercept, or the intercept of a model without moderators.
        positions = list(range(1, model.p)) if model.p > 1 else [0]
    else:
        entry = [btt] if isinstance(btt, (int, str, np.integer)) else list(btt)
        positions = coefficient_positions(entry, model.coef_names, field="btt")
    m = len(positions)
    shift = _rhs(rhs, m)
    b = model.beta[positions] - shift
    qm = float(b @ np.linalg.solve(model.vb[np.ix_(positions, positions)], b))
    qm_df, qm, qm_pval = _omnibus(model, qm, m)
    return WaldTestResult(
        hypotheses=tuple(model.coef_names[j] for j in positions),
        estimate=None,
        se=None,
        zval=None,
        pval=None,
        QM=qm,
        QM_df=qm_df,
        QM_pval=qm_pval,
        test=model.test,
        df=model.df,
    )


def _rhs(rhs: float | Sequence[float], m: int) -> FloatArray:
    values = np.atleast_1d(np.asarray(rhs, dtype=np.float64))
    if values.size == 1:
        return np.full(m, float(values[0]))
    if values.size != m:
        raise InputError(f"has {values.size} values for {m} hypotheses", field="rhs")
    return values


def _omnibus(model: FittedModel, qm: float, m: int) -> tuple[tuple[int, ...], float, float]:
    if model.df is None:
        return (m,), qm, float(scipy.stats.chi2.sf(qm, m))
    return (m, model.df), qm / m, float(scipy.stats.f.sf(qm / m, m, model.df))


def _contrast_test(model: FittedModel, contrasts: ArrayLike, rhs: float | Sequence[float]) -> WaldTestResult:
    try:
        lmat = np.atleast_2d(np.asarray(contrasts, dtype=np.float64))
    except (TypeError, ValueError):
        raise InputError("must be numbers", field="contrasts") from None
    if lmat.ndim != 2 or not np.all(np.isfinite(lmat)):
        raise InputError("must be a matrix of finite numbers", field="contrasts")
    if lmat.shape[1] == model.p - 1:
        lmat = np.column_stack([np.ones(lmat.shape[0]), lmat])
    if lmat.shape[1] != model.p:
        reason = (f"Length or number of columns of 'X' ({lmat.shape[1]}) does not match the number of model "
                  f"coefficients ({model.p}).")  # fmt: skip
        raise InputError(reason, field="contrasts", value=list(model.coef_names))
    m = lmat.shape[0]
    shift = _rhs(rhs, m)
    est = lmat @ model.beta - shift
    var = lmat @ model.vb @ lmat.T
    se = np.sqrt(np.diag(var))
    zval = est / se
    dist = scipy.stats.norm if model.df is None else scipy.stats.t(model.df)
    pval = 2 * dist.sf(np.abs(zval))
    qm = qm_pval = None
    qm_df: tuple[int, ...] = (m,) if model.df is None else (m, model.df)
    if np.linalg.matrix_rank(lmat) == m:
        qm_df, qm, qm_pval = _omnibus(model, float(est @ np.linalg.solve(var, est)), m)
    return WaldTestResult(
        hypotheses=tuple(_hypothesis(row, model.coef_names, r) for row, r in zip(lmat, shift, strict=True)),
        estimate=tuple(float(a) for a in est),
        se=tuple(float(a) for a in se),
        zval=tuple(float(a) for a in zval),
        pval=tuple(float(a) for a in pval),
        QM=qm,
        QM_df=qm_df,
        QM_pval=qm_pval,
        test=model.test,
        df=model.df,
    )


def _hypothesis(row: FloatArray, names: Sequence[str], rhs: float) -> str:
    """``grade2 - grade3 = 0``: metafor's hypothesis text (coefficients rounded to 4 digits, 1s not written)."""
    terms = []
    for c, name in zip(np.round(row, 4), names, strict=True):
        if c == 0:
            continue
        terms.append(name if c == 1 else f"-{name}" if c == -1 else f"{c:g}*{name}")
    return " + ".join(terms).replace("+ -", "- ") + f" = {rhs:g}"


_SAME_PARMS = "Models have the same number of parameters. LRT not meaningful."
# metafor's warning, on one line (it breaks it before the parenthesis); refit=TRUE is our refit=True.
_REML_NOT_MEANINGFUL = ("REML comparisons not meaningful for models with different fixed effects (use 'refit=TRUE' to "
                        "refit both models based on ML estimation).")  # fmt: skip


def _mismatch(full: str, reduced: str) -> str:
    """metafor's refusal of an ML model against a REML one (either way round)."""
    return f"Mismatch between the use of {full} and {reduced} estimation in the full versus reduced model."


def _likelihood_ratio(first: Fit | Multilevel, second: Fit | Multilevel, *, refit: bool) -> LikelihoodRatioResult:
    # metafor's anova.rma checks, in its order and words (object1 is the first model given, object2 the second).
    multilevel = [isinstance(f, MultilevelResult | MultilevelRegressionResult) for f in (first, second)]
    if any(multilevel):
        if not all(multilevel):
            raise InputError("Class of 'object1' must be the same as class of 'object2'.", field="reduced")
        return _multilevel_likelihood_ratio(first, second, refit=refit)  # type: ignore[arg-type]
    a, b = fitted_model(first), fitted_model(second)
    if a.parms == b.parms:
        raise InputError(_SAME_PARMS, field="reduced", value=a.parms)
    full, reduced = (a, b) if a.parms > b.parms else (b, a)
    fit_full, fit_reduced = (first, second) if a.parms > b.parms else (second, first)
    if not (np.array_equal(full.y, reduced.y) and np.array_equal(full.v, reduced.v)):
        raise InputError("Observed outcomes and/or sampling variances not equal in the full and reduced model.",
                         field="reduced")  # fmt: skip
    if not full.is_random and reduced.is_random:
        raise InputError("Full model uses a fixed- and reduced model uses a random/mixed-effects model.",
                         field="method", value=full.method)  # fmt: skip
    if {full.method, reduced.method} == {"ML", "REML"}:
        raise InputError(_mismatch(full.method, reduced.method), field="method", value=reduced.method)
    notes = []
    if not {full.method, reduced.method} <= {"EE", "FE", "ML", "REML"}:
        notes.append("LRTs should be based on ML/REML estimation.")
    if full.method == "REML" and not (full.x.shape == reduced.x.shape and np.array_equal(full.x, reduced.x)):
        if refit:
            # As metafor's refit = TRUE: both models again with method = "ML" (an EE reduced model too).
            fit_full, fit_reduced = _ml_refit(full), _ml_refit(reduced)
            full, reduced = fitted_model(fit_full), fitted_model(fit_reduced)
        else:
            notes.append(_REML_NOT_MEANINGFUL)
    for note in notes:
        warnings.warn(note, SecretomeWarning, stacklevel=3)
    column = "REML" if full.method == "REML" else "ML"
    return _ratio_result(
        column, (full.method, reduced.method), (full.parms, reduced.parms),
        (log_likelihoods(full)[column], log_likelihoods(reduced)[column]), qe=(_qe(fit_full), _qe(fit_reduced)),
        tau2=(full.tau2, reduced.tau2), r2=_r2(full, reduced), notes=notes,
    )  # fmt: skip


def _multilevel_likelihood_ratio(first: Multilevel, second: Multilevel, *, refit: bool) -> LikelihoodRatioResult:
    """As :func:`_likelihood_ratio` for two multilevel models (metafor's ``anova`` of two ``rma.mv`` fits)."""

    def parms(fit: Multilevel) -> int:
        # metafor's parms: the coefficients and the variance components it estimated (not those fixed at 0).
        free = len(fit.sigma2) - sum(fit.sigma2_fixed)
        return len(fit.beta if isinstance(fit, MultilevelRegressionResult) else [fit.estimate]) + free

    if parms(first) == parms(second):
        raise InputError(_SAME_PARMS, field="reduced", value=parms(first))
    full, reduced = (first, second) if parms(first) > parms(second) else (second, first)
    sampling = [np.diag(f.vi) if f.V is None else np.array(f.V) for f in (full, reduced)]
    if not (np.array_equal(full.yi, reduced.yi) and np.array_equal(*sampling)):
        raise InputError("Observed outcomes and/or sampling variances/covariances not equal in the full and reduced "
                         "model.", field="reduced")  # fmt: skip
    if full.method != reduced.method:  # ML against REML: a multilevel model has no other method
        raise InputError(_mismatch(full.method, reduced.method), field="method", value=reduced.method)
    designs = [np.array(f.design) if isinstance(f, MultilevelRegressionResult) else None for f in (full, reduced)]
    same_x = designs[0] is None and designs[1] is None
    same_x = same_x or (designs[0] is not None and designs[1] is not None and np.array_equal(*designs))
    notes = []
    if full.method == "REML" and not same_x:
        if refit:
            # As metafor's refit = TRUE: both models again with method = "ML" (its update(model, method = "ML")).
            full, reduced = refit_multilevel(full, method="ML"), refit_multilevel(reduced, method="ML")
        else:
            notes.append(_REML_NOT_MEANINGFUL)
            warnings.warn(notes[-1], SecretomeWarning, stacklevel=4)
    k = len(full.yi)
    # metafor's ML deviance is against the saturated model, whose log-likelihood depends on V alone.
    # As rma.mv: without a saturated likelihood when a sampling variance is 0 (its log would be infinite).
    positive = bool((np.diag(sampling[0]) > 0).all())
    saturated = -0.5 * (k * math.log(2 * math.pi) + float(np.linalg.slogdet(sampling[0])[1])) if positive else 0.0

    def statistics(fit: Multilevel) -> dict[str, float]:
        p = len(fit.beta) if isinstance(fit, MultilevelRegressionResult) else 1
        if fit.method == "REML":
            return fit_statistics(fit.loglik, -2 * fit.loglik, parms(fit), k - p)
        return fit_statistics(fit.loglik, -2 * (fit.loglik - saturated), parms(fit), k)

    qe = tuple(f.QE if isinstance(f, MultilevelRegressionResult) else f.Q for f in (full, reduced))
    return _ratio_result(
        full.method, (full.method, reduced.method), (parms(full), parms(reduced)),
        (statistics(full), statistics(reduced)), qe=qe, tau2=(None, None), r2=None, notes=notes,
    )  # fmt: skip


def _ratio_result(method: str, methods: tuple[str, str], df: tuple[int, int],
                  statistics: tuple[dict[str, float], dict[str, float]], *, qe: tuple[float | None, ...],
                  tau2: tuple[float | None, float | None], r2: float | None,
                  notes: list[str]) -> LikelihoodRatioResult:  # fmt: skip
    """The likelihood-ratio test of a full against a reduced model from their fit statistics (metafor's table)."""
    full, reduced = statistics
    lrt = max(0.0, reduced["dev"] - full["dev"])
    return LikelihoodRatioResult(
        method=method,
        methods=methods,
        df_full=df[0],
        df_reduced=df[1],
        loglik_full=full["ll"],
        loglik_reduced=reduced["ll"],
        deviance_full=full["dev"],
        deviance_reduced=reduced["dev"],
        AIC_full=full["AIC"],
        AIC_reduced=reduced["AIC"],
        BIC_full=full["BIC"],
        BIC_reduced=reduced["BIC"],
        AICc_full=full["AICc"],
        AICc_reduced=reduced["AICc"],
        LRT=lrt,
        pval=float(scipy.stats.chi2.sf(lrt, df[0] - df[1])),
        QE_full=qe[0],
        QE_reduced=qe[1],
        tau2_full=tau2[0],
        tau2_reduced=tau2[1],
        R2=r2,
        notes=tuple(notes),
    )


def _ml_refit(model: FittedModel) -> Fit:
    if model.p == 1:
        return random_effects(model.y, model.v, method="ML", level=model.level, labels=model.labels)
    return meta_regression(model.y, model.v, model.x[:, 1:], method="ML", level=model.level,
                           names=model.coef_names[1:], labels=model.labels)  # fmt: skip


def _qe(fit: Fit) -> float | None:
    qe = fit.QE if isinstance(fit, MetaRegressionResult) else fit.Q
    return None if qe is None else float(qe)


def _na(value: float | None) -> str:
    return "NA" if value is None else f"{value:.4f}"


def _r2(full: FittedModel, reduced: FittedModel) -> float:
    """metafor's R^2 of ``anova(full, reduced)``: of tau^2, or for EE/FE of the residual variance of the WLS fit."""
    if full.method in EQUAL_METHODS:

        def s2(model: FittedModel) -> float:
            return Projection(1 / model.v, model.x).quad(model.y) / (model.k - model.p)

        return 100 * max(0.0, (s2(reduced) - s2(full)) / s2(reduced))
    if reduced.tau2 == 0:
        return 0.0
    return 100 * max(0.0, (reduced.tau2 - full.tau2) / reduced.tau2)
