"""The pieces of a fitted model that metafor's post-fit functions work from.

:func:`predict`, :func:`blup`, :func:`ranef`, :func:`tau2_confint`, :func:`vif` and :func:`anova` take a
:class:`~secretome.meta.RandomEffectsResult` or a :class:`~secretome.meta.MetaRegressionResult` (and
:func:`predict`, :func:`ranef`, :func:`vif` and Wald tests also a multilevel model); :func:`fitted_model`
gives them the same shape: data, model matrix, coefficients and their covariance, tau^2 and the test.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import scipy

from secretome.errors import InputError
from secretome.meta._columns import FloatArray
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, marginal_model
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._tau2 import EQUAL_METHODS

__all__: list[str] = []

Fit = RandomEffectsResult | MetaRegressionResult
Multilevel = MultilevelResult | MultilevelRegressionResult


@dataclasses.dataclass(frozen=True, slots=True)
class FittedModel:
    """``y ~ N(X beta, diag(v) + tau2 I)`` as fitted: ``vb`` is metafor's ``vcov`` (Knapp-Hartung scaled for knha).

    For a multilevel model, ``tau2`` is the sum of its sigma^2: the variance of a new
    true effect about ``x'beta``, which is all :func:`predict` asks of it.
    """

    y: FloatArray
    v: FloatArray
    x: FloatArray
    beta: FloatArray
    vb: FloatArray
    tau2: float
    coef_names: tuple[str, ...]
    method: str
    test: str
    df: int | None
    level: float
    labels: tuple[str, ...]

    @property
    def k(self) -> int:
        return int(self.y.size)

    @property
    def p(self) -> int:
        return int(self.x.shape[1])

    @property
    def is_random(self) -> bool:
        """Whether tau^2 was estimated (not an EE/FE model)."""
        return self.method not in EQUAL_METHODS

    @property
    def parms(self) -> int:
        """Number of estimated parameters: the coefficients, and tau^2 if estimated (metafor's ``parms``)."""
        return self.p + int(self.is_random)

    def crit(self, level: float) -> float:
        """The two-sided critical value at *level*: normal for z, t on ``k - p`` df for knha (as metafor)."""
        dist = scipy.stats.norm if self.df is None else scipy.stats.t(self.df)
        return float(dist.isf((1 - level) / 2))


def refuse_user_weights(fit: object, what: str) -> None:
    """Raise :class:`InputError` when *fit* was fitted with user weights (metafor's ``weights=``).

    The post-fit analyses refit or reweight the model with the inverse-variance weights, so on such a
    fit they would silently answer for another model. A fit's weights (percent) tell: with user
    weights proportional to ``1/(v + tau^2)`` the fit is the inverse-variance one (same coefficients,
    and the sandwich variance reduces to ``(X'WX)^-1``), so only other weights are refused.
    """
    if not isinstance(fit, RandomEffectsResult | MetaRegressionResult):
        return
    with np.errstate(all="ignore"):
        w = 1 / (np.array(fit.vi) + fit.tau2)
        expected = 100 * w / w.sum()
    # A fit with a zero marginal variance has no finite inverse-variance weights to compare with.
    if np.all(np.isfinite(expected)) and not np.allclose(fit.weights, expected, rtol=1e-9, atol=1e-12):
        reason = f"{what} is not available for a model fitted with user weights (refit it without weights)"
        raise InputError(reason, field="weights")


def fitted_model(fit: Fit | Multilevel, *, multilevel: bool = False) -> FittedModel:
    """The model of *fit* (a random-effects model is the intercept-only meta-regression).

    A multilevel model is accepted only with ``multilevel=True`` (its caller uses no more than the
    coefficients, their covariance and the sum of the sigma^2); else it is a :class:`TypeError`.
    A fit with user weights is refused (:func:`refuse_user_weights`).
    """
    refuse_user_weights(fit, "this analysis")
    y, v = np.array(fit.yi), np.array(fit.vi)
    if multilevel and isinstance(fit, MultilevelResult | MultilevelRegressionResult):
        beta, vb, _ = marginal_model(fit).gls(np.array(fit.sigma2))
        return FittedModel(
            y=y,
            v=v,
            x=np.array(fit.design) if isinstance(fit, MultilevelRegressionResult) else np.ones((y.size, 1)),
            beta=beta,
            vb=vb,
            tau2=float(sum(fit.sigma2)),
            coef_names=fit.coef_names if isinstance(fit, MultilevelRegressionResult) else ("intrcpt",),
            method=fit.method,
            test=fit.test,
            df=fit.df,
            level=fit.level,
            labels=fit.labels,
        )
    if isinstance(fit, RandomEffectsResult):
        return FittedModel(
            y=y,
            v=v,
            x=np.ones((y.size, 1)),
            beta=np.array([fit.estimate]),
            vb=np.array([[fit.se**2]]),
            tau2=fit.tau2,
            coef_names=("intrcpt",),
            method=fit.method,
            test=fit.test,
            df=fit.df,
            level=fit.level,
            labels=fit.labels,
        )
    if isinstance(fit, MetaRegressionResult):
        return FittedModel(
            y=y,
            v=v,
            x=np.array(fit.design),
            beta=np.array(fit.beta),
            vb=np.array(fit.vcov),
            tau2=fit.tau2,
            coef_names=fit.coef_names,
            method=fit.method,
            test=fit.test,
            df=fit.df,
            level=fit.level,
            labels=fit.labels,
        )
    takes = (
        "a random_effects, meta_regression or multilevel result"
        if multilevel
        else "a random_effects or meta_regression result"
    )
    raise TypeError(f"takes {takes}; got {type(fit).__name__}")


def log_likelihoods(model: FittedModel) -> dict[str, dict[str, float]]:
    """metafor's ``fit.stats`` of an ``rma.uni`` fit: ``ll``, ``dev``, ``AIC``, ``BIC``, ``AICc`` under ML and REML.

    :math:`\\ell_{ML} = -\\tfrac12(k\\log 2\\pi + \\sum\\log(v_i+\\tau^2) + \\mathrm{RSS})` and
    :math:`\\ell_{REML} = -\\tfrac12((k-p)\\log 2\\pi - \\log|X'X| + \\sum\\log(v_i+\\tau^2) + \\log|X'WX| +
    \\mathrm{RSS})` (Harville 1977, https://doi.org/10.1080/01621459.1977.10480998); the ML deviance is
    against the saturated model, the REML one is :math:`-2\\ell_{REML}`; BIC and AICc use k (ML) or
    ``k - p`` (REML) observations, as metafor's ``rma.uni``.
    """
    k, p, parms = model.k, model.p, model.parms
    m = model.v + model.tau2
    w = 1 / m
    xtwx = model.x.T @ (w[:, None] * model.x)
    beta = np.linalg.solve(xtwx, model.x.T @ (w * model.y))
    rss = float(w @ (model.y - model.x @ beta) ** 2)
    log_m = float(np.log(m).sum())
    ll_ml = -0.5 * (k * math.log(2 * math.pi) + log_m + rss)
    logdet_xtx = float(np.linalg.slogdet(model.x.T @ model.x)[1])
    logdet_xtwx = float(np.linalg.slogdet(xtwx)[1])
    ll_reml = -0.5 * ((k - p) * math.log(2 * math.pi) - logdet_xtx + log_m + logdet_xtwx + rss)
    # metafor's rma.uni drops the saturated model's log-likelihood (infinite then) when a sampling variance is 0:
    # the ML deviance is -2 ll.
    saturated = float(np.sum(-0.5 * np.log(2 * math.pi * model.v))) if (model.v > 0).all() else 0.0
    return {
        "ML": fit_statistics(ll_ml, -2 * (ll_ml - saturated) if k > p else 0.0, parms, k),
        "REML": fit_statistics(ll_reml, -2 * ll_reml, parms, k - p),
    }


def fit_statistics(ll: float, dev: float, parms: int, n: int) -> dict[str, float]:
    """``ll``, ``dev``, ``AIC``, ``BIC`` and ``AICc`` as metafor's ``fitstats`` (n: k for ML, k - p for REML)."""
    big = max(n, parms + 2)
    return {
        "ll": ll,
        "dev": dev,
        "AIC": -2 * ll + 2 * parms,
        "BIC": -2 * ll + parms * math.log(n),
        "AICc": -2 * ll + 2 * parms * big / (big - parms - 1),
    }


def coefficient_positions(entry: Sequence[int | str], names: Sequence[str], *, field: str) -> list[int]:
    """0-based positions of the coefficients *entry* names by 1-based position (metafor's ``btt``) or name."""
    out: list[int] = []
    for item in entry:
        if isinstance(item, str):
            if item not in names:
                raise InputError(f"no such coefficient; they are {', '.join(names)}", field=field, value=item)
            j = list(names).index(item)
        else:
            j = int(item) - 1
            if not 0 <= j < len(names) or int(item) != item:
                raise InputError(f"must be a coefficient number from 1 to {len(names)}", field=field, value=item)
        if j not in out:
            out.append(j)
    if not out:
        raise InputError("names no coefficient", field=field, value=list(entry))
    return sorted(out)
