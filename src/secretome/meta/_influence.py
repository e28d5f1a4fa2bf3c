"""Influence diagnostics (metafor's ``influence``) and cumulative meta-analysis (metafor's ``cumul``)."""

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
from secretome.meta._diagnostics import FitSequence
from secretome.meta._meta_regression import meta_regression
from secretome.meta._missing import NO_STUDY
from secretome.meta._random_effects import METHODS, ModelMethod, random_effects
from secretome.meta._refits import fit_columns, refits
from secretome.meta._regression_design import model_matrix
from secretome.meta._tau2 import model_inputs

__all__ = ["CumulativeResult", "InfluenceResult", "cumulative", "influence"]

_INFLUENCE_FIELDS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight")


@dataclasses.dataclass(frozen=True, slots=True)
class InfluenceResult(Result):
    """Case diagnostics of a pooled model or a meta-regression, one value per study (metafor's ``influence``).

    Attributes
    ----------
    labels : tuple of str
        Study labels.
    coef_names : tuple of str
        The model's coefficients (``intrcpt`` alone for a model without moderators).
    rstudent : tuple of float
        Externally standardised residuals: the study against the model fitted without it.
    dffits : tuple of float
        Change in the fitted value when the study is left out, in standard-error units.
    cook_d : tuple of float
        Cook's distance.
    cov_r : tuple of float
        Covariance ratio: generalised variance of the coefficients without the study over that with it.
    tau2_del, QE_del : tuple of float
        tau^2 and Cochran's Q (the residual QE of a meta-regression) of the model fitted without the study.
    hat : tuple of float
        Leverage (diagonal of the hat matrix).
    weight : tuple of float
        Model weight in percent.
    dfbetas : tuple of tuple of float
        For each coefficient (in ``coef_names`` order), the change in it when the study is left out, in
        standard-error units: ``dfbetas[j][i]``.
    influential : tuple of bool
        metafor's flag (``*``): ``|dffits| > 3 sqrt(p/(k - p))``, ``P(chi2_p <= cook_d) > 0.5``,
        ``hat > 3p/k`` or any ``|dfbetas| > 1``, with ``p`` coefficients.
    method, test : str
        The model's estimator and test.

    A refit without a study that stops (it does not converge, or tau^2 = 0 meets a sampling variance of 0), or in
    which a coefficient is not estimable (the study was the only one with a level of a factor), is NaN in every
    column but ``hat`` and ``weight``.
    """

    labels: tuple[str, ...]
    coef_names: tuple[str, ...]
    rstudent: tuple[float, ...]
    dffits: tuple[float, ...]
    cook_d: tuple[float, ...]
    cov_r: tuple[float, ...]
    tau2_del: tuple[float, ...]
    QE_del: tuple[float, ...]
    hat: tuple[float, ...]
    weight: tuple[float, ...]
    dfbetas: tuple[tuple[float, ...], ...]
    influential: tuple[bool, ...]
    method: str
    test: str

    def to_frame(self) -> pd.DataFrame:
        """One row per study: the columns metafor prints, ``dfbetas_<coefficient>`` and ``inf`` (``"*"`` when
        influential)."""
        columns = {f: getattr(self, f) for f in _INFLUENCE_FIELDS}
        dfbetas = {f"dfbetas_{name}": d for name, d in zip(self.coef_names, self.dfbetas, strict=True)}
        inf = ["*" if f else "" for f in self.influential]
        return pd.DataFrame({"study": self.labels, **columns, **dfbetas, "inf": inf})

    def summary(self) -> str:
        """The table of ``print(influence(res))`` (4 decimals; NA for a refit that failed)."""
        return self.to_frame().to_string(index=False, na_rep="NA", float_format=lambda x: f"{x:.4f}")


def influence(
    yi: ArrayLike,
    vi: ArrayLike,
    mods: ArrayLike | pd.DataFrame | None = None,
    *,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    names: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
) -> InfluenceResult:
    r"""Outlier and influence diagnostics [1]_ of a model without moderators or of a meta-regression.

    Parameters are those of :func:`random_effects`, or with *mods* (and their *names*) those of
    :func:`meta_regression`. Without moderators k >= 2 studies are needed (with k = 2 each refit is one
    study, tau^2 = 0, as metafor's ``influence``; one study stops in metafor's words, "Stopped because
    k = 1."). With p coefficients and k = p + 1 studies every random-effects refit stops (p = k), so
    every row is NaN but hat and weight, as metafor's NA, with a warning; an EE/FE model's refits are then
    the saturated fits (QE on 0 df) that metafor gives (three trials of dat.bcg with ablat;
    tools/metafor_reference_design_edges.R).

    Returns
    -------
    InfluenceResult
        ``rstudent``, ``dffits``, ``cook_d``, ``cov_r``, ``tau2_del``, ``QE_del``, ``hat``,
        ``weight`` and ``influential``, one value per study, and ``dfbetas`` per coefficient.

    Notes
    -----
    With the model matrix :math:`X` (row :math:`x_i`), the full model's weights
    :math:`W = \mathrm{diag}(1/(v_i + \hat\tau^2))`, coefficients :math:`b` with covariance :math:`V_b`
    (scaled by the Knapp-Hartung factor for ``test="knha"``), and the model refitted without study *i* giving
    :math:`b_{(i)}`, :math:`V_{(i)}`, :math:`\hat\tau^2_{(i)}` and Knapp-Hartung factor :math:`s^2_{(i)}`
    (1 for ``test="z"``), metafor 3.8 computes: hat :math:`h_i`, the diagonal of
    :math:`X(X'WX)^{-1}X'W`; rstudent :math:`(y_i - x_i b_{(i)})/\sqrt{s^2_{(i)}(v_i + \hat\tau^2_{(i)}) +
    x_i V_{(i)} x_i'}`; DFFITS :math:`x_i(b - b_{(i)})/\sqrt{s^2_{(i)} h_i (v_i + \hat\tau^2_{(i)})}`;
    DFBETAS :math:`(b - b_{(i)})` over :math:`\sqrt{s^2_{(i)}\,\mathrm{diag}((X'W_{(i)}X)^{-1})}` with
    :math:`W_{(i)} = \mathrm{diag}(1/(v_j + \hat\tau^2_{(i)}))` over all k; Cook's distance
    :math:`(b - b_{(i)})'V_b^{-1}(b - b_{(i)})`; COVRATIO :math:`\det V_{(i)}/\det V_b`. A refit that stops
    (it does not converge, or tau^2 = 0 meets a sampling variance of 0), or leaves a coefficient inestimable, is
    a row of NaN with a warning naming it, as metafor's NA (its ``try()``).
    A sampling variance of 0 is taken as :func:`random_effects` takes it: the model on all studies fits it (with
    its warnings, once) or stops, as metafor's ``rma``; QE_del is NaN for a refit that still holds it.

    Checked against metafor 3.8-1 ``influence(rma(yi, vi, method=, test=))`` on dat.bcg (REML, DL, FE;
    z and knha) and dat.normand1999 (tests/meta/test_influence.py, fixtures by
    tools/metafor_reference_bias.R), and ``influence(rma(yi, vi, mods=, method=, test=))`` on
    dat.viechtbauer2021 (dose as a number: REML, DL with z and knha, FE; as a factor, with NA rows) and
    dat.laopaiboon2015 (age group and diagnosis: REML, DL, ML with knha) (tests/meta/test_influence.py,
    fixtures by tools/metafor_reference_influence_mods.R); with a sampling variance of 0 on dat.bcg (trial 3;
    REML, z and knha; tools/metafor_reference_vi_zero_diagnostics.R), and on a constructed set whose refit
    without study 4 stops (REML, ML, SJ; z and knha; tools/metafor_reference_refit_errors.R).

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
    # A sampling variance of 0 is for the model on all studies to fit (with its warnings) or refuse, as metafor's rma.
    y, v, _ = model_inputs(yi, vi)
    k = y.size
    study = study_labels(labels, k)
    if k < 2:  # metafor's words; with k = 2 a refit of one study is that study (tau^2 = 0), as metafor's
        raise InputError("Stopped because k = 1.", field="yi", value=k)
    x, coef_names = model_matrix(mods, k, names)
    p = x.shape[1]
    options = {"method": method, "test": test, "level": level, "control": control}
    full = _fit(y, v, x, coef_names, **options)
    w = 1 / (v + full.tau2)
    xtwx_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    hat = np.einsum("ij,jk,ik->i", x, xtwx_inv, x) * w
    keep = ~np.eye(k, dtype=bool)
    # metafor skips a refit in which a coefficient is inestimable (its coef.na): NA, not a dropped column.
    estimable = [np.linalg.matrix_rank(x[keep[i]]) == p for i in range(k)]
    if not all(estimable):
        lost = ", ".join(study[i] for i in range(k) if not estimable[i])
        warnings.warn(
            f"influence: without {lost} a coefficient is not estimable; their rows are NA (as metafor's)",
            SecretomeWarning,
            stacklevel=2,
        )
    tried = [i for i in range(k) if estimable[i]]
    done = refits(
        [partial(_fit, y[keep[i]], v[keep[i]], x[keep[i]], coef_names, **options) for i in tried],
        [f"without {study[i]}" for i in tried],
        what="influence",
    )  # fmt: skip
    fits: list[_Fit | None] = [None] * k
    for i, fit in zip(tried, done, strict=True):
        fits[i] = fit
    columns = {f: np.full(k, np.nan) for f in _INFLUENCE_FIELDS}
    dfbetas = np.full((p, k), np.nan)
    log_det = np.linalg.slogdet(full.vcov)[1]
    vb_inv = np.linalg.inv(full.vcov)
    for i, fit in enumerate(fits):
        if fit is None:
            continue
        delta = full.beta - fit.beta
        resid = y[i] - float(x[i] @ fit.beta)
        # metafor zeroes residuals at rounding level, so identical studies get rstudent 0, not noise.
        resid = 0.0 if abs(resid) < 100 * np.finfo(np.float64).eps else resid
        var_del = fit.tau2 + v[i]
        columns["rstudent"][i] = resid / math.sqrt(fit.s2w * var_del + float(x[i] @ fit.vcov @ x[i]))
        columns["dffits"][i] = float(x[i] @ delta) / math.sqrt(fit.s2w * hat[i] * var_del)
        columns["cook_d"][i] = float(delta @ vb_inv @ delta)
        columns["cov_r"][i] = math.exp(np.linalg.slogdet(fit.vcov)[1] - log_det)
        columns["tau2_del"][i] = fit.tau2
        columns["QE_del"][i] = fit.QE
        w_del = 1 / (v + fit.tau2)
        unscaled = np.diag(np.linalg.inv(x.T @ (w_del[:, None] * x)))
        dfbetas[:, i] = delta / np.sqrt(fit.s2w * unscaled)
    columns["hat"] = hat
    columns["weight"] = 100 * w / w.sum()
    # NaN compares False, as metafor's NA | FALSE is not flagged while NA | TRUE is.
    with np.errstate(invalid="ignore"):
        flags = (
            (np.abs(columns["dffits"]) > 3 * math.sqrt(p / (k - p)))
            | (scipy.stats.chi2.cdf(columns["cook_d"], p) > 0.5)
            | (hat > 3 * p / k)
            | (np.abs(dfbetas) > 1).any(axis=0)
        )
    return InfluenceResult(
        labels=study,
        coef_names=coef_names,
        **{f: tuple(float(x) for x in values) for f, values in columns.items()},
        dfbetas=tuple(tuple(float(d) for d in row) for row in dfbetas),
        influential=tuple(bool(f) for f in flags),
        method=full.method,
        test=full.test,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Fit:
    """What the influence diagnostics need of a fitted model (the full one, or one refitted without a study)."""

    beta: np.ndarray
    vcov: np.ndarray
    tau2: float
    QE: float
    s2w: float
    method: str
    test: str


def _fit(
    y: np.ndarray,
    v: np.ndarray,
    x: np.ndarray,
    coef_names: tuple[str, ...],
    *,
    method: ModelMethod,
    test: Literal["z", "knha"],
    level: float,
    control: Mapping[str, object] | None,
) -> _Fit:
    """The model on these studies: :func:`random_effects` for the intercept alone, else :func:`meta_regression`."""
    if x.shape[1] == 1:
        re = random_effects(y, v, method=method, test=test, level=level, control=control)
        beta, vcov, tau2, qe = np.array([re.estimate]), np.array([[re.se**2]]), re.tau2, re.Q
        fit_method, fit_test = re.method, re.test
    else:
        mr = meta_regression(y, v, x[:, 1:], method=method, test=test, level=level, control=control,
                             names=coef_names[1:])  # fmt: skip
        beta, vcov, tau2, qe = np.array(mr.beta), np.array(mr.vcov), mr.tau2, mr.QE
        fit_method, fit_test = mr.method, mr.test
    # The Knapp-Hartung factor (metafor's s2w): the covariance over that of the inverse-variance fit; 1 for z.
    s2w = 1.0
    if fit_test != "z":
        w = 1 / (v + tau2)
        s2w = float(vcov[0, 0] / np.linalg.inv(x.T @ (w[:, None] * x))[0, 0])
    return _Fit(beta, vcov, tau2, math.nan if qe is None else float(qe), s2w, fit_method, fit_test)


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
    A step whose fit stops (it does not converge, or tau^2 = 0 meets a sampling variance of 0: the weight
    1/0) gives a row of NaN and a warning naming it, as metafor's ``cumul`` (its ``try()``). The first step
    holds one study; as metafor, it is that study alone (estimate ``yi``, SE ``sqrt(vi)``, z test,
    tau^2 = 0, Q = 0, I^2 = 0, H^2 = 1) whatever the method, and NaN if its variance is 0. A sampling
    variance of 0 is taken as :func:`random_effects` takes it: the model on all studies warns (once) or
    stops as metafor's ``rma``, and the steps that hold the study have Q, I^2 and H^2 NaN (metafor's NA).

    Checked against metafor 3.8-1 ``cumul(rma(yi, vi, method=, test=))`` on dat.bcg (REML, DL, FE; z
    and knha; as given and by year) (tests/meta/test_influence.py, fixtures by
    tools/metafor_reference_bias.R), and with a sampling variance of 0 (dat.bcg with trial 3 or trial 1 at 0,
    REML, HE, DL, FE; and a constructed set whose steps 2 and 3 stop, REML, ML, SJ; z and knha;
    tools/metafor_reference_refit_errors.R).

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
    y, v, _ = model_inputs(yi, vi)
    k = y.size
    names = study_labels(labels, k)
    if k < 1:
        raise InputError(NO_STUDY, field="yi", value=k)  # from rma(), which metafor's cumul() starts with
    if not v.all():
        # metafor's cumul starts from the model on all studies: with a sampling variance of 0 that model warns
        # (once, not per step), or stops (DL, or tau^2 = 0 and a weight 1/0), and so does the analysis.
        random_effects(yi, vi, method=method, test=test, level=level, control=control)
    if order is not None:
        keys = as_column(order, "order", length=k)
        idx = np.argsort(keys, kind="stable")
        y, v, names = y[idx], v[idx], tuple(names[i] for i in idx)
    # Every step is a fit of the first j studies, the first (one study: tau^2 = 0, z test) included, as metafor's.
    fits = refits(
        [partial(random_effects, y[:j], v[:j], method=method, test=test, level=level, control=control)
         for j in range(1, k + 1)],
        [f"with {name}" for name in names],
        what="cumulative",
    )  # fmt: skip
    return CumulativeResult(
        labels=names,
        **fit_columns(fits),
        method=method,
        test=test,
    )
