"""Subgroup analysis: one model per subgroup and a test for subgroup differences (metafor 3.8 style)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import as_column, study_labels
from secretome.meta._meta_regression import REGRESSION_METHODS, meta_regression
from secretome.meta._random_effects import ModelMethod, random_effects
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult

__all__ = ["SubgroupResult", "subgroups"]


@dataclasses.dataclass(frozen=True, slots=True)
class SubgroupResult(Result):
    """Models fitted within each subgroup, and the test of whether the subgroups differ.

    Attributes
    ----------
    levels : tuple of str
        The subgroups, in sorted order (R's factor levels).
    fits : tuple of RandomEffectsResult
        One model per subgroup, in the order of ``levels``.
    QM, QM_df, QM_pval : float, tuple of int, float
        Test for subgroup differences. ``between="moderator"``: the omnibus moderator test of a
        meta-regression on the subgroup dummies (chi-square, or F with ``(m, k - p)`` df for knha).
        ``between="separate"``: Q-between of the subgroup estimates (chi-square on ``levels - 1`` df).
    method, test : str
        The estimator and the test, shared by every model.
    overall : RandomEffectsResult
        The same model fitted to all studies (metafor's ``rma(yi, vi)``): the overall diamond of a
        subgroup forest plot, and the study weights it shows.
    groups : tuple of str
        Each study's subgroup, in the order of the data (``overall.labels`` names the studies).
    between : str
        How the subgroups were compared: ``"moderator"`` or ``"separate"``.
    moderator_fit : MetaRegressionResult or None
        For ``between="moderator"``, the meta-regression on the subgroup dummies whose QM is the
        test above (metafor's ``rma(yi, vi, mods = ~ factor(group))``; its residuals are the
        funnel plot of the analysis); ``None`` for ``"separate"``, which does not fit it.
    """

    levels: tuple[str, ...]
    fits: tuple[RandomEffectsResult, ...]
    QM: float
    QM_df: tuple[int, ...]
    QM_pval: float
    method: str
    test: str
    overall: RandomEffectsResult
    groups: tuple[str, ...]
    between: str = "moderator"
    moderator_fit: MetaRegressionResult | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per subgroup: k, estimate, se, pval, ci_lb, ci_ub, tau2, I2, Q."""
        fields = ("k", "estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "Q")
        return pd.DataFrame(
            [{"subgroup": lv, **{f: getattr(fit, f) for f in fields}} for lv, fit in self.fits_by_level()]
        )

    def fits_by_level(self) -> list[tuple[str, RandomEffectsResult]]:
        """``(level, model)`` pairs."""
        return list(zip(self.levels, self.fits, strict=True))

    def summary(self) -> str:
        """The per-subgroup table, then the test for subgroup differences."""
        # NA as metafor prints it: Q and I^2 of a subgroup with a sampling variance of 0.
        table = self.to_frame().to_string(index=False, float_format=lambda x: f"{x:.4f}", na_rep="NA")
        p = "< .0001" if self.QM_pval < 1e-4 else f"= {self.QM_pval:.4f}"
        test = (
            f"QM(df = {self.QM_df[0]}) = {self.QM:.4f}, p-val {p}"
            if len(self.QM_df) == 1
            else f"F(df1 = {self.QM_df[0]}, df2 = {self.QM_df[1]}) = {self.QM:.4f}, p-val {p}"
        )
        header = f"Subgroup analysis ({len(self.levels)} subgroups; method: {self.method}; test: {self.test})"
        if self.between == "separate":
            test = f"Q-between(df = {self.QM_df[0]}) = {self.QM:.4f}, p-val {p}"
        how = " (separate tau^2 per subgroup)" if self.between == "separate" else ""
        return "\n".join([header, "", table, "", f"Test for Subgroup Differences{how}:", test])


def subgroups(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: ArrayLike,
    *,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    between: Literal["moderator", "separate"] = "moderator",
    labels: Sequence[str] | None = None,
) -> SubgroupResult:
    r"""Fit :func:`random_effects` within each subgroup and test whether the subgroups differ.

    Each subgroup's own model has its own tau^2, as ``rma(yi, vi, subset = group == level)``. With
    ``between="moderator"`` (default) the test for subgroup differences is the omnibus test QM of
    :func:`meta_regression` on the subgroup dummies (one tau^2 shared across subgroups), as metafor
    3.8 does it with ``rma(yi, vi, mods = ~ factor(group))``. With ``between="separate"`` it is the
    Q-between test of RevMan [1]_: the subgroup estimates :math:`\hat\mu_j` with standard errors
    :math:`s_j` (each from its own model, so each with its own tau^2) give
    :math:`Q = \sum_j (\hat\mu_j - \bar\mu)^2/s_j^2`, :math:`\bar\mu` their inverse-variance mean,
    on ``levels - 1`` df; the metafor FAQ computes it as ``rma(estimates, sei = ses, method = "FE")$QE``.

    ``overall`` is the model on all studies, and each subgroup model keeps the study labels
    (*labels*, else the 1-based row numbers), so a forest plot can show them by subgroup.

    Checked against metafor 3.8-1 on dat.bcg by ``alloc`` for FE, DL, REML and both tests
    (tests/meta/test_subgroups.py); ``between="separate"`` also on dat.hackshaw1998 by design
    (tests/meta/test_subgroups.py, fixtures by tools/metafor_reference_bias.R). A sampling variance of
    0 is fitted or refused by each model as :func:`random_effects` does (REML fits it; DL stops at the
    first model that meets it, naming its row among all studies), as metafor's ``rma`` per subgroup and
    with ``mods = ~ factor(group)`` (dat.bcg with trial 3's variance at 0, REML and DL, both tests;
    tools/metafor_reference_vi_zero_diagnostics.R).

    Raises
    ------
    InputError
        A subgroup too small for its model (named), fewer than 2 subgroups, a missing group label
        (row named), *labels* of another length than *yi*, or the inputs :func:`random_effects`
        refuses.

    References
    ----------
    .. [1] Borenstein M, Higgins JPT (2013). Meta-analysis and subgroups. Prevention Science
       14(2):134-143. https://doi.org/10.1007/s11121-013-0377-7

    Examples
    --------
    >>> res = subgroups([0.1, 0.3, 0.8, 0.9], [0.01, 0.02, 0.01, 0.02], ["a", "a", "b", "b"], method="FE")
    >>> [round(f.estimate, 4) for f in res.fits], round(res.QM, 4)  # R: 0.1666667, 0.8333333; QM = 33.33333
    ([0.1667, 0.8333], 33.3333)
    >>> sep = subgroups([0.1, 0.3, 0.8, 0.9], [0.01, 0.02, 0.01, 0.02], ["a", "a", "b", "b"], between="separate")
    >>> round(sep.QM, 4), sep.QM_df  # R: rma(c(0.175, 0.8333333), sei = ses, method = "FE")$QE = 27.01732
    (27.0173, (1,))
    """
    check_choice("method", method, REGRESSION_METHODS, owner="subgroups")
    check_choice("between", between, ("moderator", "separate"), owner="subgroups")
    # Each model reads yi and vi itself, as metafor's rma: a sampling variance of 0 is fitted or refused per model.
    y = as_column(yi, "yi")
    v = as_column(vi, "vi", length=y.size)
    # Row numbers over all studies, not per subgroup, so that a study keeps its name in every fit.
    names = np.array(study_labels(labels, y.size), dtype=object)
    group_of = pd.Series(np.asarray(groups, dtype=object).reshape(-1))
    if group_of.size != y.size:
        raise InputError(f"has {group_of.size} values but there are {y.size} studies", field="groups")
    missing = np.flatnonzero(group_of.isna().to_numpy())
    if missing.size:
        raise InputError("is missing", row=int(missing[0]) + 1, field="groups")
    group_of = group_of.astype(str)
    levels = tuple(sorted(group_of.unique()))
    if len(levels) < 2:
        raise InputError("needs at least 2 subgroups", field="groups", value=levels)
    fits = []
    for lv in levels:
        mask = (group_of == lv).to_numpy()
        if method not in ("EE", "FE") and mask.sum() < 2:
            raise InputError(
                f"subgroup {lv!r} has 1 study; a random-effects model needs 2 (use method FE, or merge it)",
                field="groups",
            )
        rows = np.flatnonzero(mask) + 1
        try:
            fit = random_effects(y[mask], v[mask], method=method, test=test, level=level, control=control,
                                 labels=list(names[mask]), rows=rows)  # fmt: skip
        except InputError as err:
            if err.row is None:
                raise
            # Named by its row among all studies, as the user gave them, not its place in the subgroup.
            where = {"value": err.value} if err.value is not None else {}
            raise InputError(f"subgroup {lv!r}: {err.reason}", row=int(rows[err.row - 1]), field=err.field,
                             **where) from err  # fmt: skip
        fits.append(fit)
    overall = random_effects(y, v, method=method, test=test, level=level, control=control, labels=list(names))
    if between == "separate":
        est = np.array([f.estimate for f in fits])
        w = 1 / np.array([f.se for f in fits]) ** 2
        q = float(w @ (est - float(w @ est) / float(w.sum())) ** 2)
        return SubgroupResult(
            levels=levels,
            fits=tuple(fits),
            QM=q,
            QM_df=(len(levels) - 1,),
            QM_pval=float(scipy.stats.chi2.sf(q, len(levels) - 1)),
            method=method,
            test=test,
            overall=overall,
            groups=tuple(group_of),
            between=between,
        )
    dummies = np.column_stack([(group_of == lv).to_numpy(dtype=float) for lv in levels[1:]])
    between = meta_regression(
        y, v, dummies, method=method, test=test, level=level, control=control, names=levels[1:], labels=list(names)
    )
    return SubgroupResult(
        levels=levels,
        fits=tuple(fits),
        QM=between.QM,
        QM_df=between.QM_df,
        QM_pval=between.QM_pval,
        method=method,
        test=test,
        overall=overall,
        groups=tuple(group_of),
        moderator_fit=between,
    )
