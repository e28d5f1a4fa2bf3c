"""The Q-profile interval of tau^2 (Viechtbauer 2007), branch for branch as metafor's ``confint.rma.uni``.

Shared by :func:`random_effects` (the bounds printed with the model) and :func:`tau2_confint`: the
generalised Q statistic, with weights ``1/(vi + tau^2)`` and the model matrix X, falls as tau^2 grows;
the bounds are where it crosses the chi-square quantiles on ``k - p`` df, found by R's ``uniroot``
(:func:`uniroot`) on metafor's bracket ``[min(0, tau^2), max(100, 10 tau^2)]``.
"""

from __future__ import annotations

import dataclasses

from secretome.meta._columns import FloatArray
from secretome.meta._distributions import chi2_isf, chi2_ppf
from secretome.meta._tau2 import Projection
from secretome.meta._uniroot import uniroot

__all__: list[str] = []


@dataclasses.dataclass(frozen=True, slots=True)
class QProfileBounds:
    """The bounds, with metafor's signs: ``"<"`` below the searched range, ``">"`` beyond it, else ``""``."""

    lb: float
    ub: float
    lb_sign: str
    ub_sign: str
    ci_null: bool
    tau2_max: float

    def notes(self) -> tuple[str, ...]:
        """What a bound at the end of the searched range means, for a result's ``notes``."""
        out = []
        for name, sign in (("upper", self.ub_sign), ("lower", self.lb_sign)):
            if sign == ">":
                out.append(
                    f"Q-profile {name} bound of tau^2 lies beyond the search limit {self.tau2_max:g}; "
                    f"reported as {self.tau2_max:g}"
                )
        return tuple(out)


def q_profile(
    y: FloatArray,
    v: FloatArray,
    x: FloatArray,
    tau2: float,
    level: float,
    *,
    tol: float,
    maxiter: int = 1000,
    tau2_max: float | None = None,
) -> QProfileBounds:
    """Q-profile CI of tau^2 for the model with matrix *x* (k x p) and estimate *tau2*, at *level*.

    *tau2_max* replaces the end of the searched range (metafor's ``control = list(tau2.max = )``).
    """
    k, p = x.shape
    alpha = 1 - level
    crit_u = float(chi2_isf(alpha / 2, k - p))
    crit_l = float(chi2_ppf(alpha / 2, k - p))
    lo = min(0.0, tau2)
    hi = max(100.0, 10 * tau2, 10 * lo) if tau2_max is None else float(tau2_max)

    def q(t: float) -> float:
        return Projection(1 / (v + t), x).quad(y)

    def root(target: float) -> float:
        return uniroot(lambda t: q(t) - target, lo, hi, tol=tol, maxiter=maxiter)

    q_lo, q_hi = q(lo), q(hi)
    lb = ub = lo
    lb_sign = ub_sign = ""
    ci_null = False
    # Q falls as tau^2 grows: the upper bound solves Q = crit_l and the lower bound Q = crit_u.
    if q_lo < crit_l:
        lb_sign = ub_sign = "<"
        ci_null = lo <= 0
    elif q_hi > crit_l:
        ub, ub_sign = hi, ">"
    else:
        ub = root(crit_l)
    if q_hi > crit_u:
        lb = ub = hi
        lb_sign = ub_sign = ">"
    elif q_lo < crit_u:
        lb = lo
        lb_sign = "<" if lo > 0 else lb_sign
    else:
        lb = root(crit_u)
    return QProfileBounds(lb, ub, lb_sign, ub_sign, ci_null, hi)
