"""The Q-profile confidence interval of (residual) tau^2, I^2 and H^2, as metafor's ``confint.rma.uni``."""

from __future__ import annotations

import dataclasses
import math

from secretome._result import Result
from secretome.errors import InputError
from secretome.meta._columns import check_level
from secretome.meta._fitted_model import Fit, fitted_model
from secretome.meta._q_profile import q_profile
from secretome.meta._tau2 import METAFOR_TOL, Projection

__all__ = ["Tau2ConfintResult", "tau2_confint"]


@dataclasses.dataclass(frozen=True, slots=True)
class Tau2ConfintResult(Result):
    """Q-profile confidence intervals of the heterogeneity of a random-effects model or meta-regression.

    Attributes
    ----------
    tau2, tau2_lb, tau2_ub : float
        (Residual) tau^2 and its CI at ``level``.
    tau, tau_lb, tau_ub : float
        Their square roots.
    I2, I2_lb, I2_ub : float
        I^2 (percent) and its CI, from the bounds of tau^2 with the typical sampling variance.
    H2, H2_lb, H2_ub : float
        H^2 and its CI.
    lb_sign, ub_sign : str
        ``"<"`` or ``">"`` where a bound is the end of the searched range (the true bound lies
        beyond it), else ``""``, as metafor prints them.
    ci_null : bool
        Whether the whole CI lies at 0 (metafor's ``ci.null``: the Q statistic is already below
        its lower quantile at tau^2 = 0).
    level, tol : float
        The confidence level and the root finder's tolerance.
    """

    tau2: float
    tau2_lb: float
    tau2_ub: float
    tau: float
    tau_lb: float
    tau_ub: float
    I2: float
    I2_lb: float
    I2_ub: float
    H2: float
    H2_lb: float
    H2_ub: float
    lb_sign: str
    ub_sign: str
    ci_null: bool
    level: float
    tol: float

    def summary(self) -> str:
        """Laid out like metafor's ``print(confint(res))``."""
        rows = [
            ("", "estimate", "ci.lb", "ci.ub"),
            ("tau^2", f"{self.tau2:.4f}", f"{self.lb_sign}{self.tau2_lb:.4f}", f"{self.ub_sign}{self.tau2_ub:.4f}"),
            ("tau", f"{self.tau:.4f}", f"{self.lb_sign}{self.tau_lb:.4f}", f"{self.ub_sign}{self.tau_ub:.4f}"),
            ("I^2(%)", f"{self.I2:.4f}", f"{self.lb_sign}{self.I2_lb:.4f}", f"{self.ub_sign}{self.I2_ub:.4f}"),
            ("H^2", f"{self.H2:.4f}", f"{self.lb_sign}{self.H2_lb:.4f}", f"{self.ub_sign}{self.H2_ub:.4f}"),
        ]
        widths = [max(len(r[j]) for r in rows) for j in range(4)]
        lines = ["  ".join([r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))])
                 for r in rows]  # fmt: skip
        if self.ci_null:
            lines.append("note: the CI of tau^2 is the null set (Q is below its lower quantile at tau^2 = 0)")
        return "\n".join(lines)


def tau2_confint(fit: Fit, *, level: float | None = None, tol: float | None = None) -> Tau2ConfintResult:
    r"""Q-profile confidence interval of (residual) tau^2, tau, I^2 and H^2, as metafor's ``confint.rma.uni``.

    Parameters
    ----------
    fit : RandomEffectsResult or MetaRegressionResult
        A random-effects model or a meta-regression with tau^2 estimated (not EE/FE), k >= 2.
    level : float, optional
        Confidence level (default: the model's).
    tol : float, optional
        Tolerance of the root finder; metafor's default ``.Machine$double.eps^0.25`` (about
        1.2e-4), so that the bounds agree with metafor's printed digits. Smaller gives the
        bounds more exactly (as ``confint(res, control = list(tol = ...))``).

    Returns
    -------
    Tau2ConfintResult
        ``tau2``, ``tau2_lb``, ``tau2_ub``, the same for ``tau``, ``I2`` and ``H2``, ``lb_sign``,
        ``ub_sign``, ``ci_null``, ``level``, ``tol``.

    Raises
    ------
    InputError
        In metafor's words and order of checks: k = 1 ("Stopped because k = 1."), an EE/FE model
        ("Model does not contain a random-effects component."), a sampling variance of 0 ("Cannot
        compute CI for tau^2 when there are non-positive sampling variances in the data.", the study
        named); then a level outside (0, 1) or a tolerance <= 0.

    Notes
    -----
    The generalised Q statistic :math:`Q(\tau^2) = y'P(\tau^2)y` with
    :math:`P = W - WX(X'WX)^{-1}X'W`, :math:`W = \mathrm{diag}(1/(v_i+\tau^2))` follows a
    :math:`\chi^2_{k-p}` distribution at the true tau^2 and falls as tau^2 grows; the bounds are
    where it equals the upper and lower :math:`\alpha/2` quantiles [1]_. As metafor, the search
    runs over ``[0, max(100, 10 tau^2)]`` by Brent's method step for step as R's ``uniroot``; a
    bound beyond that range is its end with the sign ``>``, and when Q at 0 is already below the
    lower quantile, both bounds are 0 (``ci_null``). The I^2 and H^2 bounds use the typical
    sampling variance :math:`(k-p)/\mathrm{tr}(P(0))` of the fit [2]_.

    Checked against metafor 3.8-1 ``confint(res)`` with its default tolerance and with
    ``control = list(tol = 1e-10)`` on dat.raudenbush1985 (with ``~ weeks.c``, where the lower
    bound is 0, and without), dat.curtis1998 (ROM ``~ time + method``; REML, DL with knha),
    dat.bangertdrowns2004 (10 moderators) and dat.li2007 to 1e-8
    (tests/meta/test_confint.py, fixtures by tools/metafor_reference_predict.R).

    References
    ----------
    .. [1] Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in
       meta-analysis. Statistics in Medicine 26(1):37-52. https://doi.org/10.1002/sim.2514
    .. [2] Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
       Statistics in Medicine 21(11):1539-1558. https://doi.org/10.1002/sim.1186

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> ci = tau2_confint(random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), tol=1e-10)
    >>> round(ci.tau2_lb, 4), round(ci.tau2_ub, 4)  # R: confint(): 0.03337360, 6.309662
    (0.0334, 6.3097)
    """
    model = fitted_model(fit)
    # metafor's checks, in its order and words: k = 1 before the model's method, then the sampling variances.
    if model.k < 2:
        raise InputError("Stopped because k = 1.", field="yi", value=model.k)
    if not model.is_random:
        raise InputError("Model does not contain a random-effects component.", field="method", value=model.method)
    if fit.I2 is None:
        # Q(tau^2) at tau^2 = 0 and the typical variance both divide by vi. The study is named by its label,
        # as the fit's positions need not be the rows of the caller's table.
        first = next(i for i, v in enumerate(model.v) if not v > 0)
        raise InputError("Cannot compute CI for tau^2 when there are non-positive sampling variances in the data.",
                         record=fit.labels[first], field="vi", value=float(model.v[first]))  # fmt: skip
    level = model.level if level is None else level
    check_level(level)
    tol = METAFOR_TOL if tol is None else float(tol)
    if not tol > 0:
        raise InputError("must be > 0", field="tol", value=tol)
    k, p, tau2 = model.k, model.p, model.tau2
    bounds = q_profile(model.y, model.v, model.x, tau2, level, tol=tol)
    lb, ub = bounds.lb, bounds.ub
    vt = (k - p) / Projection(1 / model.v, model.x).trace()
    return Tau2ConfintResult(
        tau2=tau2,
        tau2_lb=lb,
        tau2_ub=ub,
        tau=math.sqrt(tau2),
        tau_lb=math.sqrt(max(lb, 0.0)),
        tau_ub=math.sqrt(max(ub, 0.0)),
        I2=float(fit.I2),
        I2_lb=100 * lb / (vt + lb),
        I2_ub=100 * ub / (vt + ub),
        H2=float(fit.H2),
        H2_lb=1 + lb / vt,
        H2_ub=1 + ub / vt,
        lb_sign=bounds.lb_sign,
        ub_sign=bounds.ub_sign,
        ci_null=bounds.ci_null,
        level=level,
        tol=tol,
    )
