"""Diagnostics of a pooled model: leave-one-out (metafor's ``leave1out``) and Egger's test (``regtest``)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from functools import partial
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, SecretomeWarning, check_choice
from secretome.meta._columns import as_column, study_labels
from secretome.meta._least_squares import weighted_least_squares
from secretome.meta._meta_regression import REGRESSION_METHODS, meta_regression
from secretome.meta._p_format import format_p
from secretome.meta._random_effects import ModelMethod, random_effects
from secretome.meta._refits import FIT_FIELDS, fit_columns, refits
from secretome.meta._regression_design import TOO_MANY_PARAMETERS, model_matrix
from secretome.meta._tau2 import EQUAL_METHODS, model_inputs

__all__ = ["REGTEST_PREDICTORS", "EggerResult", "LeaveOneOutResult", "egger_test", "leave_one_out"]


@dataclasses.dataclass(frozen=True, slots=True)
class FitSequence(Result):
    """A model refitted several times; each field but ``labels``, ``method`` and ``test`` holds one
    value per refit: ``estimate``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub``, ``Q``, ``Q_pval``,
    ``tau2``, ``I2``, ``H2``. Subclasses name what ``labels`` label (``label_column``)."""

    labels: tuple[str, ...]
    estimate: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    pval: tuple[float, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    Q: tuple[float, ...]
    Q_pval: tuple[float, ...]
    tau2: tuple[float, ...]
    I2: tuple[float, ...]
    H2: tuple[float, ...]
    method: str
    test: str

    label_column: ClassVar[str] = "fit"

    def to_frame(self) -> pd.DataFrame:
        """One row per refit, labelled as metafor prints it."""
        return pd.DataFrame({self.label_column: self.labels, **{f: getattr(self, f) for f in FIT_FIELDS}})

    def summary(self) -> str:
        """The table metafor prints (4 decimals; NA for a refit that did not converge)."""
        return self.to_frame().to_string(index=False, na_rep="NA", float_format=lambda x: f"{x:.4f}")


@dataclasses.dataclass(frozen=True, slots=True)
class LeaveOneOutResult(FitSequence):
    """The model refitted k times, each time without one study (metafor's ``leave1out``); ``labels``
    names the study omitted. Fields as :class:`FitSequence`."""

    label_column: ClassVar[str] = "omitted"


def leave_one_out(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    labels: Sequence[str] | None = None,
) -> LeaveOneOutResult:
    """Refit :func:`random_effects` without each study in turn [1]_.

    Parameters are those of :func:`random_effects`; k >= 2 studies are needed (a refit of one
    study is that study, tau^2 = 0, as metafor). A refit that stops (it does not converge, or
    tau^2 = 0 meets a sampling variance of 0: the weight 1/0) gives a row of NaN and a warning naming
    it, as metafor's ``leave1out`` (its ``try()``). A sampling variance of 0 is taken
    as :func:`random_effects` takes it: the model on all studies warns or stops as metafor's ``rma``,
    and the refits that hold the study have Q, I^2 and H^2 NaN (metafor's NA).

    Checked against metafor 3.8-1 ``leave1out(rma(yi, vi, method=..., test=...))`` on dat.bcg and
    dat.normand1999 (tests/meta/test_diagnostics.py), and on dat.bcg with trial 3's variance at 0
    (REML and DL, z and knha; tools/metafor_reference_vi_zero_diagnostics.R), and on a constructed set
    whose refit without study 4 stops (REML, ML, SJ; z and knha; tools/metafor_reference_refit_errors.R).

    References
    ----------
    .. [1] Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for meta-analysis.
       Research Synthesis Methods 1(2):112-125. https://doi.org/10.1002/jrsm.11

    Examples
    --------
    >>> res = leave_one_out([0.1, 0.5, 0.9, 0.4], [0.01, 0.01, 0.01, 0.02], method="DL")
    >>> [round(e, 4) for e in res.estimate]  # R: leave1out(rma(yi, vi, method="DL"))$estimate
    [0.6087, 0.4677, 0.3294, 0.5]
    """
    y, v, _ = model_inputs(yi, vi)
    k = y.size
    names = study_labels(labels, k)
    if not v.all():
        # metafor's leave1out starts from the model on all studies: with a sampling variance of 0 that model warns
        # (once, not per refit), or stops (DL, or tau^2 = 0 and a weight 1/0), and so does the analysis.
        random_effects(yi, vi, method=method, test=test, level=level, control=control)
    if k < 2:  # metafor's words; with k = 2 a refit of one study is that study (tau^2 = 0), as metafor's
        raise InputError("Stopped because k = 1.", field="yi", value=k)
    keep = ~np.eye(k, dtype=bool)
    fits = refits(
        [partial(random_effects, y[keep[i]], v[keep[i]], method=method, test=test, level=level, control=control)
         for i in range(k)],
        [f"without {name}" for name in names],
        what="leave-one-out",
    )  # fmt: skip
    first = next((fit for fit in fits if fit is not None), None)
    return LeaveOneOutResult(
        labels=names,
        **fit_columns(fits),
        method=first.method if first else method,
        test=first.test if first else test,
    )


REGTEST_PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
"""metafor's ``regtest`` predictors: the SE, the sampling variance, and the sample size, its inverse, its square
root and the inverse of its square root."""

# What each predictor is, in metafor's print, and what the limit estimate's predictor goes to (None: no limit).
_PREDICTOR_NAMES = {
    "sei": "standard error",
    "vi": "sampling variance",
    "ni": "sample size",
    "ninv": "inverse of the sample size",
    "sqrtni": "square root sample size",
    "sqrtninv": "inverse of the square root sample size",
}
_LIMITS = {"sei": "sei -> 0", "vi": "vi -> 0", "ninv": "ni -> inf", "sqrtninv": "ni -> inf"}


@dataclasses.dataclass(frozen=True, slots=True)
class EggerResult(Result):
    """Egger's regression test for funnel-plot asymmetry (metafor's ``regtest``).

    Attributes
    ----------
    zval, pval : float
        Test of the slope on the predictor (t with ``df`` degrees of freedom when ``df`` is set; NaN, with a
        warning, for ``model="lm"`` at ``df = 0``, metafor's NA).
    df : int or None
        Degrees of freedom (``k - p - 1``, p coefficients before the predictor) for a t test, else ``None``.
    est, ci_lb, ci_ub : float or None
        The limit estimate (the intercept: the effect as the predictor goes to 0, or the sample size to
        infinity) and its CI; ``None`` for the predictors ``ni`` and ``sqrtni``, which have no such limit,
        and with moderators (metafor gives it only for the intercept alone).
    model, method, test : str
        ``"rma"`` (a meta-regression on the predictor) or ``"lm"`` (Egger's weighted regression), and the
        model's method and test.
    predictor : str
        One of :data:`REGTEST_PREDICTORS`.
    moderators : tuple of str
        The model's moderators, to which the predictor was added (empty without).
    """

    zval: float
    pval: float
    df: int | None
    est: float | None
    ci_lb: float | None
    ci_ub: float | None
    model: str
    method: str
    test: str
    predictor: str = "sei"
    moderators: tuple[str, ...] = ()

    def summary(self) -> str:
        """Laid out like metafor's ``print(regtest(res))``."""
        if self.model == "lm":
            name = "weighted regression with multiplicative dispersion"
        else:
            effects = "fixed-effects" if self.method in ("FE", "EE", "CE") else "mixed-effects"
            name = f"{effects} meta-regression model"
        # metafor prints NA where lm has no residual df (t, p and the CI are NaN then).
        value = "NA" if math.isnan(self.zval) else f"{self.zval:.4f}"
        stat = f"z = {value}" if self.df is None else f"t = {value}, df = {self.df}"
        p = "= NA" if math.isnan(self.pval) else format_p(self.pval, equals=True)
        lines = [
            "Regression Test for Funnel Plot Asymmetry",
            "",
            f"Model:     {name}",
            f"Predictor: {_PREDICTOR_NAMES[self.predictor]}",
            "",
            f"Test for Funnel Plot Asymmetry: {stat}, p {p}",
        ]
        if self.est is not None:
            lead = f"Limit Estimate (as {_LIMITS[self.predictor]}):"
            lb, ub = ("NA" if math.isnan(c) else f"{c:.4f}" for c in (self.ci_lb, self.ci_ub))  # type: ignore[arg-type]
            lines.append(f"{lead:<32}b = {self.est:.4f} (CI: {lb}, {ub})")
        return "\n".join(lines)


def egger_test(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    model: Literal["rma", "lm"] = "rma",
    predictor: Literal["sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv"] = "sei",
    ni: ArrayLike | None = None,
    mods: ArrayLike | pd.DataFrame | None = None,
    names: Sequence[str] | None = None,
    weights: ArrayLike | None = None,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
) -> EggerResult:
    """Egger's regression test [1]_: regress the effects on their standard errors (or another predictor).

    ``model="rma"`` (metafor's default) fits :func:`meta_regression` with the predictor as moderator,
    with the model's *method*, *test* and *control* (metafor's ``regtest`` refits with the model's
    ``control``); ``model="lm"`` is Egger's original weighted least
    squares (weights ``1/vi``, t test on ``k - 2`` df).

    *predictor* is metafor's: the SE ``sei`` (Egger's test), the sampling variance ``vi`` (the PEESE
    regression of Stanley and Doucouliagos [2]_), or the sample size *ni* as ``ni``, ``1/ni`` (``ninv``,
    as Peters et al. [3]_), ``sqrt(ni)`` (``sqrtni``) or ``1/sqrt(ni)`` (``sqrtninv``). The limit estimate
    (the intercept) is reported for ``sei``, ``vi``, ``ninv`` and ``sqrtninv``, where the predictor goes to
    0 for an infinitely large study.

    With *mods* (and their *names*, as for :func:`meta_regression`) the predictor is added to the model's
    moderators and its coefficient is tested, as metafor's ``regtest`` of a model with moderators (a
    mixed-effects meta-regression, or the weighted regression for ``model="lm"``); there is then no
    limit estimate. A predictor collinear with the moderators (or the same for every study) stops in
    metafor's words ("Model matrix no longer of full rank after addition of predictor. Cannot fit
    model."), and so does a random-effects refit with no more studies than parameters ("Number of
    parameters to be estimated is larger than the number of observations."). The saturated fits that
    metafor gives there are given too: EE/FE's (QE on 0 df, a z test), and ``lm``'s, whose t, p and
    limit-estimate CI are NaN (metafor's NA) with R's warning "NaNs produced" (with moderators, where
    metafor is silent, a warning saying why); two trials of dat.bcg and three with ablat
    (tools/metafor_reference_design_edges.R).

    With *weights* (the model's user weights ``a_i``, as for :func:`meta_regression`) the meta-regression is
    fitted with them, as metafor's ``regtest`` refits with the model's ``weights``; ``model="lm"`` weights by
    ``1/vi`` alone (metafor's ``lm(yi ~ X, weights = 1/vi)``), so it refuses them rather than drop them unsaid.

    Checked against metafor 3.8-1 ``regtest(res)`` and ``regtest(res, model="lm")`` on dat.bcg
    and dat.normand1999 (tests/meta/test_diagnostics.py), ``regtest(res)`` with PM (metafor with
    ``control=list(tol=1e-12)``, as ``control={"tol": 1e-12}``) and SJ on dat.bcg and dat.hackshaw1998
    (tests/meta/test_bias.py), and each predictor with REML (z, knha), DL, FE and ``model="lm"`` on
    dat.egger2001 and dat.cohen1981 (tests/meta/test_regtest.py, fixtures by tools/metafor_reference_regtest.R);
    with moderators, ``regtest(rma(yi, vi, mods = ~ ablat))`` on dat.bcg and ``~ length`` on
    dat.bangertdrowns2004 for sei, vi and ninv, rma (REML, DL, FE; z, knha) and lm
    (tools/metafor_reference_regtest_mods.R); with weights, ``regtest(rma(yi, vi, weights = n))`` on dat.bcg
    (total sample size; REML, DL with z and knha, FE; sei and vi; tools/metafor_reference_regtest_weights.R).
    A sampling variance of 0 is fitted or refused by the meta-regression as :func:`meta_regression` does
    (REML fits it, DL stops), and refused by ``model="lm"`` (a weight 1/0), as metafor (dat.bcg with trial 3's
    variance at 0; tools/metafor_reference_vi_zero_diagnostics.R).

    References
    ----------
    .. [1] Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by
       a simple, graphical test. BMJ 315(7109):629-634. https://doi.org/10.1136/bmj.315.7109.629
    .. [2] Stanley TD, Doucouliagos H (2014). Meta-regression approximations to reduce publication
       selection bias. Research Synthesis Methods 5(1):60-78. https://doi.org/10.1002/jrsm.1095
    .. [3] Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2006). Comparison of two methods to
       detect publication bias in meta-analysis. JAMA 295(6):676-680. https://doi.org/10.1001/jama.295.6.676

    Examples
    --------
    >>> res = egger_test([0.1, 0.5, 0.9, 0.4], [0.01, 0.04, 0.09, 0.02], model="lm")
    >>> round(res.zval, 4), res.df  # R: regtest(rma(yi, vi), model="lm"): t = 5.1682, df = 2
    (5.1682, 2)
    """
    check_choice("model", model, ("rma", "lm"), owner="egger_test")
    check_choice("predictor", predictor, REGTEST_PREDICTORS, owner="egger_test")
    check_choice("method", method, REGRESSION_METHODS, owner="egger_test")
    y, v, _ = model_inputs(yi, vi)
    k = y.size
    # The model itself first, as rma fits it before regtest sees it (an EE/FE fit with p = k is given).
    x0, coef_names = (np.ones((k, 1)), ("intrcpt",)) if mods is None else model_matrix(mods, k, names, method=method)
    p = x0.shape[1]
    # metafor's regtest checks, in its order and words: the predictor, the rank with it, then the refit's k.
    x1 = _predictor(predictor, v, ni, k)
    x = np.column_stack([x0, x1])
    if np.linalg.matrix_rank(x) < p + 1:
        # A predictor the same for every study, or collinear with the moderators (or k = 1).
        reason = "Model matrix no longer of full rank after addition of predictor. Cannot fit model."
        raise InputError(reason, field=predictor)
    if k == p + 1 and model == "rma" and method not in EQUAL_METHODS:  # fewer studies fail the rank check
        # rma.uni refits with the predictor: it stops for a random-effects model and fits the saturated EE/FE one.
        raise InputError(TOO_MANY_PARAMETERS, field="yi", value=k)
    # metafor gives the limit estimate for the intercept alone.
    limit = predictor in _LIMITS and p == 1
    labels = {"model": model, "method": method, "test": test, "predictor": predictor, "moderators": coef_names[1:]}
    if weights is not None and model == "lm":
        raise InputError("model='lm' weights each study by 1/vi: give user weights with model='rma'",
                         field="weights", value="given")  # fmt: skip
    if model == "rma":
        # The meta-regression reads yi and vi itself: it fits a sampling variance of 0 (with metafor's warnings) or
        # refuses it, as metafor's regtest refits rma with the predictor.
        fit = meta_regression(yi, vi, x[:, 1:], weights=weights, method=method, test=test, level=level,
                              control=control, names=[*coef_names[1:], predictor])  # fmt: skip
        return EggerResult(
            zval=fit.zval[p],
            pval=fit.pval[p],
            df=fit.df,
            est=fit.beta[0] if limit else None,
            ci_lb=fit.ci_lb[0] if limit else None,
            ci_ub=fit.ci_ub[0] if limit else None,
            **labels,
        )
    zero = np.flatnonzero(v == 0)
    if zero.size:
        # metafor's lm(yi ~ sei, weights = 1/vi) stops: "NA/NaN/Inf in 'x'".
        raise InputError("model='lm' weights each study by 1/vi: a sampling variance of 0 gives the weight 1/0 "
                         "(metafor's lm stops too)", row=int(zero[0]) + 1, field="vi", value=0.0)  # fmt: skip
    beta, xtwx_inv, rss = weighted_least_squares(y, 1 / v, x)
    df = k - p - 1
    if df == 0:
        # As many coefficients as studies: lm's fit is exact and summary.lm's t and p are NA on 0 df, and so is the
        # CI of the limit estimate, where R's qt(., df = 0) warns "NaNs produced" (once here). With moderators there
        # is no limit estimate and metafor is silent: we say why the test is NaN.
        said = "NaNs produced" if limit else ("the weighted regression has as many coefficients as studies: its t "
                                              "and p are NA on 0 df (as metafor's)")  # fmt: skip
        warnings.warn(said, SecretomeWarning, stacklevel=2)
        nan = float("nan")
        return EggerResult(zval=nan, pval=nan, df=0, est=float(beta[0]) if limit else None,
                           ci_lb=nan if limit else None, ci_ub=nan if limit else None, **labels)  # fmt: skip
    se = np.sqrt(np.diag(xtwx_inv) * rss / df)
    tval = float(beta[p] / se[p])
    crit = float(scipy.stats.t.isf((1 - level) / 2, df))
    return EggerResult(
        zval=tval,
        pval=float(2 * scipy.stats.t.sf(abs(tval), df)),
        df=df,
        est=float(beta[0]) if limit else None,
        ci_lb=float(beta[0] - crit * se[0]) if limit else None,
        ci_ub=float(beta[0] + crit * se[0]) if limit else None,
        **labels,
    )


def _predictor(predictor: str, v: np.ndarray, ni: ArrayLike | None, k: int) -> np.ndarray:
    """The regression's predictor column (metafor's ``regtest``)."""
    if predictor == "sei":
        return np.sqrt(v)
    if predictor == "vi":
        return v
    if ni is None:
        raise InputError("No sample size information available to use this predictor.", field="ni", value=predictor)
    n = as_column(ni, "ni", length=k)
    bad = np.flatnonzero(n <= 0)
    if bad.size:
        raise InputError("must be > 0", row=int(bad[0]) + 1, field="ni", value=float(n[bad[0]]))
    return {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[predictor]
