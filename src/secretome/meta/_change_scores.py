"""Change within one group (case series, pre-post designs): metafor's MC, SMCC and SMCR, with the pre-post
correlation an explicit assumption, and a sensitivity analysis over that assumption.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, SecretomeWarning, check_choice
from secretome.meta._columns import check_level
from secretome.meta._conversions import group_sds
from secretome.meta._effect_result import EffectSizes, finish, hedges_correction, optional_column, refuse, row_list
from secretome.meta._random_effects import ModelMethod, random_effects
from secretome.meta._results import RandomEffectsResult

__all__ = ["ChangeScoreSensitivity", "change_score_sensitivity", "change_scores"]

CHANGE_MEASURES = ("MC", "SMCC", "SMCR")
ChangeMeasure = Literal["MC", "SMCC", "SMCR"]


def change_scores(
    measure: ChangeMeasure,
    *,
    m1i: ArrayLike | None,
    m2i: ArrayLike | None,
    sd1i: ArrayLike | None,
    ni: ArrayLike | None,
    ri: ArrayLike | float | None,
    sd2i: ArrayLike | None = None,
    se1i: ArrayLike | None = None,
    se2i: ArrayLike | None = None,
    labels: Sequence[object] | None = None,
    warn: bool = True,
) -> EffectSizes:
    r"""Change from baseline within one group, as metafor's ``escalc`` measures MC, SMCC and SMCR.

    Parameters
    ----------
    measure : {"MC", "SMCC", "SMCR"}
        Raw mean change; standardized mean change with change-score standardization (Gibbons et al.
        1993) [2]_; or with raw-score standardization (Becker 1988) [1]_.
    m1i, m2i : array_like
        Means at follow-up and at baseline: the change is ``m1i - m2i`` (metafor's convention; when
        only the mean change is reported, give it as ``m1i`` and 0 as ``m2i``).
    sd1i : array_like
        For SMCR, the SD it standardizes by: the baseline SD in Becker's definition [1]_ (metafor's
        examples pass ``sd_pre``); for MC and SMCC, the SD at the time of ``m1i``.
    sd2i : array_like, optional
        For MC and SMCC, the SD at the time of ``m2i`` (SMCR does not use it). When only the SD of
        the change is reported, give it as ``sd1i`` with ``sd2i = 0`` and ``ri = 0`` (metafor).
    se1i, se2i : array_like, optional
        Standard errors of the means, where an SD is not given (SD = SE * sqrt(ni)).
    ni : array_like
        Group sizes (> 0).
    ri : array_like or float
        The correlation between baseline and follow-up, per row or one value for all. Required:
        papers rarely report it, so it is an assumption the analysis must state; see
        :func:`change_score_sensitivity` for a sweep over r.
    labels : sequence, optional
        Row labels.

    Returns
    -------
    EffectSizes
        As :func:`~secretome.meta.escalc`, with ``ri`` holding the correlation used per row.

    Notes
    -----
    With :math:`c(m)` Hedges' correction at :math:`m = n - 1` and
    :math:`s_d = \sqrt{s_1^2 + s_2^2 - 2 r s_1 s_2}` (the SD of the change):
    MC :math:`y = \bar x_1 - \bar x_2`, :math:`v = s_d^2/n`; SMCC :math:`y = c(m)(\bar x_1 - \bar x_2)/s_d`,
    :math:`v = 1/n + y^2/(2n)`; SMCR :math:`y = c(m)(\bar x_1 - \bar x_2)/s_1`,
    :math:`v = 2(1 - r)/n + y^2/(2n)`, metafor's large-sample variances (``vtype="LS"``). Rows with
    ``ni <= 2`` (no correction), an SD of 0 or missing input are NA with a warning, as metafor.

    Checked against metafor 3.8-1 ``escalc(measure=..., ri=...)`` for r in 0.3, 0.5, 0.7
    (tests/meta/test_change_scores.py, fixtures from tools/metafor_reference_effects.R).

    References
    ----------
    .. [1] Becker BJ (1988). Synthesizing standardized mean-change measures. British Journal of
       Mathematical and Statistical Psychology 41(2):257-278.
       https://doi.org/10.1111/j.2044-8317.1988.tb00901.x
    .. [2] Gibbons RD, Hedeker DR, Davis JM (1993). Estimation of effect size from a series of
       experiments involving paired comparisons. Journal of Educational Statistics 18(3):271-279.
       https://doi.org/10.3102/10769986018003271

    Examples
    --------
    >>> es = change_scores("SMCR", m1i=[14.0], m2i=[10.0], sd1i=[4.0], ni=[20], ri=0.5)
    >>> round(float(es.yi[0]), 4), round(float(es.vi[0]), 4)  # R: escalc("SMCR", ..., ri=0.5)
    (0.9599, 0.073)
    """
    check_choice("measure", measure, CHANGE_MEASURES, owner="change_scores")
    if ri is None:
        raise InputError(
            f"{measure} needs the pre-post correlation ri: an assumption to state (see change_score_sensitivity)",
            field="ri",
        )
    needed = {"m1i": m1i, "m2i": m2i, "sd1i": sd1i if se1i is None else se1i, "ni": ni}
    if measure != "SMCR":
        needed["sd2i"] = sd2i if se2i is None else se2i
    missing = [name for name, values in needed.items() if values is None]
    if missing:
        raise InputError(f"measure {measure!r} needs {', '.join(missing)}", field=missing[0])
    k = int(np.asarray(m1i, dtype=object).reshape(-1).size)
    n = optional_column(ni, "ni", k)
    r = optional_column(ri, "ri", k, broadcast=True)
    m1, m2 = optional_column(m1i, "m1i", k), optional_column(m2i, "m2i", k)
    refuse(n, "ni", n <= 0, "group size must be > 0")
    refuse(r, "ri", np.abs(r) > 1, "correlation must be in [-1, 1]")
    nan = np.full(k, np.nan)
    sd1, kind1 = group_sds(
        optional_column(sd1i, "sd1i", k), optional_column(se1i, "se1i", k), nan, nan, n, 0.95, "t", 1
    )
    sd2, kind2 = group_sds(
        optional_column(sd2i, "sd2i", k), optional_column(se2i, "se2i", k), nan, nan, n, 0.95, "t", 2
    )
    if measure == "SMCR":
        sd2, kind2 = np.zeros(k), kind1
    source = [a if a == b else f"{a}+{b}" if a and b else "" for a, b in zip(kind1, kind2, strict=True)]
    reasons = {"missing input": np.isnan(m1) | np.isnan(m2) | np.isnan(sd1) | np.isnan(sd2) | np.isnan(n) | np.isnan(r)}
    cm = hedges_correction(n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_change = sd1**2 + sd2**2 - 2 * r * sd1 * sd2
        if measure == "MC":
            yi, vi = m1 - m2, var_change / n
        elif measure == "SMCC":
            reasons["ni <= 2: Hedges' correction undefined"] = n <= 2
            reasons["the SD of the change is 0"] = var_change == 0
            yi = cm * (m1 - m2) / np.sqrt(var_change)
            vi = 1 / n + yi**2 / (2 * n)
        else:
            reasons["ni <= 2: Hedges' correction undefined"] = n <= 2
            reasons["sd1i is 0"] = sd1 == 0
            yi = cm * (m1 - m2) / sd1
            vi = 2 * (1 - r) / n + yi**2 / (2 * n)
    return finish(measure, yi, vi, labels=labels, source=source, reasons=reasons, ri=r, warn=warn)


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class ChangeScoreSensitivity(Result):
    """Change scores and their pooled estimate for each assumed pre-post correlation.

    Attributes
    ----------
    measure : str
        ``"MC"``, ``"SMCC"`` or ``"SMCR"``.
    r : tuple of float
        The correlations assumed, in the order given.
    effects : tuple of EffectSizes
        The effect sizes under each r.
    pooled : tuple of RandomEffectsResult or None
        The random-effects model on each set (rows with NA left out); ``None`` where fewer than 2
        rows are usable.
    method, test : str
        The estimator and test of the pooled models.
    notes : tuple of str
        Rows left out of the pooled models, and why.
    """

    measure: str
    r: tuple[float, ...]
    effects: tuple[EffectSizes, ...]
    pooled: tuple[RandomEffectsResult | None, ...]
    method: str
    test: str
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: one row per (r, study) with ``r, label, measure, yi, vi, source, na_reason``."""
        parts = [
            es.to_frame().drop(columns=["ri", "bound", "corrected"]).assign(r=r)
            for r, es in zip(self.r, self.effects, strict=True)
        ]
        frame = pd.concat(parts, ignore_index=True)
        return frame[["r", *[c for c in frame.columns if c != "r"]]]

    def pooled_frame(self) -> pd.DataFrame:
        """One row per r: ``r, k, estimate, se, pval, ci_lb, ci_ub, tau2, I2`` (NaN where nothing was pooled)."""
        keys = ("k", "estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2")
        rows = [
            {"r": r, **{key: (math.nan if fit is None else getattr(fit, key)) for key in keys}}
            for r, fit in zip(self.r, self.pooled, strict=True)
        ]
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """The pooled estimate per assumed r (metafor's digits), then the notes."""
        head = f"Sensitivity of {self.measure} to the assumed pre-post correlation r"
        head += f" (tau^2 estimator: {self.method}; test: {self.test})"
        names = ("r", "k", "estimate", "se", "pval", "ci.lb", "ci.ub", "tau^2", "I^2")
        rows = []
        for r, fit in zip(self.r, self.pooled, strict=True):
            if fit is None:
                rows.append([f"{r:g}", "<2", *["NA"] * 7])
                continue
            p = "<.0001" if fit.pval < 1e-4 else f"{fit.pval:.4f}"
            cells = [f"{x:.4f}" for x in (fit.estimate, fit.se)] + [p]
            # metafor's NA: I^2 needs 1/vi, and r = 1 with an unchanged mean gives vi = 0.
            i2 = "NA" if fit.I2 is None else f"{fit.I2:.2f}%"
            cells += [f"{x:.4f}" for x in (fit.ci_lb, fit.ci_ub, fit.tau2)] + [i2]
            rows.append([f"{r:g}", str(fit.k), *cells])
        widths = [max(len(name), *(len(row[j]) for row in rows)) for j, name in enumerate(names)]
        table = ["  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))]
        table += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
        return "\n".join([head, "", *table, *[f"note: {n}" for n in self.notes]])


def change_score_sensitivity(
    measure: ChangeMeasure,
    *,
    m1i: ArrayLike,
    m2i: ArrayLike,
    sd1i: ArrayLike | None,
    ni: ArrayLike,
    sd2i: ArrayLike | None = None,
    se1i: ArrayLike | None = None,
    se2i: ArrayLike | None = None,
    r: Sequence[float] = (0.3, 0.5, 0.7),
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    labels: Sequence[object] | None = None,
) -> ChangeScoreSensitivity:
    """Compute the change scores under each assumed pre-post correlation in *r* and pool each set.

    The correlation between baseline and follow-up is rarely reported; the Cochrane Handbook asks
    for a sensitivity analysis over plausible values when it is imputed (section 6.5.2.8) [1]_. For
    each r this gives :func:`change_scores` and a :func:`~secretome.meta.random_effects` model
    (*method*, *test*, *level*) on the rows that are not NA. SMCR's ``yi`` does not depend on r,
    only its variance does.

    Returns
    -------
    ChangeScoreSensitivity
        ``to_frame()`` is the tidy per-study table, ``pooled_frame()`` one row per r.

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures and computing
       estimates of effect, section 6.5.2.8. Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. https://training.cochrane.org/handbook/current/chapter-06

    Examples
    --------
    >>> sens = change_score_sensitivity("SMCR", m1i=[14, 12, 15], m2i=[10, 10, 11], sd1i=[4, 3, 5], ni=[20, 15, 30])
    >>> sens.pooled_frame()["r"].tolist()
    [0.3, 0.5, 0.7]
    """
    check_level(level)
    values = tuple(float(x) for x in r)
    if not values:
        raise InputError("needs at least one correlation, e.g. (0.3, 0.5, 0.7)", field="r")
    effects, pooled = [], []
    notes: list[str] = []
    for i, rho in enumerate(values):
        es = change_scores(
            measure,
            m1i=m1i,
            m2i=m2i,
            sd1i=sd1i,
            sd2i=sd2i,
            se1i=se1i,
            se2i=se2i,
            ni=ni,
            ri=rho,
            labels=labels,
            warn=i == 0,
        )
        usable = ~(np.isnan(es.yi) | np.isnan(es.vi))
        if (~usable).any():
            notes.append(f"r = {rho:g}: {row_list(np.flatnonzero(~usable))} NA, left out of the pooled model")
        fit = None
        if usable.sum() >= 2:
            fit = random_effects(
                es.yi[usable], es.vi[usable], method=method, test=test, level=level,
                labels=[es.labels[j] for j in np.flatnonzero(usable)],
            )  # fmt: skip
        else:
            notes.append(f"r = {rho:g}: fewer than 2 usable rows, nothing pooled")
            warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)
        effects.append(es)
        pooled.append(fit)
    return ChangeScoreSensitivity(measure, values, tuple(effects), tuple(pooled), method, test, tuple(notes))
