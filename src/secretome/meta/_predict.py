"""Predictions for new moderator values and per study: metafor's ``predict``, ``blup`` and ``ranef``."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray, as_column, check_level
from secretome.meta._fitted_model import Fit, FittedModel, Multilevel, fitted_model
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, marginal_model

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TRANSFORMS", "BlupResult", "MultilevelRanefResult", "PredictionResult", "blup", "predict", "ranef"]

# metafor's transf.* functions by the name a reviewer would give on the command line.
_TRANSFORMS: dict[str, Callable[[FloatArray], FloatArray]] = {
    "exp": np.exp,  # log ratios (OR, RR, ROM, IRR) to ratios
    "ilogit": lambda y: 1 / (1 + np.exp(-y)),  # transf.ilogit: logit proportions (PLO) to proportions
    "ztor": np.tanh,  # transf.ztor: Fisher's z (ZCOR) to correlations
    "iarcsin": lambda y: np.sin(np.clip(y, 0, math.pi / 2)) ** 2,  # transf.iarcsin (PAS)
}
TRANSFORMS: tuple[str, ...] = tuple(_TRANSFORMS)
"""Back-transformations known by name (``transf="exp"``): ``exp``, ``ilogit``, ``ztor``, ``iarcsin``."""

Transform = Literal["exp", "ilogit", "ztor", "iarcsin"] | Callable[[float], float] | None


@dataclasses.dataclass(frozen=True, slots=True)
class PredictionResult(Result):
    """Predicted average effects at given moderator values (metafor's ``predict.rma``).

    Attributes
    ----------
    labels : tuple of str
        One per prediction: the study labels for the fitted values, else ``"1"``, ``"2"``, ...
    x : tuple of tuple of float
        The rows of the model matrix predicted at (intercept first; metafor's ``addx = TRUE``).
    coef_names : tuple of str
        The names of those columns.
    pred, ci_lb, ci_ub : tuple of float
        The predicted average effect and its confidence interval (back-transformed when ``transf``).
    se : tuple of float or None
        Its standard error (``None`` after a back-transformation, as metafor gives NA).
    pi_lb, pi_ub : tuple of float or None
        The prediction interval for the true effect of a new study with those values
        (``None`` for EE/FE models).
    transf : str or None
        The back-transformation applied (``"exp"``, ..., ``"custom"`` for a function), or ``None``.
    level : float
        The level of the intervals.
    test : str
        ``"z"``, or ``"knha"`` (t on ``df`` degrees of freedom).
    df : int or None
        The df of the t distribution (``k - p``) for knha.
    """

    labels: tuple[str, ...]
    x: tuple[tuple[float, ...], ...]
    coef_names: tuple[str, ...]
    pred: tuple[float, ...]
    se: tuple[float, ...] | None
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    pi_lb: tuple[float, ...] | None
    pi_ub: tuple[float, ...] | None
    transf: str | None
    level: float
    test: str
    df: int | None

    def to_frame(self) -> pd.DataFrame:
        """One row per prediction: ``label``, the moderator values, ``pred``, ``se``, ``ci_lb``, ... ``pi_ub``."""
        import pandas as pd

        frame = pd.DataFrame({"label": self.labels})
        for j, name in enumerate(self.coef_names[1:], start=1):
            frame[name] = [row[j] for row in self.x]
        for field in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
            values = getattr(self, field)
            if values is not None:
                frame[field] = values
        return frame

    def summary(self) -> str:
        """A table laid out like metafor's ``print(predict(res))``: one row per prediction."""
        columns: dict[str, tuple[float, ...] | None] = {
            "pred": self.pred,
            "se": self.se,
            "ci.lb": self.ci_lb,
            "ci.ub": self.ci_ub,
            "pi.lb": self.pi_lb,
            "pi.ub": self.pi_ub,
        }
        table = _table(self.labels, columns)
        return table + ("" if self.transf is None else f"\nnote: back-transformed with {self.transf}")


@dataclasses.dataclass(frozen=True, slots=True)
class BlupResult(Result):
    """Study-level predictions of a random-effects model (metafor's ``blup.rma.uni`` or ``ranef.rma.uni``).

    Attributes
    ----------
    kind : str
        ``"blup"``: best linear unbiased predictions of each study's true effect
        (fixed part plus random effect); ``"ranef"``: the random effects alone.
    labels : tuple of str
        The study labels.
    pred : tuple of float
        The predictions (back-transformed when ``transf``).
    se : tuple of float or None
        Their standard errors (``None`` after a back-transformation).
    pi_lb, pi_ub : tuple of float
        Prediction intervals at ``level``.
    transf : str or None
        The back-transformation applied, or ``None``.
    level : float
        The level of the intervals.
    """

    kind: str
    labels: tuple[str, ...]
    pred: tuple[float, ...]
    se: tuple[float, ...] | None
    pi_lb: tuple[float, ...]
    pi_ub: tuple[float, ...]
    transf: str | None
    level: float

    def to_frame(self) -> pd.DataFrame:
        """One row per study: ``label``, ``pred``, ``se`` (unless back-transformed), ``pi_lb``, ``pi_ub``."""
        import pandas as pd

        columns = {"pred": self.pred, "se": self.se, "pi_lb": self.pi_lb, "pi_ub": self.pi_ub}
        return pd.DataFrame({"label": self.labels, **{k: v for k, v in columns.items() if v is not None}})

    def summary(self) -> str:
        """A table laid out like metafor's ``print(blup(res))`` (or ``ranef``): one row per study."""
        columns = {"pred": self.pred, "se": self.se, "pi.lb": self.pi_lb, "pi.ub": self.pi_ub}
        table = _table(self.labels, columns)
        return table + ("" if self.transf is None else f"\nnote: back-transformed with {self.transf}")


@dataclasses.dataclass(frozen=True, slots=True)
class MultilevelRanefResult(Result):
    """The random effects of each level of each factor of a multilevel model (metafor's ``ranef.rma.mv``).

    Attributes
    ----------
    factors : tuple of str
        The factors (``district``, ``district/school``).
    levels : tuple of tuple of str
        Per factor, its levels in order of first appearance (nested labels joined by ``/``).
    pred, se, pi_lb, pi_ub : tuple of tuple of float
        Per factor and level: the predicted random effect, its SE and prediction interval.
    level : float
        The level of the intervals.
    """

    factors: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    pred: tuple[tuple[float, ...], ...]
    se: tuple[tuple[float, ...], ...]
    pi_lb: tuple[tuple[float, ...], ...]
    pi_ub: tuple[tuple[float, ...], ...]
    level: float

    def to_frame(self) -> pd.DataFrame:
        """One row per level of each factor: ``factor``, ``level``, ``pred``, ``se``, ``pi_lb``, ``pi_ub``."""
        import pandas as pd

        rows = [
            (factor, name, *(getattr(self, f)[j][i] for f in ("pred", "se", "pi_lb", "pi_ub")))
            for j, factor in enumerate(self.factors)
            for i, name in enumerate(self.levels[j])
        ]
        return pd.DataFrame(rows, columns=["factor", "level", "pred", "se", "pi_lb", "pi_ub"])

    def summary(self) -> str:
        """One table per factor, as metafor's ``print(ranef(res))``."""
        blocks = []
        for j, factor in enumerate(self.factors):
            columns = {"intrcpt": self.pred[j], "se": self.se[j], "pi.lb": self.pi_lb[j], "pi.ub": self.pi_ub[j]}
            blocks.append(f"${factor}\n\n{_table(self.levels[j], columns)}")
        return "\n\n".join(blocks)


def predict(
    fit: Fit | Multilevel,
    newmods: ArrayLike | Mapping[str, float | Sequence[float]] | None = None,
    *,
    transf: Transform = None,
    level: float | None = None,
) -> PredictionResult:
    r"""Predicted average effect at moderator values *newmods*, as metafor's ``predict.rma``.

    Parameters
    ----------
    fit : RandomEffectsResult, MetaRegressionResult, MultilevelResult or MultilevelRegressionResult
        The fitted model.
    newmods : mapping, array_like or None
        The moderator values (without the intercept, which is added). A mapping gives each
        moderator by name (``{"ablat": [10, 30], "year": 1970}``; a single value is used for
        every row); an array gives one row per prediction in the order of ``coef_names[1:]``
        (a 1-D array is one row, or, with one moderator, one value per prediction). ``None``:
        the fitted value of each study (of a random-effects model: the pooled estimate).
    transf : str or callable, optional
        Back-transformation of the predictions and the bounds: ``"exp"`` (log ratios),
        ``"ilogit"``, ``"ztor"``, ``"iarcsin"`` (metafor's ``transf.*``) or a function of one
        value. The SE is then not given, as metafor.
    level : float, optional
        Level of the intervals (default: the model's).

    Returns
    -------
    PredictionResult
        ``labels``, ``x``, ``coef_names``, ``pred``, ``se``, ``ci_lb``, ``ci_ub``, ``pi_lb``,
        ``pi_ub``, ``transf``, ``level``, ``test``, ``df``.

    Raises
    ------
    InputError
        New moderator values for a model without moderators, a moderator missing or unknown, a
        value that is not a number, the wrong number of columns, an unknown *transf*.

    Notes
    -----
    For a row :math:`x` of the model matrix, :math:`\hat\mu = x'\hat\beta` with
    :math:`SE = \sqrt{x'\mathrm{Var}(\hat\beta)x}`, the CI :math:`\hat\mu \pm c\,SE` and the
    prediction interval :math:`\hat\mu \pm c\sqrt{SE^2 + \hat\tau^2}` [1]_ (of a multilevel model:
    :math:`\hat\tau^2` is the sum of its sigma^2, as metafor's ``predict.rma.mv``), where c is the
    normal quantile, or that of t on ``k - p`` df for knha (Knapp-Hartung scaled variance) and t. Bounds are
    transformed and then sorted (a decreasing transformation swaps them), as metafor.

    Checked against metafor 3.8-1 ``predict(res, newmods =, transf =)`` on dat.raudenbush1985
    (``~ weeks.c``; REML z and knha, FE; fitted values), dat.curtis1998 (ROM ``~ time + method``,
    REML, DL with knha, ``transf = exp``), dat.li2007 (log OR without moderators: REML, PM with
    knha, EE) and three-level models of dat.konstantopoulos2011 (``~ 1 | district/school``, with
    and without the year; REML z and t, ML) to 1e-6 (tests/meta/test_predict.py, fixtures by
    tools/metafor_reference_predict.R).

    References
    ----------
    .. [1] Riley RD, Higgins JPT, Deeks JJ (2011). Interpretation of random effects meta-analyses.
       BMJ 342:d549. https://doi.org/10.1136/bmj.d549

    Examples
    --------
    >>> from secretome.meta import meta_regression
    >>> res = meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0],
    ...                       method="DL", names=["year"])
    >>> [round(p, 4) for p in predict(res, {"year": [0.0, 5.0]}).pred]  # R: -0.1363636 + 0.2227273 * year
    [-0.1364, 0.9773]
    """
    model = fitted_model(fit, multilevel=True)
    level = model.level if level is None else level
    check_level(level)
    transform, transf_name = _transform(transf)
    x_new, labels = _new_rows(model, newmods)
    pred = x_new @ model.beta
    var = np.einsum("ij,jk,ik->i", x_new, model.vb, x_new)
    se = np.sqrt(np.maximum(var, 0.0))
    crit = model.crit(level)
    ci_lb, ci_ub = pred - crit * se, pred + crit * se
    pi: tuple[FloatArray, FloatArray] | None = None
    if model.is_random:
        half = crit * np.sqrt(var + model.tau2)
        pi = (pred - half, pred + half)
    if transform is not None:
        pred, ci_lb, ci_ub = transform(pred), transform(ci_lb), transform(ci_ub)
        pi = None if pi is None else (transform(pi[0]), transform(pi[1]))
    ci_lb, ci_ub = np.minimum(ci_lb, ci_ub), np.maximum(ci_lb, ci_ub)
    if pi is not None:
        pi = (np.minimum(*pi), np.maximum(*pi))
    return PredictionResult(
        labels=labels,
        x=tuple(tuple(float(a) for a in row) for row in x_new),
        coef_names=model.coef_names,
        pred=_floats(pred),
        se=None if transform is not None else _floats(se),
        ci_lb=_floats(ci_lb),
        ci_ub=_floats(ci_ub),
        pi_lb=None if pi is None else _floats(pi[0]),
        pi_ub=None if pi is None else _floats(pi[1]),
        transf=transf_name,
        level=level,
        test=model.test,
        df=model.df,
    )


def blup(fit: Fit, *, transf: Transform = None, level: float | None = None) -> BlupResult:
    r"""Best linear unbiased predictions of each study's true effect, as metafor's ``blup.rma.uni``.

    Parameters
    ----------
    fit : RandomEffectsResult or MetaRegressionResult
        The fitted model (for EE/FE models tau^2 = 0, so the predictions are the fitted values).
    transf : str or callable, optional
        Back-transformation, as in :func:`predict`.
    level : float, optional
        Level of the prediction intervals (default: the model's).

    Returns
    -------
    BlupResult
        ``kind`` (``"blup"``), ``labels``, ``pred``, ``se``, ``pi_lb``, ``pi_ub``, ``transf``, ``level``.

    Notes
    -----
    With the shrinkage factor :math:`\lambda_i = \hat\tau^2/(\hat\tau^2 + v_i)`, the BLUP is
    :math:`\lambda_i y_i + (1-\lambda_i)x_i'\hat\beta` with variance
    :math:`\lambda_i v_i + (1-\lambda_i)^2 x_i'\mathrm{Var}(\hat\beta)x_i` [1]_ [2]_; the interval is
    the BLUP :math:`\pm c\,SE` with the model's critical value (t on ``k - p`` df for knha).
    Checked against metafor 3.8-1 ``blup(res)`` on dat.raudenbush1985 (REML with and without
    ``~ weeks.c``, DL with knha, FE), dat.curtis1998 (REML, knha) and dat.li2007 (``transf = exp``)
    to 1e-6 (tests/meta/test_predict.py).

    References
    ----------
    .. [1] Raudenbush SW, Bryk AS (1985). Empirical Bayes meta-analysis. Journal of Educational
       Statistics 10(2):75-98. https://doi.org/10.3102/10769986010002075
    .. [2] Robinson GK (1991). That BLUP is a good thing: the estimation of random effects.
       Statistical Science 6(1):15-32. https://doi.org/10.1214/ss/1177011926

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> res = blup(random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]))
    >>> [round(p, 4) for p in res.pred]  # tau^2 = 0.15: each study shrunk 1/16 of the way to 0.5
    [0.125, 0.5, 0.875]
    """
    return _study_predictions(fit, "blup", transf, level)


def ranef(
    fit: Fit | Multilevel, *, transf: Transform = None, level: float | None = None
) -> BlupResult | MultilevelRanefResult:
    r"""Best linear unbiased predictions of the random effects, as metafor's ``ranef``.

    Parameters and result as :func:`blup` (``kind`` is ``"ranef"``). The prediction is
    :math:`\lambda_i (y_i - x_i'\hat\beta)` with the variance metafor 3.8-1 computes,
    :math:`\lambda_i v_i + \lambda_i^2 x_i'\mathrm{Var}(\hat\beta)x_i`; for EE/FE models both are 0.
    Checked against metafor 3.8-1 ``ranef(res)`` on the cases of :func:`blup` to 1e-6
    (tests/meta/test_predict.py).

    For a multilevel model (no *transf*) the result is a :class:`MultilevelRanefResult`: per
    factor j with incidence matrix :math:`Z_j`, the effects
    :math:`\hat u_j = \sigma^2_j Z_j'M^{-1}(y - X\hat\beta)` with variance
    :math:`\sigma^2_j I - \sigma^4_j Z_j'M^{-1}(I - H)Z_j`, :math:`H = X(X'M^{-1}X)^{-1}X'M^{-1}`
    (metafor's ``ranef.rma.mv``), checked against it on dat.konstantopoulos2011
    (``~ 1 | district/school``; REML z and t with the year, ML) to 1e-6.

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> [round(p, 4) for p in ranef(random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01])).pred]
    [-0.375, 0.0, 0.375]
    """
    if isinstance(fit, MultilevelResult | MultilevelRegressionResult):
        if transf is not None:
            raise InputError("random effects of a multilevel model are not back-transformed", field="transf",
                             value=transf)  # fmt: skip
        return _multilevel_ranef(fit, fit.level if level is None else level)
    return _study_predictions(fit, "ranef", transf, level)


def _multilevel_ranef(fit: Multilevel, level: float) -> MultilevelRanefResult:
    check_level(level)
    model = marginal_model(fit)
    sigma2 = np.array(fit.sigma2)
    beta, _, m = model.gls(sigma2)
    w = np.linalg.inv(m)
    wx = w @ model.x
    hat = model.x @ np.linalg.solve(model.x.T @ wx, wx.T)  # H = X (X'WX)^-1 X'W
    we = w @ (model.y - model.x @ beta)
    crit = fitted_model(fit, multilevel=True).crit(level)
    out: dict[str, list[tuple[float, ...]]] = {"pred": [], "se": [], "pi_lb": [], "pi_ub": []}
    levels = []
    for j, z in enumerate(model.z):
        pred = sigma2[j] * (z.T @ we)
        pred[np.abs(pred) < 100 * np.finfo(np.float64).eps] = 0.0  # as metafor: rounding noise is 0
        wz = w @ z
        var = sigma2[j] - sigma2[j] ** 2 * np.einsum("ij,ij->j", wz, z - hat @ z)
        se = np.sqrt(np.maximum(var, 0.0))
        for key, values in (("pred", pred), ("se", se), ("pi_lb", pred - crit * se), ("pi_ub", pred + crit * se)):
            out[key].append(_floats(values))
        levels.append(tuple(dict.fromkeys(fit.groups[j])))
    return MultilevelRanefResult(
        factors=fit.factors,
        levels=tuple(levels),
        pred=tuple(out["pred"]),
        se=tuple(out["se"]),
        pi_lb=tuple(out["pi_lb"]),
        pi_ub=tuple(out["pi_ub"]),
        level=level,
    )


def _study_predictions(fit: Fit, kind: str, transf: Transform, level: float | None) -> BlupResult:
    model = fitted_model(fit)
    level = model.level if level is None else level
    check_level(level)
    transform, transf_name = _transform(transf)
    shrink = model.tau2 / (model.tau2 + model.v)
    xb = model.x @ model.beta
    fixed_var = np.einsum("ij,jk,ik->i", model.x, model.vb, model.x)
    if kind == "blup":
        pred = shrink * model.y + (1 - shrink) * xb
        var = shrink * model.v + (1 - shrink) ** 2 * fixed_var
    elif model.is_random:
        pred = shrink * (model.y - xb)
        var = shrink * model.v + shrink**2 * fixed_var
    else:  # metafor: an EE/FE model has no random effects, so 0 with SE 0
        pred = var = np.zeros(model.k)
    se = np.sqrt(var)
    crit = model.crit(level)
    lb, ub = pred - crit * se, pred + crit * se
    if transform is not None:
        pred, lb, ub = transform(pred), transform(lb), transform(ub)
    return BlupResult(
        kind=kind,
        labels=model.labels,
        pred=_floats(pred),
        se=None if transform is not None else _floats(se),
        pi_lb=_floats(np.minimum(lb, ub)),
        pi_ub=_floats(np.maximum(lb, ub)),
        transf=transf_name,
        level=level,
    )


def _transform(transf: Transform) -> tuple[Callable[[FloatArray], FloatArray] | None, str | None]:
    if transf is None:
        return None, None
    if callable(transf):
        function = transf
        return (lambda a: np.array([float(function(float(b))) for b in a])), "custom"
    check_choice("transf", transf, TRANSFORMS, owner="predict")
    return _TRANSFORMS[transf], transf


def _new_rows(
    model: FittedModel, newmods: ArrayLike | Mapping[str, float | Sequence[float]] | None
) -> tuple[FloatArray, tuple[str, ...]]:
    """The model-matrix rows to predict at, and their labels."""
    if newmods is None:
        if model.p == 1:
            return np.ones((1, 1)), ("1",)
        return model.x, model.labels
    names = model.coef_names[1:]
    if not names:
        raise InputError("Cannot specify new moderator values for models without moderators.", field="newmods")
    if isinstance(newmods, Mapping):
        unknown = [str(n) for n in newmods if n not in names]
        if unknown:
            raise InputError(f"no such moderator; the moderators are {', '.join(names)}", field="newmods",
                             value=unknown[0])  # fmt: skip
        missing = [n for n in names if n not in newmods]
        if missing:
            raise InputError(f"gives no value for {', '.join(missing)}", field="newmods")
        columns = [np.atleast_1d(np.asarray(newmods[n], dtype=object)) for n in names]
        rows = max(c.size for c in columns)
        for name, c in zip(names, columns, strict=True):
            if c.ndim != 1 or c.size not in (1, rows):
                raise InputError(f"has {c.size} values where the others have {rows}", field=f"newmods[{name!r}]")
        raw = np.column_stack([np.resize(c, rows) for c in columns])
    else:
        raw = np.asarray(newmods, dtype=object)
        if raw.ndim == 0:
            raw = raw.reshape(1, 1)
        elif raw.ndim == 1:
            # metafor: with one moderator a vector is one value per prediction, else one row.
            raw = raw.reshape(-1, 1) if len(names) == 1 else raw.reshape(1, -1)
        if raw.ndim != 2 or raw.shape[1] != len(names):
            raise InputError(f"needs {len(names)} columns ({', '.join(names)}); got shape {raw.shape}", field="newmods")
    values = [as_column(raw[:, j], f"newmods[{names[j]!r}]") for j in range(len(names))]
    x_new = np.column_stack([np.ones(raw.shape[0]), *values])
    return x_new, tuple(str(i) for i in range(1, x_new.shape[0] + 1))


def _floats(a: FloatArray) -> tuple[float, ...]:
    return tuple(float(b) for b in a)


def _table(labels: tuple[str, ...], columns: Mapping[str, tuple[float, ...] | None]) -> str:
    shown = {name: values for name, values in columns.items() if values is not None}
    header = ["", *shown]
    rows = [[label, *(f"{values[i]:.4f}" for values in shown.values())] for i, label in enumerate(labels)]
    widths = [max(len(r[j]) for r in [header, *rows]) for j in range(len(header))]
    return "\n".join(
        "  ".join([r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))]).rstrip()
        for r in [header, *rows]
    )
