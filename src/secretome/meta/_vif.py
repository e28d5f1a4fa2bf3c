"""Variance inflation factors of the coefficients of a meta-regression, as metafor's ``vif.rma``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from secretome._result import Result
from secretome.errors import InputError
from secretome.meta._fitted_model import coefficient_positions, fitted_model
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult

__all__ = ["VifResult", "vif"]


@dataclasses.dataclass(frozen=True, slots=True)
class VifResult(Result):
    """(Generalised) variance inflation factors (metafor's ``vif``).

    Attributes
    ----------
    sets : tuple of tuple of str
        The coefficients of each factor: one name for a VIF, several for a generalised VIF.
    vif : tuple of float
        VIF (one coefficient) or GVIF (a set) of each: how much larger the (generalised) variance
        is than it would be were the set uncorrelated with the other moderators.
    sif : tuple of float
        The (generalised) standard-error inflation factor, ``vif ** (1 / (2 m))`` for a set of m.
    """

    sets: tuple[tuple[str, ...], ...]
    vif: tuple[float, ...]
    sif: tuple[float, ...]

    def summary(self) -> str:
        """One row per coefficient or set, as metafor's ``print(vif(res))`` (with SIF beside)."""
        names = [", ".join(s) for s in self.sets]
        single = all(len(s) == 1 for s in self.sets)
        header = ("", "vif" if single else "(g)vif", "sif" if single else "(g)sif")
        rows = [header, *((n, f"{v:.4f}", f"{s:.4f}") for n, v, s in zip(names, self.vif, self.sif, strict=True))]
        widths = [max(len(r[j]) for r in rows) for j in range(3)]
        return "\n".join("  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].rjust(widths[2])]) for r in rows)


def vif(
    fit: MetaRegressionResult | MultilevelRegressionResult | RandomEffectsResult | MultilevelResult,
    *,
    btt: Sequence[Sequence[int | str] | int | str] | None = None,
) -> VifResult:
    r"""Variance inflation factors of the moderators, as metafor's ``vif.rma`` (its default, ``sim = FALSE``).

    Parameters
    ----------
    fit : MetaRegressionResult or MultilevelRegressionResult
        The meta-regression (also a multilevel one); a model without moderators stops, as metafor's.
    btt : sequence, optional
        The coefficients to give a factor for, each an entry: a coefficient (1-based position, as
        metafor numbers them, or name) for its VIF, or a sequence of them for the generalised VIF
        of the set (e.g. the dummies of one categorical moderator: ``btt=[[2, 3, 4]]``). Default:
        each coefficient after the intercept on its own.

    Returns
    -------
    VifResult
        ``sets``, ``vif``, ``sif``.

    Raises
    ------
    InputError
        In metafor's words, a model without moderators ("VIFs not applicable to intercept-only
        models.") and the intercept asked for ("Cannot compute VIF(s) for the specified 'btt'
        argument."); an unknown coefficient, or a model with a single moderator and no set.

    Notes
    -----
    With R the correlation matrix of the coefficients after the intercept (from their
    variance-covariance matrix), the generalised VIF of a set S is
    :math:`\det R_{SS}\det R_{\bar S\bar S}/\det R` [1]_, the usual VIF
    :math:`(R^{-1})_{jj}` for one coefficient; it does not depend on the Knapp-Hartung scaling.
    The SIF is :math:`\mathrm{GVIF}^{1/(2m)}`.
    Checked against metafor 3.8-1 ``vif(res)`` and ``vif(res, btt = 2:4)`` (the grade dummies),
    ``btt = 5``, ``btt = c(5, 9)`` on dat.bangertdrowns2004 (REML z and knha, FE) and
    dat.curtis1998 to 1e-9 (tests/meta/test_vif.py, fixtures by tools/metafor_reference_predict.R).

    References
    ----------
    .. [1] Fox J, Monette G (1992). Generalized collinearity diagnostics. Journal of the American
       Statistical Association 87(417):178-183. https://doi.org/10.1080/01621459.1992.10475190

    Examples
    --------
    >>> from secretome.meta import meta_regression
    >>> res = meta_regression([0.1, 0.3, 0.5, 0.8, 0.2], [0.01, 0.02, 0.01, 0.02, 0.01],
    ...                       [[1, 0], [2, 1], [3, 0], [4, 1], [5, 1]], method="DL", names=["year", "blind"])
    >>> [round(v, 4) for v in vif(res).vif]  # R: vif(rma(yi, vi, mods = cbind(year, blind), method = "DL")): 1.527746
    [1.5277, 1.5277]
    """
    # A meta-regression whose every moderator was dropped as redundant is metafor's intercept-only model too.
    regression = isinstance(fit, MetaRegressionResult | MultilevelRegressionResult)
    if isinstance(fit, RandomEffectsResult | MultilevelResult) or (regression and fit.p == 1):
        raise InputError("VIFs not applicable to intercept-only models.", field="fit", value=type(fit).__name__)
    if not regression:
        raise TypeError(f"vif takes a meta-regression; got {type(fit).__name__}")
    model = fitted_model(fit, multilevel=True)
    names = model.coef_names
    entries = [[j] for j in range(2, model.p + 1)] if btt is None else [_entry(e) for e in btt]
    sets = [coefficient_positions(e, names, field="btt") for e in entries]
    for s in sets:
        if s == [0]:
            raise InputError("Cannot compute VIF(s) for the specified 'btt' argument.", field="btt", value=names[0])
    vb = model.vb[1:, 1:]
    sd = np.sqrt(np.diag(vb))
    corr = vb / np.outer(sd, sd)
    full = np.linalg.det(corr)
    values = []
    for s in sets:
        inside = [j - 1 for j in s if j > 0]  # the intercept is not part of R (metafor drops it too)
        outside = [j for j in range(corr.shape[0]) if j not in inside]
        gvif = np.linalg.det(corr[np.ix_(inside, inside)]) * np.linalg.det(corr[np.ix_(outside, outside)]) / full
        values.append(float(gvif))
    return VifResult(
        sets=tuple(tuple(names[j] for j in s if j > 0) for s in sets),
        vif=tuple(values),
        sif=tuple(v ** (1 / (2 * len([j for j in s if j > 0]))) for v, s in zip(values, sets, strict=True)),
    )


def _entry(entry: Sequence[int | str] | int | str) -> list[int | str]:
    if isinstance(entry, (int, str, np.integer)):
        return [entry]  # type: ignore[list-item]
    return list(entry)
