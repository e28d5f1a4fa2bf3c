"""When to stop screening: two published stopping rules for prioritised (active-learning) screening.

- ``knee``: the knee method of Cormack & Grossman [1]_. At ``s`` records screened with ``rel(s)`` of
  them included, the knee ``i`` is the point of the gain curve farthest above the straight line from
  the origin to ``(s, rel(s))`` (Satopää et al.'s kneedle on the gain curve [2]_); the slope ratio is
  ``rho = (rel(i) / i) / ((rel(s) - rel(i) + 1) / (s - i))`` and screening stops when
  ``rho >= 156 - min(rel(s), 150)`` and ``s >= 150``. The rule targets about 70 % recall or more
  with high reliability; it estimates no recall itself, so the recall reported beside it is an
  extrapolation stated as such: the records not yet screened are assumed to hold includes at the
  rate seen since the knee.
- ``hypergeometric``: the sample-based test of Callaghan & Müller-Hansen [3]_ in its "BUSCAR" form:
  the last ``n`` records screened are treated as a random sample of the records that were left
  before them (ranking puts includes first, so this is conservative), and the null hypothesis that
  recall is below ``recall_target`` is tested with the hypergeometric distribution; every ``n`` is
  tried and the smallest p-value is kept. Screening stops when ``p < alpha``. The recall reported is
  the largest recall that the same test rejects at ``alpha`` (a one-sided lower confidence bound).

References
----------
.. [1] Cormack GV, Grossman MR (2016). Engineering quality and reliability in technology-assisted
   review. SIGIR 2016:75-84. https://doi.org/10.1145/2911451.2911510
.. [2] Satopää V, Albrecht J, Irwin D, Raghavan B (2011). Finding a "kneedle" in a haystack:
   detecting knee points in system behavior. ICDCS Workshops 2011:166-171.
   https://doi.org/10.1109/ICDCSW.2011.20
.. [3] Callaghan MW, Müller-Hansen F (2020). Statistical stopping criteria for automated screening in
   systematic reviews. Systematic Reviews 9:273. https://doi.org/10.1186/s13643-020-01521-4
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from secretome._result import Result
from secretome.errors import InputError

__all__ = ["STOPPING_RULES", "StoppingDecision", "first_stop", "hypergeometric_stop", "knee_stop"]

StoppingRule = Literal["knee", "hypergeometric"]
STOPPING_RULES: tuple[str, ...] = ("knee", "hypergeometric")
"""The stopping rules: Cormack & Grossman's knee method and Callaghan & Müller-Hansen's hypergeometric test."""

KNEE_MIN_SCREENED = 150
"""The knee method never stops before 150 records are screened (Cormack & Grossman 2016)."""


@dataclass(frozen=True, slots=True)
class StoppingDecision(Result):
    """What a stopping rule says after ``screened`` records of ``total``, ``found`` of them included.

    Attributes
    ----------
    rule : str
    stop : bool
    screened, total, found : int
    statistic : float
        ``rho`` (knee) or the p-value (hypergeometric).
    threshold : float
        Stop when ``rho >= threshold`` (knee) or ``p < threshold`` (hypergeometric: ``alpha``).
    estimated_recall : float
        Knee: the extrapolated recall; hypergeometric: the lower confidence bound of recall.
    note : str
        How ``estimated_recall`` was obtained.
    """

    rule: str
    stop: bool
    screened: int
    total: int
    found: int
    statistic: float
    threshold: float
    estimated_recall: float
    note: str

    def summary(self) -> str:
        """One line: the verdict, the statistic against its threshold, and the estimated recall.

        >>> print(StoppingDecision("knee", False, 200, 1000, 9, 3.5, 147.0, 0.82, "extrapolated").summary())
        knee: continue after 200 of 1000 records (9 included): rho 3.5 < 147; estimated recall 0.820 (extrapolated)
        """
        verdict = "stop" if self.stop else "continue"
        if self.rule == "knee":
            test = f"rho {self.statistic:.3g} {'>=' if self.stop else '<'} {self.threshold:.3g}"
        else:
            test = f"p {self.statistic:.3g} {'<' if self.stop else '>='} {self.threshold:.3g}"
        return (
            f"{self.rule}: {verdict} after {self.screened} of {self.total} records ({self.found} included): "
            f"{test}; estimated recall {self.estimated_recall:.3f} ({self.note})"
        )


def _labels(labels_in_order, total: int) -> np.ndarray:
    y = np.asarray(labels_in_order, dtype=int)
    if y.ndim != 1 or np.any((y != 0) & (y != 1)):
        raise InputError("labels must be 0 (exclude) or 1 (include), in screening order", field="labels")
    if total < y.size:
        raise InputError(f"is smaller than the {y.size} records screened", field="total", value=total)
    return y


def knee_stop(labels_in_order, total: int, *, min_screened: int = KNEE_MIN_SCREENED) -> StoppingDecision:
    """The knee method of Cormack & Grossman (2016) after the records screened so far.

    Parameters
    ----------
    labels_in_order : array of {0, 1}
        The decisions so far, in the order the records were screened (1 = include).
    total : int
        Records in the set, screened or not.
    min_screened : int
        No stop before this many records (150 in Cormack & Grossman 2016).

    >>> y = np.r_[np.ones(20), np.zeros(280)]  # 20 includes first, then 280 excludes
    >>> knee_stop(y, 1000).stop
    True
    """
    y = _labels(labels_in_order, total)
    s, found = int(y.size), int(y.sum())
    threshold = 156.0 - min(found, 150)
    if s == 0 or found == 0:
        return StoppingDecision("knee", False, s, total, found, 0.0, threshold, float("nan"),
                                "no include found yet: recall cannot be estimated")  # fmt: skip
    gain = np.cumsum(y)
    ranks = np.arange(1, s + 1)
    # Kneedle on the gain curve: the point farthest above the chord from (0, 0) to (s, rel(s)).
    i = int(np.argmax(gain / found - ranks / s)) + 1
    rel_i = int(gain[i - 1])
    rho = (rel_i / i) / ((found - rel_i + 1) / (s - i)) if i < s else 0.0
    rate_after_knee = (found - rel_i) / (s - i) if i < s else 0.0
    expected_left = rate_after_knee * (total - s)
    recall = found / (found + expected_left)
    stop = s >= min_screened and rho >= threshold
    return StoppingDecision("knee", bool(stop), s, total, found, float(rho), threshold, float(recall),
                            "extrapolated: includes assumed to continue at the rate seen since the knee")  # fmt: skip


def hypergeometric_stop(
    labels_in_order, total: int, *, recall_target: float = 0.95, alpha: float = 0.05
) -> StoppingDecision:
    """The hypergeometric stopping test of Callaghan & Müller-Hansen (2020) after the records screened so far.

    Parameters
    ----------
    labels_in_order : array of {0, 1}
        The decisions so far, in screening order (1 = include).
    total : int
        Records in the set, screened or not.
    recall_target : float
        The recall that must be reached (the null hypothesis is recall < target).
    alpha : float
        Significance level of the test.

    >>> y = np.r_[np.ones(20), np.zeros(580)]  # 20 includes, then 580 excludes in a row, of 1000
    >>> print(hypergeometric_stop(y, 1000).summary())  # doctest: +NORMALIZE_WHITESPACE
    hypergeometric: continue after 600 of 1000 records (20 included): p 0.166 >= 0.05;
    estimated recall 0.869 (one-sided 95% lower confidence bound)
    """
    if not 0.0 < recall_target < 1.0:
        raise InputError("must be between 0 and 1", field="recall_target", value=recall_target)
    if not 0.0 < alpha < 1.0:
        raise InputError("must be between 0 and 1", field="alpha", value=alpha)
    y = _labels(labels_in_order, total)
    s, found = int(y.size), int(y.sum())
    if s == 0 or found == 0:
        return StoppingDecision("hypergeometric", False, s, total, found, 1.0, alpha, float("nan"),
                                "no include found yet: recall cannot be bounded")  # fmt: skip
    p = _hypergeometric_p(y, total, recall_target)
    # The p-value grows with the target recall, so the largest target the test rejects is found by
    # bisection on a 0.001 grid (rounded down: it is a lower bound).
    low, high = 0, 999  # in thousandths; target 0.001 * j
    if _hypergeometric_p(y, total, low / 1000 or 0.001) >= alpha:
        bound = 0.0
    else:
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if _hypergeometric_p(y, total, mid / 1000) < alpha else (low, mid)
        bound = low / 1000
    return StoppingDecision("hypergeometric", p < alpha, s, total, found, p, alpha, bound,
                            f"one-sided {100 * (1 - alpha):g}% lower confidence bound")  # fmt: skip


def _hypergeometric_p(y: np.ndarray, total: int, target: float) -> float:
    """The smallest p-value over samples made of the last n records screened, for every n."""
    from scipy.stats import hypergeom

    s, found = y.size, int(y.sum())
    gain = np.r_[0, np.cumsum(y)]
    # A sample of the last n records: before it, s - n were screened with gain[s - n] includes.
    n = np.arange(1, s + 1)
    before = gain[s - n]
    urn = total - (s - n)
    # Fewest includes the urn must have held for recall to be below target (Callaghan & Müller-Hansen eq. 3).
    k_tar = np.floor(found / target - before + 1).astype(int)
    return float(np.min(hypergeom.cdf(found - before, urn, np.minimum(k_tar, urn), n)))


def first_stop(labels_in_order, rule: StoppingRule, *, step: int | None = None, **options) -> StoppingDecision | None:
    """The first point of a screening order at which *rule* says stop (checked every *step* records).

    *labels_in_order* holds every record of the set in screening order; the decision returned is the
    rule's at that point, or ``None`` when the rule never says stop before the end.
    """
    y = np.asarray(labels_in_order, dtype=int)
    if rule not in STOPPING_RULES:
        raise InputError(f"must be one of {', '.join(STOPPING_RULES)}", field="rule", value=rule)
    step = step or max(1, y.size // 500)
    for s in range(step, y.size + 1, step):
        if rule == "knee":
            decision = knee_stop(y[:s], y.size, **options)
            if decision.stop:
                return decision
        elif y[:s].any():
            # The p-value alone decides; the recall bound is computed once, at the stop.
            target, alpha = options.get("recall_target", 0.95), options.get("alpha", 0.05)
            if _hypergeometric_p(y[:s], y.size, target) < alpha:
                return hypergeometric_stop(y[:s], y.size, **options)
    return None
