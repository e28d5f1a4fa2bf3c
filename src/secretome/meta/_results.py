"""Result objects of the meta-analysis models, printed as metafor prints them."""

from __future__ import annotations

import dataclasses
import math
import types
from typing import Any

from secretome._result import Result
from secretome.meta._p_format import format_p

__all__ = ["MetaRegressionResult", "RandomEffectsResult"]


@dataclasses.dataclass(frozen=True, slots=True)
class RandomEffectsResult(Result):
    """An equal-, fixed- or random-effects model without moderators, as metafor's ``rma.uni``.

    Attributes
    ----------
    k : int
        Number of studies.
    estimate, se : float
        Pooled estimate and its standard error (Knapp-Hartung adjusted when ``test="knha"``).
    zval, pval : float
        Test statistic (z, or t with ``df`` degrees of freedom for knha) and its two-sided p-value.
    df : int or None
        Degrees of freedom of the t distribution (``k - 1``) for knha; ``None`` for the z test.
    ci_lb, ci_ub : float
        Confidence interval of the estimate at ``level``.
    tau2, se_tau2 : float
        Between-study variance and its standard error (0 and ``None`` for EE/FE models).
    I2, H2 : float or None
        I^2 in percent (total heterogeneity / total variability) and H^2 (total / sampling
        variability), metafor's definitions (Higgins & Thompson 2002).
    Q, Q_df, Q_pval : float or None, int, float or None
        Cochran's Q test for heterogeneity (inverse-variance weights) with ``k - 1`` df. Q, Q_pval,
        I2 and H2 are ``None`` when a sampling variance is 0 (metafor's NA).
    pi_lb, pi_ub : float or None
        Prediction interval for the true effect of a new study (``None`` for EE/FE models,
        for which metafor gives none).
    tau2_lb, tau2_ub, I2_lb, I2_ub, H2_lb, H2_ub : float or None
        Q-profile confidence intervals of tau^2, I^2 and H^2 (metafor's ``confint``);
        ``None`` for EE/FE models.
    method, test : str
        The estimator used (after any fallback) and the test.
    level : float
        Confidence level, a proportion.
    iterations : int
        Iterations the tau^2 estimator took (0 for closed forms).
    yi, vi, weights : tuple of float
        The effect sizes, their sampling variances and the model weights in percent.
    labels : tuple of str
        Study labels (``"1"``, ``"2"``, ... when none were given).
    notes : tuple of str
        What was changed or noticed on the way (fallback estimator, degenerate Knapp-Hartung).
    omitted : tuple of int
        0-based positions, in the columns given, of the studies left out for a missing value
        (metafor's ``not.na`` is false there); ``k`` counts the studies fitted.
    """

    k: int
    estimate: float
    se: float
    zval: float
    pval: float
    df: int | None
    ci_lb: float
    ci_ub: float
    tau2: float
    se_tau2: float | None
    I2: float | None
    H2: float | None
    Q: float | None
    Q_df: int
    Q_pval: float | None
    pi_lb: float | None
    pi_ub: float | None
    tau2_lb: float | None
    tau2_ub: float | None
    I2_lb: float | None
    I2_ub: float | None
    H2_lb: float | None
    H2_ub: float | None
    method: str
    test: str
    level: float
    iterations: int
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()
    omitted: tuple[int, ...] = ()

    @property
    def is_random(self) -> bool:
        """Whether tau^2 was estimated (not an EE/FE model)."""
        return self.method not in ("EE", "FE")

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.uni`` (4 decimals, p-values as metafor)."""
        if self.is_random:
            lines = [
                f"Random-Effects Model (k = {self.k}; tau^2 estimator: {self.method})",
                "",
                f"tau^2 (estimated amount of total heterogeneity): {self.tau2:.4f}"
                + ("" if self.se_tau2 is None or math.isnan(self.se_tau2) else f" (SE = {self.se_tau2:.4f})"),
                f"tau (square root of estimated tau^2 value):      {math.sqrt(self.tau2):.4f}",
            ]
        else:
            name = "Equal-Effects" if self.method == "EE" else "Fixed-Effects"
            lines = [f"{name} Model (k = {self.k})", ""]
        if self.Q is None or self.Q_pval is None:
            # metafor prints neither when a sampling variance is 0 (its QE, I2 and H2 are NA).
            lines += ["I^2, H^2 and the test for heterogeneity: not available (a sampling variance is 0)"]
        else:
            lines += [
                f"I^2 (total heterogeneity / total variability):   {self.I2:.2f}%",
                f"H^2 (total variability / sampling variability):  {self.H2:.2f}",
                "",
                "Test for Heterogeneity:",
                f"Q(df = {self.Q_df}) = {self.Q:.4f}, p-val {format_p(self.Q_pval, equals=True)}",
            ]
        if self.is_random and self.tau2_lb is not None:
            pct = round(100 * self.level, 10)
            lines += [
                "",
                f"Q-profile {pct:g}% CI: tau^2 [{self.tau2_lb:.4f}, {self.tau2_ub:.4f}], "
                f"I^2 [{self.I2_lb:.2f}%, {self.I2_ub:.2f}%], H^2 [{self.H2_lb:.4f}, {self.H2_ub:.4f}]",
            ]
        lines += model_results_lines(self)
        if self.pi_lb is not None:
            pct = round(100 * self.level, 10)
            lines += ["", f"{pct:g}% prediction interval: [{self.pi_lb:.4f}, {self.pi_ub:.4f}]"]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class MetaRegressionResult(Result):
    """A meta-regression (metafor's ``rma.uni`` with ``mods``).

    Attributes
    ----------
    k, p : int
        Number of studies and of coefficients (intercept included).
    coef_names : tuple of str
        ``"intrcpt"`` and the moderator names.
    beta, se, zval, pval, ci_lb, ci_ub : tuple of float
        Per coefficient: estimate, SE, test statistic (t for knha), p-value and CI at ``level``.
    df : int or None
        Residual df ``k - p`` of the t and F tests for knha; ``None`` for z.
    tau2, se_tau2 : float
        Residual between-study variance and its SE (0 and ``None`` for EE/FE).
    I2, H2 : float or None
        Residual heterogeneity / unaccounted variability (percent), unaccounted / sampling variability.
    R2 : float or None
        Percent of tau^2 accounted for by the moderators (EE/FE: adjusted R^2 of the WLS fit);
        ``None`` when the model without moderators could not be fitted (metafor's ``NA``).
    QE, QE_df, QE_pval : float or None, int, float or None
        Test for residual heterogeneity. QE, QE_pval, I2 and H2 are ``None`` when a sampling
        variance is 0 (metafor's NA).
    QM, QM_df, QM_pval : float, tuple of int, float
        Omnibus test of the moderators (chi-square with ``QM_df = (m,)``; F with ``(m, k - p)``).
    method, test, level, iterations, notes, omitted
        As in :class:`RandomEffectsResult` (``method`` is the estimator used, after any fallback).
    yi, vi, weights, labels : tuple
        The effect sizes, their sampling variances, the model weights in percent (metafor's
        ``weights(res)``: ``1/(vi + tau2)`` over its sum) and the study labels.
    fitted, fitted_ci_lb, fitted_ci_ub : tuple of float
        Each study's fitted value ``x_i'b`` and its CI at ``level`` (metafor's ``fitted(res)`` and
        ``predict(res)$ci.lb``, ``$ci.ub``; Knapp-Hartung adjusted for knha).
    resid, resid_se : tuple of float
        The residuals ``yi - x_i'b`` and their standard errors (metafor's ``rstandard(res)$resid``
        and ``$se``: marginal residuals, the variance not scaled by Knapp-Hartung).
    vcov : tuple of tuple of float
        The variance-covariance matrix of the coefficients, p rows of p (metafor's ``vcov(res)``;
        Knapp-Hartung scaled for knha): what :func:`predict`, :func:`vif` and :func:`anova` use.
    design : tuple of tuple of float
        The model matrix X, one row per study (intercept first; metafor's ``model.matrix(res)``):
        what :func:`blup`, :func:`tau2_confint` and likelihood-ratio tests refit with.
    """

    k: int
    p: int
    coef_names: tuple[str, ...]
    beta: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    pval: tuple[float, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    df: int | None
    tau2: float
    se_tau2: float | None
    I2: float | None
    H2: float | None
    R2: float | None
    QE: float | None
    QE_df: int
    QE_pval: float | None
    QM: float
    QM_df: tuple[int, ...]
    QM_pval: float
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
    vcov: tuple[tuple[float, ...], ...]
    design: tuple[tuple[float, ...], ...]
    notes: tuple[str, ...] = ()
    omitted: tuple[int, ...] = ()

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.uni`` for a model with moderators.

        With every moderator dropped as redundant (``p == 1``), as metafor prints the intercept-only model it fits.
        """
        if self.p == 1:
            return _intercept_only_summary(self)
        if self.method in ("EE", "FE"):
            name = "Equal-Effects" if self.method == "EE" else "Fixed-Effects"
            lines = [f"{name} with Moderators Model (k = {self.k})", ""]
        else:
            lines = [
                f"Mixed-Effects Model (k = {self.k}; tau^2 estimator: {self.method})",
                "",
                f"tau^2 (estimated amount of residual heterogeneity):     {self.tau2:.4f} (SE = {self.se_tau2:.4f})",
                f"tau (square root of estimated tau^2 value):             {math.sqrt(self.tau2):.4f}",
            ]
        r2 = "NA" if self.R2 is None else f"{self.R2:.2f}"
        if self.QE is None or self.QE_pval is None:
            # metafor prints neither when a sampling variance is 0 (its QE, I2 and H2 are NA).
            lines += [
                f"R^2 (amount of heterogeneity accounted for):            {r2}%",
                "I^2, H^2 and the test for residual heterogeneity: not available (a sampling variance is 0)",
            ]
        else:
            lines += [
                f"I^2 (residual heterogeneity / unaccounted variability): {self.I2:.2f}%",
                f"H^2 (unaccounted variability / sampling variability):   {self.H2:.2f}",
                f"R^2 (amount of heterogeneity accounted for):            {r2}%",
                "",
                "Test for Residual Heterogeneity:",
                f"QE(df = {self.QE_df}) = {self.QE:.4f}, p-val {format_p(self.QE_pval, equals=True)}",
            ]
        lines += moderator_lines(self)
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _intercept_only_summary(fit: MetaRegressionResult) -> str:
    # metafor's print.rma.uni of an int.only model: "total" heterogeneity, Q, no R^2 and no test of moderators.
    pooled = RandomEffectsResult(
        estimate=fit.beta[0], se=fit.se[0], zval=fit.zval[0], pval=fit.pval[0], ci_lb=fit.ci_lb[0],
        ci_ub=fit.ci_ub[0], df=fit.df, tau2=fit.tau2, se_tau2=fit.se_tau2, I2=fit.I2, H2=fit.H2, Q=fit.QE,
        Q_df=fit.QE_df, Q_pval=fit.QE_pval, k=fit.k, method=fit.method, test=fit.test, level=fit.level,
        iterations=fit.iterations, yi=fit.yi, vi=fit.vi, weights=fit.weights, labels=fit.labels, notes=fit.notes,
        **dict.fromkeys(("pi_lb", "pi_ub", "tau2_lb", "tau2_ub", "I2_lb", "I2_ub", "H2_lb", "H2_ub")),
    )  # fmt: skip
    return pooled.summary()


def moderator_lines(fit: Any) -> list[str]:
    """metafor's ``Test of Moderators`` line and ``Model Results:`` table of a model with moderators.

    *fit* has ``p``, ``QM``, ``QM_df``, ``QM_pval``, ``df`` (``None`` for z tests) and, per
    coefficient, ``coef_names``, ``beta``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub``. With the
    intercept alone (every moderator dropped as redundant), metafor's table of one estimate, without the test.
    """
    if fit.p == 1:
        fields = ("se", "zval", "pval", "ci_lb", "ci_ub")
        one = types.SimpleNamespace(estimate=fit.beta[0], df=fit.df, **{f: getattr(fit, f)[0] for f in fields})
        return model_results_lines(one)
    lines = ["", f"Test of Moderators (coefficients 2:{fit.p}):"]
    if fit.df is None:
        lines.append(f"QM(df = {fit.QM_df[0]}) = {fit.QM:.4f}, p-val {format_p(fit.QM_pval, equals=True)}")
    else:
        df1, df2 = fit.QM_df
        lines.append(f"F(df1 = {df1}, df2 = {df2}) = {fit.QM:.4f}, p-val {format_p(fit.QM_pval, equals=True)}")
    header = ["", "estimate", "se", "zval" if fit.df is None else "tval"]
    header += ([] if fit.df is None else ["df"]) + ["pval", "ci.lb", "ci.ub"]
    rows = []
    for j, name in enumerate(fit.coef_names):
        row = [name, f"{fit.beta[j]:.4f}", f"{fit.se[j]:.4f}", f"{fit.zval[j]:.4f}"]
        row += ([] if fit.df is None else [str(fit.df)]) + [format_p(fit.pval[j])]
        rows.append([*row, f"{fit.ci_lb[j]:.4f}", f"{fit.ci_ub[j]:.4f}"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines += ["", "Model Results:", ""]
    for r in [header, *rows]:
        first = r[0].ljust(widths[0])
        lines.append("  ".join([first, *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))]).rstrip())
    return lines


def model_results_lines(fit: Any) -> list[str]:
    """metafor's ``Model Results:`` block of a one-coefficient model (estimate, se, z or t, df, p, CI).

    *fit* has ``estimate``, ``se``, ``zval``, ``df`` (``None`` for z), ``pval``, ``ci_lb``, ``ci_ub``.
    """
    stat = "zval" if fit.df is None else "tval"
    header = ["estimate", "se", stat, *([] if fit.df is None else ["df"]), "pval", "ci.lb", "ci.ub"]
    cells = [f"{fit.estimate:.4f}", f"{fit.se:.4f}", f"{fit.zval:.4f}"]
    cells += [] if fit.df is None else [str(fit.df)]
    cells += [format_p(fit.pval), f"{fit.ci_lb:.4f}", f"{fit.ci_ub:.4f}"]
    widths = [max(len(h), len(c)) for h, c in zip(header, cells, strict=True)]
    return [
        "",
        "Model Results:",
        "",
        "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)),
    ]
