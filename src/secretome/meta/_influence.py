"""Influence diagnostics (metafor's ``influence``) and cumulative meta-analysis (metafor's ``cumul``)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import as_column, study_labels
from secretome.meta._diagnostics import FitSequence
from secretome.meta._random_effects import METHODS, ModelMethod, random_effects
from secretome.meta._refits import FIT_FIELDS, fit_columns, refits
from secretome.meta._tau2 import validated

__all__ = ["CumulativeResult", "InfluenceResult", "cumulative", "influence"]

_INFLUENCE_FIELDS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight", "dfbetas")


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda x: f"{x:.4f}")


@dataclasses.dataclass(frozen=True, slots=True)
class InfluenceResult(Result):
    """Case diagnostics of a pooled model, one value per study (metafor's ``influence``).

    Attributes
    ----------
    labels : tuple of str
        Study labels.
    rstudent : tuple of float
        Externally standardised residuals: the study against the model fitted without it.
    dffits : tuple of float
        Change in the fitted value when the study is left out, in standard-error units.
    cook_d : tuple of float
        Cook's distance.
    cov_r : tuple of float
        Covariance ratio: variance of the estimate without the study over the variance with it.
    tau2_del, QE_del : tuple of float
        tau^2 and Cochran's Q of the model fitted without the study.
    hat : tuple of float
        Leverage (diagonal of the hat matrix).
    weight : tuple of float
        Model weight in percent.
    dfbetas : tuple of float
        Change in the estimate when the study is left out, in standard-error units.
    influential : tuple of bool
        metafor's flag (``*``): ``|dffits| > 3 sqrt(p/(k - p))``, ``P(chi2_1 <= cook_d) > 0.5``,
        ``hat > 3p/k`` or ``|dfbetas| > 1``, with ``p = 1``.
    method, test : str
        The model's estimator and test.
    """

    labels: tuple[str, ...]
    rstudent: tuple[float, ...]
    dffits: tuple[float, ...]
    cook_d: tuple[float, ...]
    cov_r: tuple[float, ...]
    tau2_del: tuple[float, ...]
    QE_del: tuple[float, ...]
    hat: tuple[float, ...]
    weight: tuple[float, ...]
    dfbetas: tuple[float, ...]
    influential: tuple[bool, ...]
    method: str
    test: str

    def to_frame(self) -> pd.DataFrame:
        """One row per study, with the columns metafor prints and ``inf`` (``"*"`` when influential)."""
        columns = {f: getattr(self, f) for f in _INFLUENCE_FIELDS}
        return pd.DataFrame({"study": self.labels, **columns, "inf": ["*" if f else "" for f in self.influential]})

    def summary(self) -> str:
        """The table of ``print(influence(res))`` (4 decimals)."""
        return _table(self.to_frame())


def influence(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    labels: Sequence[str] | None = None,
) -> InfluenceResult:
    r"""Outlier and influence diagnostics of a model without moderators [1]_.

    Parameters are those of :func:`random_effects`; a random-effects model needs k >= 3 (each
    refit keeps k - 1 >= 2 studies).

    Returns
    -------
    InfluenceResult
        ``rstudent``, ``dffits``, ``cook_d``, ``cov_r``, ``tau2_del``, ``QE_del``, ``hat``,
        ``weight``, ``dfbetas`` and ``influential``, one value per study.

    Notes
    -----
    With the full model's weights :math:`w_i = 1/(v_i + \hat\tau^2)`, estimate :math:`\hat\mu` and its
    variance :math:`V = s^2/\sum w` (:math:`s^2` the Knapp-Hartung factor, 1 for ``test="z"``), and the
    model refitted without study *i* giving :math:`\hat\mu_{(i)}`, :math:`V_{(i)}`,
    :math:`\hat\tau^2_{(i)}` and :math:`s^2_{(i)}`, metafor 3.8 computes: hat
    :math:`h_i = w_i/\sum w`; rstudent
    :math:`(y_i - \hat\mu_{(i)})/\sqrt{s^2_{(i)}(v_i + \hat\tau^2_{(i)}) + V_{(i)}}`; DFFITS
    :math:`(\hat\mu - \hat\mu_{(i)})/\sqrt{s^2_{(i)} h_i (v_i + \hat\tau^2_{(i)})}`; DFBETAS the same
    difference over :math:`\sqrt{s^2_{(i)}/\sum_j 1/(v_j + \hat\tau^2_{(i)})}` (sum over all k); Cook's
    distance :math:`(\hat\mu - \hat\mu_{(i)})^2/V`; COVRATIO :math:`V_{(i)}/V`.

    Checked against metafor 3.8-1 ``influence(rma(yi, vi, method=, test=))`` on dat.bcg (REML, DL, FE;
    z and knha) and dat.normand1999 (tests/meta/test_influence.py, fixtures by
    tools/metafor_reference_bias.R).

    References
    ----------
    .. [1] Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for meta-analysis.
       Research Synthesis Methods 1(2):112-125. https://doi.org/10.1002/jrsm.11

    Examples
    --------
    >>> res = influence([0.1, 0.5, 0.9, 0.4], [0.01, 0.01, 0.01, 0.02], method="DL")
    >>> [round(h, 4) for h in res.hat]  # R: influence(rma(yi, vi, method="DL"))$inf$hat
    [0.2547, 0.2547, 0.2547, 0.2358]
    """
    check_choice("method", method, METHODS, owner="influence")
    y, v = validated(yi, vi)
    k = y.size
    names = study_labels(labels, k)
    least = 2 if method in ("EE", "FE") else 3
    if k < least:
        raise InputError(f"influence diagnostics ({method}) need at least {least} studies", field="yi", value=k)
    full = random_effects(y, v, method=method, test=test, level=level, control=control)
    w = 1 / (v + full.tau2)
    hat = w / w.sum()
    vb = full.se**2
    columns: dict[str, list[float]] = {f: [] for f in _INFLUENCE_FIELDS}
    keep = ~np.eye(k, dtype=bool)
    for i in range(k):
        fit = random_effects(y[keep[i]], v[keep[i]], method=method, test=test, level=level, control=control)
        w_del = 1 / (v[keep[i]] + fit.tau2)
        # Knapp-Hartung factor of the refit (metafor's s2w); exactly 1 for z tests.
        s2w = 1.0 if fit.test == "z" else fit.se**2 * float(w_del.sum())
        delta = full.estimate - fit.estimate
        resid = y[i] - fit.estimate
        # metafor zeroes residuals at rounding level, so identical studies get rstudent 0, not noise.
        resid = 0.0 if abs(resid) < 100 * np.finfo(np.float64).eps else resid
        columns["rstudent"].append(resid / math.sqrt(s2w * (v[i] + fit.tau2) + fit.se**2))
        columns["dffits"].append(delta / math.sqrt(s2w * hat[i] * (fit.tau2 + v[i])))
        columns["cook_d"].append(delta**2 / vb)
        columns["cov_r"].append(fit.se**2 / vb)
        columns["tau2_del"].append(fit.tau2)
        columns["QE_del"].append(fit.Q)
        columns["hat"].append(float(hat[i]))
        columns["weight"].append(float(100 * hat[i]))
        columns["dfbetas"].append(delta / math.sqrt(s2w / float(np.sum(1 / (v + fit.tau2)))))
    flags = (
        (np.abs(columns["dffits"]) > 3 * math.sqrt(1 / (k - 1)))
        | (stats.chi2.cdf(columns["cook_d"], 1) > 0.5)
        | (np.asarray(columns["hat"]) > 3 / k)
        | (np.abs(columns["dfbetas"]) > 1)
    )
    return InfluenceResult(
        labels=names,
        **{f: tuple(float(x) for x in values) for f, values in columns.items()},
        influential=tuple(bool(f) for f in flags),
        method=full.method,
        test=full.test,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class CumulativeResult(FitSequence):
    """The model refitted on the first 1, 2, ..., k studies (metafor's ``cumul``), in cumulative
    order; ``labels`` names the study added at each step. Fields as :class:`FitSequence`."""

    label_column: ClassVar[str] = "added"


def cumulative(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    order: ArrayLike | None = None,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    labels: Sequence[str] | None = None,
) -> CumulativeResult:
    """Cumulative meta-analysis [1]_: refit :func:`random_effects` adding one study at a time.

    Parameters
    ----------
    yi, vi, method, test, level, control, labels
        As for :func:`random_effects`.
    order : array_like, optional
        Sort keys, one per study (e.g. publication year): studies enter in increasing order, ties in
        the order given (metafor's ``cumul(res, order=...)``). Default: the order given.

    Returns
    -------
    CumulativeResult
        One value per step for each statistic, and the label of the study added at each step.

    Notes
    -----
    A refit that does not converge gives a row of NaN and a warning naming it, as metafor's
    ``cumul``. The first step holds one study; as metafor, it is reported as that study alone (estimate
    ``yi``, SE ``sqrt(vi)``, z test, tau^2 = 0, Q = 0, I^2 = 0, H^2 = 1) whatever the method.

    Checked against metafor 3.8-1 ``cumul(rma(yi, vi, method=, test=))`` on dat.bcg (REML, DL, FE; z
    and knha; as given and by year) (tests/meta/test_influence.py, fixtures by
    tools/metafor_reference_bias.R).

    References
    ----------
    .. [1] Lau J, Schmid CH, Chalmers TC (1995). Cumulative meta-analysis of clinical trials builds
       evidence for exemplary medical care. Journal of Clinical Epidemiology 48(1):45-57.
       https://doi.org/10.1016/0895-4356(94)00106-Z

    Examples
    --------
    >>> res = cumulative([0.1, 0.5, 0.9], [0.01, 0.01, 0.01], method="FE")
    >>> [round(e, 4) for e in res.estimate]  # R: cumul(rma(yi, vi, method="FE"))$estimate
    [0.1, 0.3, 0.5]
    """
    check_choice("method", method, METHODS, owner="cumulative")
    y, v = validated(yi, vi)
    k = y.size
    names = study_labels(labels, k)
    if order is not None:
        keys = as_column(order, "order", length=k)
        idx = np.argsort(keys, kind="stable")
        y, v, names = y[idx], v[idx], tuple(names[i] for i in idx)
    if k < 1:
        raise InputError("needs at least 1 study", field="yi", value=k)
    crit = float(stats.norm.isf((1 - level) / 2))
    se1 = math.sqrt(v[0])
    z1 = y[0] / se1
    # One study: no heterogeneity to estimate; metafor reports the study itself with a z test.
    steps = [
        {
            "estimate": float(y[0]),
            "se": se1,
            "zval": z1,
            "pval": float(2 * stats.norm.sf(abs(z1))),
            "ci_lb": float(y[0] - crit * se1),
            "ci_ub": float(y[0] + crit * se1),
            "Q": 0.0,
            "Q_pval": 1.0,
            "tau2": 0.0,
            "I2": 0.0,
            "H2": 1.0,
        }
    ]
    fits = refits(
        [partial(random_effects, y[:j], v[:j], method=method, test=test, level=level, control=control)
         for j in range(2, k + 1)],
        [f"with {name}" for name in names[1:]],
        what="cumulative",
    )  # fmt: skip
    later = fit_columns(fits)
    return CumulativeResult(
        labels=names,
        **{f: (steps[0][f], *later[f]) for f in FIT_FIELDS},
        method=method,
        test=test,
    )
