"""Combined p-values for studies that report only a p-value, its direction and a sample size: Fisher's method
and Stouffer's (weighted) Z.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, SecretomeWarning, check_choice
from secretome.meta._columns import study_labels
from secretome.meta._effect_result import optional_column, refuse, row_list
from secretome.meta._p_values import one_sided, p_column

__all__ = ["CombinedPResult", "combine_p"]


@dataclasses.dataclass(frozen=True, slots=True)
class CombinedPResult(Result):
    """A combined test of k independent one-sided p-values (effect > 0).

    Attributes
    ----------
    method : str
        ``"fisher"`` or ``"stouffer"``.
    weighted : bool
        Stouffer's Z with weights sqrt(n) (False: equal weights).
    k : int
        Number of studies.
    statistic : float
        Fisher's :math:`X^2 = -2\\sum\\log p_i` or Stouffer's :math:`Z`.
    df : int or None
        Fisher: :math:`2k` degrees of freedom.
    pval : float
        The combined one-sided p-value for an effect > 0.
    one_sided, weights, bound : tuple
        Per study: the one-sided p-value used, its weight (1 for Fisher and unweighted Stouffer),
        and whether its p-value was reported as a bound (``P < x``, entered at x).
    labels : tuple of str
        Study labels.
    notes : tuple of str
        Bound p-values and what they mean for the result.
    """

    method: str
    weighted: bool
    k: int
    statistic: float
    df: int | None
    pval: float
    one_sided: tuple[float, ...]
    weights: tuple[float, ...]
    bound: tuple[bool, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """The test, laid out as metafor prints a test line."""
        if self.method == "fisher":
            head = f"Fisher's combined probability test (k = {self.k})"
            test = f"X^2(df = {self.df}) = {self.statistic:.4f}"
        else:
            weights = "weights sqrt(n)" if self.weighted else "equal weights"
            head = f"Stouffer's combined Z test (k = {self.k}; {weights})"
            test = f"Z = {self.statistic:.4f}"
        p = "< .0001" if self.pval < 1e-4 else f"= {self.pval:.4f}"
        return "\n".join([head, "", f"{test}, p-val (one-sided, effect > 0) {p}", *[f"note: {n}" for n in self.notes]])


def combine_p(
    p: ArrayLike,
    *,
    direction: ArrayLike | None = None,
    ni: ArrayLike | None = None,
    method: Literal["fisher", "stouffer"] = "stouffer",
    labels: Sequence[object] | None = None,
) -> CombinedPResult:
    r"""Combine two-sided p-values with their directions into one test of an effect > 0.

    Parameters
    ----------
    p : array_like
        Two-sided p-values, numbers or text (``"P = 0.012"``, ``"P < 0.05"``). Signed as metafor's
        ``pi`` (the sign is the direction) unless *direction* is given.
    direction : array_like, optional
        +1 or -1 per study; then *p* must be unsigned.
    ni : array_like, optional
        Total sample sizes: Stouffer's Z is then weighted by sqrt(n) (Zaykin 2011) [4]_.
    method : {"fisher", "stouffer"}
        Fisher's method [1]_ or Stouffer's Z [2]_ (weighted Z [3]_ with *ni*).
    labels : sequence, optional
        Study labels.

    Returns
    -------
    CombinedPResult

    Notes
    -----
    Each two-sided p becomes one-sided for an effect > 0: :math:`p_i/2` when the effect is
    positive, :math:`1 - p_i/2` when negative (one-sided p-values keep the direction, which
    two-sided ones lose; Zaykin 2011). Fisher: :math:`X^2 = -2\sum \log p_i` on :math:`2k` df.
    Stouffer: :math:`Z = \sum w_i z_i / \sqrt{\sum w_i^2}`, :math:`z_i = \Phi^{-1}(1 - p_i)`,
    :math:`w_i = \sqrt{n_i}` (Whitlock 2005 showed the weighted Z to be more powerful than Fisher's
    method; Zaykin 2011 that sqrt(n) weights are near-optimal) or 1. Stouffer's :math:`z_i` is taken as
    :math:`\pm\Phi^{-1}(1 - p_i/2)` from the two-sided p, so that a tiny p against the direction keeps
    its z; Fisher's method uses :func:`scipy.stats.combine_pvalues`. A p-value given as ``P < x``
    enters at x: its |z| is a
    lower bound, which shrinks that study's evidence towards the null in either direction; with
    studies of both directions the combined p is then not a bound either way, and the notes say so.

    Checked against base R arithmetic (``pchisq``, ``qnorm``; tools/metafor_reference_effects.R,
    tests/meta/test_combined_p.py).

    References
    ----------
    .. [1] Fisher RA (1932). Statistical Methods for Research Workers, 4th edition.
       Oliver and Boyd, Edinburgh. (No DOI.)
    .. [2] Stouffer SA, Suchman EA, DeVinney LC, Star SA, Williams RM Jr (1949). The American
       Soldier, Volume 1: Adjustment during Army Life. Princeton University Press. (No DOI.)
    .. [3] Whitlock MC (2005). Combining probability from independent tests: the weighted Z-method
       is superior to Fisher's approach. Journal of Evolutionary Biology 18(5):1368-1373.
       https://doi.org/10.1111/j.1420-9101.2005.00917.x
    .. [4] Zaykin DV (2011). Optimally weighted Z-test is a powerful method for combining
       probabilities in meta-analysis. Journal of Evolutionary Biology 24(8):1836-1841.
       https://doi.org/10.1111/j.1420-9101.2011.02297.x

    Examples
    --------
    >>> res = combine_p([0.04, 0.2, 0.001], direction=[1, 1, 1], ni=[12, 20, 40])
    >>> round(res.statistic, 4), round(res.pval, 6)  # R: sum(w * qnorm(p/2, lower=F)) / sqrt(sum(w^2))
    (3.9665, 3.6e-05)
    """
    check_choice("method", method, ("fisher", "stouffer"), owner="combine_p")
    k = int(np.asarray(p, dtype=object).reshape(-1).size)
    if k == 0:
        raise InputError("needs at least one p-value", field="p")
    two_sided, bound = p_column(p, "p", k)
    refuse(two_sided, "p", np.isnan(two_sided), "is missing")
    if direction is None:
        sign = np.sign(two_sided)
        refuse(two_sided, "p", sign == 0, "p = 0 has no direction (give the direction, or a p > 0)")
    else:
        sign = optional_column(direction, "direction", k)
        refuse(sign, "direction", ~(np.abs(sign) == 1), "direction must be +1 or -1")
        refuse(two_sided, "p", two_sided < 0, "must be unsigned when a direction is given")
    magnitude = np.abs(two_sided)
    refuse(magnitude, "p", magnitude == 0, "p = 0 gives an infinite z; give the reported bound ('P < 0.001')")
    one = one_sided(magnitude, sign)
    weights = np.ones(k)
    if ni is not None:
        n = optional_column(ni, "ni", k)
        refuse(n, "ni", ~(n > 0), "sample size must be > 0")
        weights = np.sqrt(n)
    if method == "fisher":
        fisher = scipy.stats.combine_pvalues(one, method="fisher")
        statistic, pval, df = float(fisher.statistic), float(fisher.pvalue), 2 * k
    else:
        # z_i from the two-sided p and the sign, not from the one-sided p: for a tiny p against the
        # direction, 1 - p/2 rounds to 1 and its z to -inf.
        z = sign * scipy.stats.norm.isf(magnitude / 2)
        statistic = float(np.sum(weights * z) / np.sqrt(np.sum(weights**2)))
        pval, df = float(scipy.stats.norm.sf(statistic)), None
    notes = []
    if bound.any():
        mixed = len(set(sign[bound]) | set(sign)) > 1
        notes.append(
            f"{row_list(np.flatnonzero(bound))} entered at the bound of 'P < x': each such study's evidence is "
            "understated" + ("; with effects in both directions the combined p is not a bound" if mixed else "")
        )
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)
    return CombinedPResult(
        method=method,
        weighted=method == "stouffer" and ni is not None,
        k=k,
        statistic=statistic,
        df=df,
        pval=pval,
        one_sided=tuple(float(x) for x in one),
        weights=tuple(float(x) for x in (weights if method == "stouffer" else np.ones(k))),
        bound=tuple(bool(b) for b in bound),
        labels=study_labels(labels, k),
        notes=tuple(notes),
    )
