"""From a table (one row per study) to a pooled model: columns named by the user, errors located.

One function per model (random effects, meta-regression, subgroups, three-level model and regression), each taking
the options its model uses and returning its result; :func:`meta_from_table` picks one from the columns given (the
CLI's way). Errors name the file, the 1-based data row and the column the user wrote, not the internal argument
name (:mod:`secretome.meta._table_reading`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from secretome.errors import InputError
from secretome.meta._csv_tables import read_csv_table
from secretome.meta._effect_sizes import Measure
from secretome.meta._meta_regression import meta_regression
from secretome.meta._missing import ROWS_OMITTED
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, multilevel
from secretome.meta._plots import regression_plot
from secretome.meta._random_effects import ModelMethod, random_effects
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._subgroups import SubgroupResult, subgroups
from secretome.meta._table_reading import (
    EffectColumns,
    Table,
    complete_rows,
    effect_sizes,
    fit_table,
    moderator_matrix,
)
from secretome.meta._tau2 import WeightedMethod, check_limits
from secretome.meta._vcalc import vcalc

__all__ = [
    "meta_from_csv",
    "meta_from_table",
    "meta_regression_from_table",
    "multilevel_from_table",
    "multilevel_regression_from_table",
    "random_effects_from_table",
    "regression_plot_from_csv",
    "subgroups_from_table",
]

_SHARED_DOC = """
    frame : pandas.DataFrame
        The table, one row per study.
    yi, vi : str, optional
        Columns holding effect sizes and sampling variances (give both, and no *measure*).
    measure : str, optional
        An :func:`escalc` measure computed from the raw columns named in *columns*.
    columns : mapping, optional
        escalc argument -> column name, e.g. ``{"m1i": "mean_t", "sd1i": "sd_t", ...}``; the
        arguments are :data:`ESCALC_ARGUMENTS` (``m1i, sd1i, n1i, ..., pi, ai, ..., ri, ni``).
    slab : str, optional
        Column with the study labels.
    shared_control : str, optional
        Column naming each row's control group, for a *measure* with ``n2i``: rows naming the same
        group share it, and its n is split among them (:func:`split_shared_control`).
    escalc_options : mapping, optional
        Further :func:`escalc` options for the *measure*: ``add``, ``to``, ``drop00``,
        ``ci_level``, ``ci_dist``, or ``ri`` as one value for all rows.
    na_action : {"omit", "fail"}
        A row whose effect size, variance or any other column the model uses is missing (or whose raw
        numbers give no effect size, as :func:`escalc` sets it NA) is left out with a warning naming
        the rows, as metafor's default ``na.action = "na.omit"``; k counts the rows fitted. ``"fail"``
        makes it an input error naming the first such row.
    file : path-like, optional
        Named in error messages."""


def random_effects_from_table(
    frame: pd.DataFrame,
    *,
    yi: str | None = None,
    vi: str | None = None,
    measure: Measure | None = None,
    columns: Mapping[str, str] | None = None,
    slab: str | None = None,
    shared_control: str | None = None,
    weights: str | None = None,
    method: ModelMethod | WeightedMethod | Sequence[ModelMethod | WeightedMethod] = "REML",
    test: Literal["z", "knha", "t"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    escalc_options: Mapping[str, object] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
    file: object = None,
) -> RandomEffectsResult:
    """The :func:`random_effects` model of the studies of *frame* (metafor's ``rma(yi, vi, data=)``).

    Parameters
    ----------{shared}
    weights : str, optional
        Column of user weights (metafor's ``weights``); needed by methods ``"GENQ"`` and ``"GENQM"``.
    method, test, level, control
        As in :func:`random_effects`: any method, or a fallback chain such as ``("REML", "DL")``.

    Raises
    ------
    InputError
        A named column is missing, a cell is not a number or out of range (file, 1-based data row
        and column named), or the columns given do not define the effect sizes.

    Examples
    --------
    >>> frame = pd.DataFrame(dict(g=[0.1, 0.5, 0.9], v=[0.01, 0.01, 0.01]))
    >>> round(random_effects_from_table(frame, yi="g", vi="v").tau2, 4)  # R: rma(c(.1,.5,.9), rep(.01,3))$tau2
    0.15
    """

    def fit(table: Table) -> RandomEffectsResult:
        a = None if weights is None else table.frame[weights].to_numpy()
        return random_effects(  # type: ignore[arg-type]
            table.y, table.v, weights=a, method=method, test=test, level=level, control=control,
            labels=table.labels, rows=table.rows,
        )  # fmt: skip

    effect = EffectColumns(yi, vi, measure, columns, slab, shared_control, escalc_options)
    roles = {} if weights is None else {"weights": weights}
    return fit_table(frame, effect, fit, roles=roles, na_action=na_action, file=file)


def _check_mods(mods: Sequence[str], file: object) -> None:
    # A regression without moderators is the model without them: say so rather than fit an empty design.
    if not mods:
        raise InputError("a meta-regression needs at least one moderator column", file=file, field="mods")


def meta_regression_from_table(
    frame: pd.DataFrame,
    *,
    mods: Sequence[str],
    yi: str | None = None,
    vi: str | None = None,
    measure: Measure | None = None,
    columns: Mapping[str, str] | None = None,
    slab: str | None = None,
    shared_control: str | None = None,
    weights: str | None = None,
    method: ModelMethod | WeightedMethod | Sequence[ModelMethod | WeightedMethod] = "REML",
    test: Literal["z", "knha", "t"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    escalc_options: Mapping[str, object] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
    file: object = None,
) -> MetaRegressionResult:
    """The :func:`meta_regression` of the studies of *frame* on the columns *mods* (``rma(yi, vi, mods=)``).

    Parameters
    ----------
    mods : sequence of str
        Moderator columns. A numeric column enters as it is; any other column is a factor, coded as
        metafor codes ``factor(x)``: one dummy per level but the first in sorted order (named column +
        level, e.g. ``allocrandom``).{shared}
    weights : str, optional
        Column of user weights (metafor's ``weights``).
    method, test, level, control
        As in :func:`meta_regression`: any method, or a fallback chain such as ``("REML", "DL")``.

    Raises
    ------
    InputError
        As :func:`random_effects_from_table`, also for a factor moderator with a missing level.
    """

    def fit(table: Table) -> MetaRegressionResult:
        a = None if weights is None else table.frame[weights].to_numpy()
        return meta_regression(  # type: ignore[arg-type]
            table.y, table.v, moderator_matrix(table.frame, mods, file), weights=a, method=method, test=test,
            level=level, control=control, labels=table.labels, rows=table.rows,
        )  # fmt: skip

    _check_mods(mods, file)
    effect = EffectColumns(yi, vi, measure, columns, slab, shared_control, escalc_options)
    roles = {**({} if weights is None else {"weights": weights}), **{f"mod:{m}": m for m in mods}}
    return fit_table(frame, effect, fit, roles=roles, na_action=na_action, file=file)


def _one_method(method: object) -> str:
    chain = (method,) if isinstance(method, str) else tuple(method)  # type: ignore[arg-type]
    if len(chain) != 1:
        # metafor 3.8-1's rma.mv takes one method; subgroups fit one model per level.
        reason = "a fallback chain is not available with subgroups or a cluster (rma.mv takes one method)"
        raise InputError(reason, field="method", value=chain)
    return chain[0]


def subgroups_from_table(
    frame: pd.DataFrame,
    *,
    subgroup: str,
    yi: str | None = None,
    vi: str | None = None,
    measure: Measure | None = None,
    columns: Mapping[str, str] | None = None,
    slab: str | None = None,
    shared_control: str | None = None,
    method: ModelMethod = "REML",
    test: Literal["z", "knha", "t"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    escalc_options: Mapping[str, object] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
    file: object = None,
) -> SubgroupResult:
    """The :func:`subgroups` analysis of the studies of *frame* by the labels in column *subgroup*.

    Parameters
    ----------
    subgroup : str
        Column of subgroup labels.{shared}
    method, test, level, control
        As in :func:`subgroups` (one method).
    """

    def fit(table: Table) -> SubgroupResult:
        groups = table.frame[subgroup].to_numpy()
        return subgroups(  # type: ignore[arg-type]
            table.y, table.v, groups, method=_one_method(method), test=test, level=level, control=control,
            labels=table.labels,
        )  # fmt: skip

    effect = EffectColumns(yi, vi, measure, columns, slab, shared_control, escalc_options)
    return fit_table(frame, effect, fit, roles={"groups": subgroup}, na_action=na_action, file=file)


def _multilevel_fit(
    frame: pd.DataFrame,
    effect: EffectColumns,
    *,
    cluster: str,
    rho: float | None,
    mods: Sequence[str],
    method: str,
    test: str,
    level: float,
    na_action: Literal["omit", "fail"],
    file: object,
) -> MultilevelResult | MultilevelRegressionResult:
    """The three-level model of *frame* (with the moderators *mods*, if any) that both public functions fit."""

    def fit(table: Table) -> MultilevelResult | MultilevelRegressionResult:
        check_limits(table.y, table.v)  # multilevel reads yi and vi itself; the other models check them as they start
        study = table.frame[cluster].to_numpy(dtype=object)
        sampling = table.v if rho is None else vcalc(table.v, study, obs=np.arange(table.v.size), rho=rho)
        design = moderator_matrix(table.frame, mods, file) if mods else None
        return multilevel(  # type: ignore[call-overload,no-any-return]
            table.y, sampling, study, mods=design, method=_one_method(method), test=test, level=level,
            labels=table.labels,
        )  # fmt: skip

    roles = {"study": cluster, **{f"mod:{m}": m for m in mods}}
    # The V was made from the assumed correlation, so that is the value to change.
    renamed = None if rho is None else {"V": ("rho", rho)}
    # rma.mv says "Rows" where rma.uni says "Studies".
    return fit_table(frame, effect, fit, roles=roles, na_action=na_action, file=file, renamed=renamed,
                     omitted=ROWS_OMITTED)  # fmt: skip


def multilevel_from_table(
    frame: pd.DataFrame,
    *,
    cluster: str,
    rho: float | None = None,
    yi: str | None = None,
    vi: str | None = None,
    measure: Measure | None = None,
    columns: Mapping[str, str] | None = None,
    slab: str | None = None,
    shared_control: str | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    escalc_options: Mapping[str, object] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
    file: object = None,
) -> MultilevelResult:
    """The three-level :func:`multilevel` model of *frame*, several effect sizes (rows) per study.

    metafor's ``rma.mv(yi, V, random = ~ 1 | study/es)``; with moderators, see
    :func:`multilevel_regression_from_table`.

    Parameters
    ----------
    cluster : str
        Column of study labels (one row per effect size).
    rho : float, optional
        The assumed correlation of the sampling errors of two effect sizes of one study. The model then
        takes the sampling covariance matrix ``V`` of :func:`vcalc` (every row its own observation:
        ``vcalc(vi, cluster, obs = row, rho = rho)``); without it, V is diagonal (independent errors). A
        rho that leaves V not positive definite (e.g. 1) is fitted as metafor fits it, with its warnings,
        and refused by name where metafor stops (see :func:`multilevel`).{shared}
    method, test, level
        As in :func:`multilevel` (REML or ML; z or t).
    """
    effect = EffectColumns(yi, vi, measure, columns, slab, shared_control, escalc_options)
    return _multilevel_fit(  # type: ignore[return-value]
        frame, effect, cluster=cluster, rho=rho, mods=(), method=method, test=test, level=level,
        na_action=na_action, file=file,
    )  # fmt: skip


def multilevel_regression_from_table(
    frame: pd.DataFrame,
    *,
    mods: Sequence[str],
    cluster: str,
    rho: float | None = None,
    yi: str | None = None,
    vi: str | None = None,
    measure: Measure | None = None,
    columns: Mapping[str, str] | None = None,
    slab: str | None = None,
    shared_control: str | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    escalc_options: Mapping[str, object] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
    file: object = None,
) -> MultilevelRegressionResult:
    """The three-level meta-regression (:func:`multilevel` with moderators) of *frame* on the columns *mods*.

    metafor's ``rma.mv(yi, V, mods =, random = ~ 1 | study/es)``.

    Parameters
    ----------
    mods : sequence of str
        Moderator columns, coded as in :func:`meta_regression_from_table`.
    cluster, rho
        As in :func:`multilevel_from_table`.{shared}
    method, test, level
        As in :func:`multilevel` (REML or ML; z or t).
    """
    _check_mods(mods, file)
    effect = EffectColumns(yi, vi, measure, columns, slab, shared_control, escalc_options)
    return _multilevel_fit(  # type: ignore[return-value]
        frame, effect, cluster=cluster, rho=rho, mods=mods, method=method, test=test, level=level,
        na_action=na_action, file=file,
    )  # fmt: skip


# The options that read the table are documented once (as scikit-learn shares parameter docs).
for _function in (
    random_effects_from_table,
    meta_regression_from_table,
    subgroups_from_table,
    multilevel_from_table,
    multilevel_regression_from_table,
):
    _function.__doc__ = (_function.__doc__ or "").replace("{shared}", _SHARED_DOC)


def meta_from_table(
    frame: pd.DataFrame,
    *,
    yi: str | None = None,
    vi: str | None = None,
    measure: Measure | None = None,
    columns: Mapping[str, str] | None = None,
    slab: str | None = None,
    mods: Sequence[str] = (),
    subgroup: str | None = None,
    cluster: str | None = None,
    rho: float | None = None,
    shared_control: str | None = None,
    weights: str | None = None,
    method: ModelMethod | WeightedMethod | Sequence[ModelMethod | WeightedMethod] = "REML",
    test: Literal["z", "knha", "t"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    escalc_options: Mapping[str, object] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
    file: object = None,
) -> RandomEffectsResult | MetaRegressionResult | SubgroupResult | MultilevelResult | MultilevelRegressionResult:
    """Pool *frame* with the model its columns call for: the CLI's single entry point.

    *cluster* gives :func:`multilevel_from_table` (with *rho*; with *mods*,
    :func:`multilevel_regression_from_table`), *subgroup*
    :func:`subgroups_from_table`, *mods* :func:`meta_regression_from_table`, and otherwise
    :func:`random_effects_from_table`; the options are theirs. In code that knows its model, call that
    function: it takes only the options its model uses and returns one kind of result.

    Raises
    ------
    InputError
        Options that no model takes together (moderators and subgroups, a cluster and subgroups, *rho*
        without a cluster, user *weights* with subgroups or a cluster), and the errors of the model's
        function.

    Examples
    --------
    >>> frame = pd.DataFrame({"g": [0.1, 0.5, 0.9], "v": [0.01, 0.01, 0.01]})
    >>> round(meta_from_table(frame, yi="g", vi="v").tau2, 4)  # R: rma(c(.1,.5,.9), rep(.01,3))$tau2 = 0.15
    0.15
    >>> meta_from_table(frame, yi="g", vi="var", file="a.csv")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: file 'a.csv', field 'var': no such column; the columns are 'g', 'v'
    """
    if subgroup is not None and mods:
        raise InputError("give moderators or a subgroup column, not both", file=file, field="subgroup")
    if subgroup is not None and cluster is not None:
        raise InputError("a three-level model takes no subgroups", file=file, field="cluster")
    if rho is not None and cluster is None:
        raise InputError("an assumed correlation of the sampling errors needs a cluster (a three-level model)",
                         file=file, field="rho", value=rho)  # fmt: skip
    if weights is not None and (subgroup is not None or cluster is not None):
        reason = "user weights are for a random-effects model or a meta-regression, not subgroups or a cluster"
        raise InputError(reason, file=file, field=weights)
    shared = {
        "yi": yi, "vi": vi, "measure": measure, "columns": columns, "slab": slab, "shared_control": shared_control,
        "method": method, "test": test, "level": level, "escalc_options": escalc_options, "na_action": na_action,
        "file": file,
    }  # fmt: skip
    if cluster is not None and mods:
        return multilevel_regression_from_table(frame, mods=mods, cluster=cluster, rho=rho, **shared)  # type: ignore[arg-type]
    if cluster is not None:
        return multilevel_from_table(frame, cluster=cluster, rho=rho, **shared)  # type: ignore[arg-type]
    if subgroup is not None:
        return subgroups_from_table(frame, subgroup=subgroup, control=control, **shared)  # type: ignore[arg-type]
    if mods:
        return meta_regression_from_table(frame, mods=mods, weights=weights, control=control, **shared)  # type: ignore[arg-type]
    return random_effects_from_table(frame, weights=weights, control=control, **shared)  # type: ignore[arg-type]


def meta_from_csv(
    path: str | Path, **options: object
) -> RandomEffectsResult | MetaRegressionResult | SubgroupResult | MultilevelResult | MultilevelRegressionResult:
    """Read the CSV table at *path* and pool it with :func:`meta_from_table` (same options).

    Raises :class:`~secretome.errors.InputError` naming the file when it cannot be read.
    """
    return meta_from_table(read_csv_table(path), file=path, **options)  # type: ignore[arg-type]


def regression_plot_from_csv(
    path: str | Path,
    out: str | Path | None = None,
    *,
    mods: Sequence[str],
    moderator: str | None = None,
    yi: str | None = None,
    vi: str | None = None,
    measure: Measure | None = None,
    columns: Mapping[str, str] | None = None,
    shared_control: str | None = None,
    cluster: str | None = None,
    method: ModelMethod | Sequence[ModelMethod] = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    escalc_options: Mapping[str, object] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
) -> bytes:
    """Fit the meta-regression of the CSV table at *path* and draw its :func:`regression_plot`.

    The model is :func:`meta_regression_from_table`'s with the same options; the plot is
    against *moderator*, which may be left out when *mods* names one column. It must be a numeric
    column: a factor has no line to draw. Returns the SVG, or writes *out* (.svg or .pdf).

    Raises :class:`~secretome.errors.InputError` naming the file and column, as :func:`meta_from_csv`;
    also for a *cluster* column, as the plot draws a two-level meta-regression (metafor's ``regplot``
    of ``rma``): the lines of a three-level model would need its own variance of the coefficients.
    """
    frame = read_csv_table(path)
    if cluster is not None:
        reason = "the regression plot draws a two-level meta-regression, not a three-level model"
        raise InputError(reason, file=path, field=cluster)
    if not mods:
        raise InputError("a regression plot needs a moderator column", file=path, field="mods")
    chosen = moderator if moderator is not None else mods[0] if len(mods) == 1 else None
    result = meta_regression_from_table(
        frame,
        mods=mods,
        yi=yi,
        vi=vi,
        measure=measure,
        columns=columns,
        shared_control=shared_control,
        method=method,
        test=test,
        level=level,
        control=control,
        escalc_options=escalc_options,
        na_action=na_action,
        file=path,
    )
    if chosen is not None and chosen in frame.columns and not pd.api.types.is_numeric_dtype(frame[chosen]):
        reason = "is a factor (not numeric); the regression plot draws a continuous moderator"
        raise InputError(reason, file=path, field=chosen)
    # The model has checked these columns and cells; this rebuilds the arrays it fitted.
    y, v, _ = effect_sizes(frame, EffectColumns(yi, vi, measure, columns, None, shared_control, escalc_options))
    keep = complete_rows(frame, y, v, list(mods))  # the rows the model fitted
    frame = frame[keep].reset_index(drop=True)
    design = moderator_matrix(frame, mods, path)
    return regression_plot(result, y[keep], v[keep], design, out, moderator=moderator)  # type: ignore[arg-type]
