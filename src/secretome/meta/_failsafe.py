"""Fail-safe N: how many null studies would overturn a result, as metafor's ``fsn``."""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import as_column, require
from secretome.meta._p_format import format_p

__all__ = ["FailSafeResult", "fail_safe_n"]

FailSafeType = Literal["Rosenthal", "Orwin", "Rosenberg"]


@dataclasses.dataclass(frozen=True, slots=True)
class FailSafeResult(Result):
    """A fail-safe N (metafor's ``fsn``).

    Attributes
    ----------
    type : str
        ``"Rosenthal"``, ``"Orwin"`` or ``"Rosenberg"``.
    fsnum : float
        The fail-safe N (a whole number; ``inf`` for Orwin's with target 0).
    k : int
        Number of studies.
    alpha : float
        Target significance level (Rosenthal, Rosenberg).
    pval : float or None
        Observed significance level (Rosenthal: Stouffer's one-sided; Rosenberg: the fixed-effects
        z test's two-sided); ``None`` for Orwin.
    meanes : float or None
        Average effect size (Orwin: unweighted; Rosenberg: inverse-variance weighted).
    target : float or None
        Orwin's target effect size.
    """

    type: str
    fsnum: float
    k: int
    alpha: float
    pval: float | None
    meanes: float | None
    target: float | None

    def summary(self) -> str:
        """Laid out like metafor's ``print(fsn(...))``."""
        lines = [f"Fail-safe N Calculation Using the {self.type} Approach", ""]
        if self.type == "Rosenthal" and self.pval is not None:
            lines += [
                f"Observed Significance Level: {format_p(self.pval)}",
                f"Target Significance Level:   {self.alpha:g}",
            ]
        elif self.type == "Orwin":
            lines += [f"Average Effect Size: {self.meanes:.4f}", f"Target Effect Size:  {self.target:.4f}"]
        elif self.pval is not None:
            lines += [
                f"Average Effect Size:         {self.meanes:.4f}",
                f"Observed Significance Level: {format_p(self.pval)}",
                f"Target Significance Level:   {self.alpha:g}",
            ]
        fsnum = "Inf" if math.isinf(self.fsnum) else f"{self.fsnum:g}"
        return "\n".join([*lines, "", f"Fail-safe N: {fsnum}"])


def fail_safe_n(
    yi: ArrayLike,
    vi: ArrayLike | None = None,
    *,
    type: FailSafeType = "Rosenthal",
    alpha: float = 0.05,
    target: float | None = None,
) -> FailSafeResult:
    r"""Compute the fail-safe N of Rosenthal, Orwin or Rosenberg, as metafor's ``fsn(yi, vi, type=)``.

    Parameters
    ----------
    yi : array_like
        Effect sizes.
    vi : array_like, optional
        Sampling variances (>= 0); not used by Orwin's method. As metafor's ``fsn``, a variance of 0
        makes Rosenthal's N infinite (its z is infinite; an error when its effect is 0 too, or when two
        such z cancel), and is refused by Rosenberg's method (a weight 1/0).
    type : {"Rosenthal", "Orwin", "Rosenberg"}
        The method.
    alpha : float
        Target significance level (Rosenthal: one-sided; Rosenberg: two-sided).
    target : float, optional
        Orwin's target average effect size (default half the observed average).

    Returns
    -------
    FailSafeResult
        ``type``, ``fsnum``, ``k``, ``alpha``, ``pval``, ``meanes``, ``target``.

    Notes
    -----
    Rosenthal [1]_ (Stouffer's method): with :math:`z_i = y_i/\sqrt{v_i}`,
    :math:`\bar z = |\sum z_i|/\sqrt{k}`, the number of studies with :math:`z = 0` to add so that
    the combined one-sided p-value reaches *alpha*:
    :math:`N = \max(0, k(\bar z/z_{1-\alpha})^2 - k)`. Orwin [2]_: studies of effect 0 that bring
    the unweighted mean :math:`\bar y` down to the target t: :math:`N = \max(0, k(\bar y - t)/t)`.
    Rosenberg [3]_: studies of effect 0 and average weight that make the fixed-effects z test
    non-significant at *alpha* (two-sided):
    :math:`N = \max(0, k((\sum w_i y_i / z_{1-\alpha/2})^2 - \sum w_i)/\sum w_i)`. As metafor,
    a non-integer N is rounded up. Checked against metafor 3.8-1 ``fsn`` on dat.bcg and
    dat.hackshaw1998 for all three (and ``alpha = 0.01``, ``target = 0.05``) to 1e-12
    (tests/meta/test_failsafe.py), and on dat.bcg with trial 3's variance at 0
    (tools/metafor_reference_vi_zero_diagnostics.R).

    References
    ----------
    .. [1] Rosenthal R (1979). The file drawer problem and tolerance for null results.
       Psychological Bulletin 86(3):638-641. https://doi.org/10.1037/0033-2909.86.3.638
    .. [2] Orwin RG (1983). A fail-safe N for effect size in meta-analysis. Journal of Educational
       Statistics 8(2):157-159. https://doi.org/10.3102/10769986008002157
    .. [3] Rosenberg MS (2005). The file-drawer problem revisited: a general weighted method for
       calculating fail-safe numbers in meta-analysis. Evolution 59(2):464-468.
       https://doi.org/10.1111/j.0014-3820.2005.tb01004.x

    Examples
    --------
    >>> fail_safe_n([0.5, 0.6, 0.4], [0.04, 0.04, 0.04]).fsnum  # k (z_bar / z_0.95)^2 - k = 17.8, rounded up
    18.0
    """
    check_choice("type", type, ("Rosenthal", "Orwin", "Rosenberg"), owner="fail_safe_n")
    if not 0 < alpha < 1:
        raise InputError("must be a proportion in (0, 1)", field="alpha", value=alpha)
    y = as_column(yi, "yi")
    k = y.size
    if k < 1:
        raise InputError("needs at least one study", field="yi", value=k)
    if type == "Orwin":
        meanes = float(y.mean())
        goal = meanes / 2 if target is None else float(target)
        if goal == 0:
            fsnum = math.inf
        else:
            if np.sign(goal) != np.sign(meanes):
                goal = -goal
            fsnum = max(0.0, k * (meanes - goal) / goal)
        return FailSafeResult(type, _rounded(fsnum), k, alpha, None, meanes, goal)
    if vi is None:
        raise InputError(f"the {type} method needs the sampling variances", field="vi")
    v = as_column(vi, "vi", length=k)
    require(v, "vi", lambda a: a >= 0, "sampling variance must be >= 0")
    zero = np.flatnonzero(v == 0)
    if type == "Rosenthal":
        # A variance of 0 gives z = +-inf, so N = inf (metafor too); 0/0 or inf - inf has no N, and metafor stops there.
        with np.errstate(divide="ignore", invalid="ignore"):
            z_sum = float(np.sum(y / np.sqrt(v)))
        if math.isnan(z_sum):
            raise InputError("a sampling variance of 0 gives z = 0/0 or +inf and -inf: no fail-safe N (metafor stops "
                             "too)", row=int(zero[0]) + 1, field="vi", value=0.0)  # fmt: skip
        z_avg = abs(z_sum) / math.sqrt(k)
        pval = float(scipy.stats.norm.sf(z_avg))
        fsnum = max(0.0, k * (z_avg / scipy.stats.norm.isf(alpha)) ** 2 - k)
        return FailSafeResult(type, _rounded(fsnum), k, alpha, pval, None, None)
    if zero.size:
        # The weight 1/0: metafor's fsn stops ("missing value where TRUE/FALSE needed").
        raise InputError("Rosenberg's method weights each study by 1/vi: a sampling variance of 0 gives the weight 1/0 "
                         "(metafor stops too)", row=int(zero[0]) + 1, field="vi", value=0.0)  # fmt: skip
    w = 1 / v
    meanes = float(np.sum(w * y) / w.sum())
    zval = meanes / math.sqrt(1 / w.sum())
    excess = (float(np.sum(w * y)) / scipy.stats.norm.isf(alpha / 2)) ** 2 - float(w.sum())
    fsnum = max(0.0, k * excess / float(w.sum()))
    return FailSafeResult(type, _rounded(fsnum), k, alpha, float(2 * scipy.stats.norm.sf(abs(zval))), meanes, None)


def _rounded(fsnum: float) -> float:
    # metafor: round up unless the number is whole to within sqrt(machine epsilon).
    if math.isinf(fsnum):
        return fsnum
    return float(math.ceil(fsnum)) if abs(fsnum - round(fsnum)) >= np.finfo(float).eps ** 0.5 else float(round(fsnum))
