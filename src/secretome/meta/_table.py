"""From a table (one row per study) to a pooled model: columns named by the user, errors located.

This is the table-to-arrays step the CLI calls; it names the file, the 1-based data row and the
column the user wrote, not the internal argument name.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from secretome.errors import InputError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._conversions import split_shared_control
from secretome.meta._csv_tables import read_csv_table
from secretome.meta._effect_sizes import ESCALC_ARGUMENTS, Measure, escalc
from secretome.meta._meta_regression import meta_regression
from secretome.meta._missing import omitted_note
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, multilevel
from secretome.meta._plots import regression_plot
from secretome.meta._random_effects import ModelMethod, random_effects
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._subgroups import SubgroupResult, subgroups
from secretome.meta._tau2 import WeightedMethod, check_limits
from secretome.meta._vcalc import vcalc

__all__ = ["meta_from_csv", "meta_from_table", "regression_plot_from_csv"]

_RAW = ESCALC_ARGUMENTS


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
    """Pool the studies of *frame* (random effects, meta-regression, subgroups or a three-level model).

    Parameters
    ----------
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
    mods : sequence of str
        Moderator columns: with any, the model is a :func:`meta_regression`. A numeric column
        enters as it is; any other column is a factor, coded as metafor codes ``factor(x)``:
        one dummy per level but the first in sorted order (named column + level, e.g.
        ``allocrandom``).
    subgroup : str, optional
        Column of subgroup labels: the result is a :func:`subgroups` analysis (not with *mods*).
    cluster : str, optional
        Column of study labels when a study gives several effect sizes (one row each): the result
        is a three-level :func:`multilevel` model (method REML or ML, test z or t; with *mods*, a
        three-level meta-regression; not with *subgroup*).
    rho : float, optional
        With *cluster*: the assumed correlation of the sampling errors of two effect sizes of one
        study. The model then takes the sampling covariance matrix ``V`` of :func:`vcalc` (every row its
        own observation: ``vcalc(vi, cluster, obs = row, rho = rho)``), as metafor's
        ``rma.mv(yi, V, random = ~ 1 | study/es)``; without it, V is diagonal (independent errors). A
        rho that leaves V not positive definite (e.g. 1) is fitted as metafor fits it, with its
        warnings, and refused by name where metafor stops (see :func:`multilevel`).
    shared_control : str, optional
        Column naming each row's control group, for a *measure* with ``n2i``: rows naming the same
        group share it, and its n is split among them (:func:`split_shared_control`).
    weights : str, optional
        Column of user weights (metafor's ``weights``), for :func:`random_effects` and
        :func:`meta_regression` (not with *subgroup* or *cluster*); needed by methods ``"GENQ"`` and ``"GENQM"``.
    method, test, level, control
        As in :func:`random_effects`: any method, or a fallback chain such as ``("REML", "DL")``,
        also with *mods*; a single method with *subgroup* or *cluster*.
    escalc_options : mapping, optional
        Further :func:`escalc` options for the *measure*: ``add``, ``to``, ``drop00``,
        ``ci_level``, ``ci_dist``, or ``ri`` as one value for all rows.
    na_action : {"omit", "fail"}
        A row whose effect size, variance, moderator, subgroup or cluster is missing (or whose raw
        numbers give no effect size, as :func:`escalc` sets it NA) is left out with a warning naming
        the rows, as metafor's default ``na.action = "na.omit"``; k counts the rows fitted. ``"fail"``
        makes it an input error naming the first such row.
    file : path-like, optional
        Named in error messages.

    Returns
    -------
    RandomEffectsResult, MetaRegressionResult, SubgroupResult, MultilevelResult or MultilevelRegressionResult
        The model; continuity corrections made by :func:`escalc` are in its ``notes``.

    Raises
    ------
    InputError
        A named column is missing, a cell is not a number or out of range (file, 1-based data row
        and column named), or the columns given do not define the effect sizes.

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
    columns = dict(columns or {})
    unknown = sorted(set(columns) - set(_RAW))
    if unknown:
        raise InputError(f"unknown escalc argument; known: {', '.join(_RAW)}", field="columns", value=unknown[0])
    if (yi is None) != (vi is None):
        raise InputError("give both yi and vi columns", file=file, field="vi" if vi is None else "yi")
    if yi is not None and measure is not None:
        raise InputError("give either yi and vi columns or a measure, not both", file=file, field="measure")
    if yi is None and measure is None:
        raise InputError("name the yi and vi columns, or a measure and its raw-data columns", file=file, field="yi")
    names = {"yi": yi, "vi": vi} if yi is not None else columns
    if slab is not None:
        names = {**names, "slab": slab}
    if subgroup is not None:
        if mods:
            raise InputError("give moderators or a subgroup column, not both", file=file, field="subgroup")
        names = {**names, "groups": subgroup}
    if cluster is not None:
        if subgroup is not None:
            raise InputError("a three-level model takes no subgroups", file=file, field="cluster")
        names = {**names, "study": cluster}
    elif rho is not None:
        raise InputError("an assumed correlation of the sampling errors needs a cluster (a three-level model)",
                         file=file, field="rho", value=rho)  # fmt: skip
    if weights is not None:
        if subgroup is not None or cluster is not None:
            reason = "user weights are for a random-effects model or a meta-regression, not subgroups or a cluster"
            raise InputError(reason, file=file, field=weights)
        names = {**names, "weights": weights}
    if shared_control is not None:
        if "n2i" not in columns:
            raise InputError("splitting a shared control needs a measure with n2i", file=file, field=shared_control)
        names = {**names, "control": shared_control, "n": columns["n2i"]}
    names = {**names, **{f"mod:{m}": m for m in mods}}
    for name in names.values():
        if name not in frame.columns:
            have = ", ".join(repr(str(c)) for c in frame.columns)
            raise InputError(f"no such column; the columns are {have}", file=file, field=name)
    to_column = {arg: name for arg, name in names.items() if name is not None}
    labels = None if slab is None else [str(s) for s in frame[slab]]
    check_choice("na_action", na_action, ("omit", "fail"))
    kept = np.arange(len(frame))
    omitted = None
    left_out: tuple[int, ...] = ()
    try:
        y, v, notes = _effect_sizes(
            frame, yi=yi, vi=vi, measure=measure, columns=columns, shared_control=shared_control, options=escalc_options
        )
        keep = _complete(frame, y, v, [c for c in (subgroup, cluster, weights, *mods) if c is not None])
        if not keep.all():
            rows = np.flatnonzero(~keep) + 1
            if na_action == "fail":
                first = frame.iloc[int(rows[0]) - 1]
                given = [c for c in (yi, vi, subgroup, cluster, weights, *mods) if c is not None]
                field = next((c for c in given if pd.isna(first[c])), None)
                reason = "is missing (na_action='fail')" if field else "gives no effect size (na_action='fail')"
                raise InputError(reason, row=int(rows[0]), field=field or "yi")
            # Warned once the model is fitted: a bad cell elsewhere is the one line the user sees. The rows are the
            # file's (the frame's positions, as metafor's default slab), in the wording of the Python functions.
            omitted = omitted_note(rows - 1, int(keep.sum()))
            notes = (*notes, omitted)
            left_out = tuple(int(i) for i in np.flatnonzero(~keep))
            kept = kept[keep]
            frame, y, v = frame[keep].reset_index(drop=True), y[keep], v[keep]
            # Without a slab, metafor names each study by its position in the data, also after na.omit.
            labels = [str(i + 1) for i in kept] if labels is None else [labels[i] for i in kept]
        chain = (method,) if isinstance(method, str) else tuple(method)
        if (subgroup is not None or cluster is not None) and len(chain) != 1:
            # metafor 3.8-1's rma.mv takes one method; subgroups fit one model per level.
            reason = "a fallback chain is not available with subgroups or a cluster (rma.mv takes one method)"
            raise InputError(reason, field="method", value=chain)
        design = _moderators(frame, mods, file) if mods else None
        a = None if weights is None else frame[weights].to_numpy()
        if cluster is not None:
            check_limits(y, v)  # multilevel reads yi and vi itself; the other models check them as they start
            study = frame[cluster].to_numpy(dtype=object)
            sampling = v if rho is None else vcalc(v, study, obs=np.arange(v.size), rho=rho)
            result = multilevel(  # type: ignore[call-overload]
                y, sampling, study, mods=design, method=chain[0], test=test, level=level, labels=labels
            )
        elif design is not None:
            result = meta_regression(  # type: ignore[arg-type]
                y, v, design, weights=a, method=method, test=test, level=level, control=control, labels=labels,
                rows=kept + 1,
            )  # fmt: skip
        elif subgroup is not None:
            groups = frame[subgroup].to_numpy()
            result = subgroups(  # type: ignore[arg-type]
                y, v, groups, method=chain[0], test=test, level=level, control=control, labels=labels
            )
        else:
            result = random_effects(  # type: ignore[arg-type]
                y, v, weights=a, method=method, test=test, level=level, control=control, labels=labels, rows=kept + 1
            )
    except InputError as err:
        # Re-locate the error in the user's terms: their file, row (counting the rows left out) and column.
        # Before any row is left out, kept is every row, so a row maps to itself.
        where = {"value": err.value} if err.value is not None else {}
        field = to_column.get(err.field or "", err.field)
        if field == "V" and rho is not None:
            # The V was made from the assumed correlation, so that is the value to change.
            field, where = "rho", {"value": rho}
        row = None if err.row is None else int(kept[err.row - 1]) + 1
        raise InputError(err.reason, file=file, row=row, field=field, **where) from err
    if omitted:
        warnings.warn(omitted, SecretomeWarning, stacklevel=2)
    if notes and not isinstance(result, SubgroupResult):
        result = dataclasses.replace(result, notes=(*notes, *result.notes))
    if left_out and isinstance(result, RandomEffectsResult | MetaRegressionResult):
        result = dataclasses.replace(result, omitted=left_out)
    return result


def _effect_sizes(
    frame: pd.DataFrame,
    *,
    yi: str | None,
    vi: str | None,
    measure: Measure | None,
    columns: Mapping[str, str],
    shared_control: str | None = None,
    options: Mapping[str, object] | None = None,
) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """yi, vi and escalc's notes from the columns named (already checked to exist)."""
    if measure is None:
        return frame[yi].to_numpy(), frame[vi].to_numpy(), ()
    raw = {arg: frame[name].to_numpy() for arg, name in columns.items()}
    if shared_control is not None:
        raw["n2i"] = split_shared_control(raw["n2i"], frame[shared_control].tolist())
    es = escalc(measure, **raw, **(options or {}))  # type: ignore[arg-type]
    return es.yi, es.vi, es.notes


def _complete(frame: pd.DataFrame, y: FloatArray, v: FloatArray, by: Sequence[str]) -> NDArray[np.bool_]:
    """Rows with an effect size, a variance and every column of *by* (metafor's complete cases)."""
    missing = pd.isna(pd.Series(y, dtype=object)).to_numpy() | pd.isna(pd.Series(v, dtype=object)).to_numpy()
    if by:
        missing |= frame[list(by)].isna().any(axis=1).to_numpy()
    return ~missing


def _moderators(frame: pd.DataFrame, mods: Sequence[str], file: object) -> pd.DataFrame:
    """The moderator columns, factors dummy-coded against their first sorted level (R's treatment coding)."""
    parts = []
    for name in mods:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            parts.append(column.rename(name))
            continue
        missing = column.isna().to_numpy().nonzero()[0]
        if missing.size:
            raise InputError("is missing", file=file, row=int(missing[0]) + 1, field=name)
        levels = sorted(column.astype(str).unique())
        parts += [(column.astype(str) == level).astype(float).rename(f"{name}{level}") for level in levels[1:]]
    return pd.concat(parts, axis=1)


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

    The model is :func:`meta_from_table`'s with the same options (*mods* required); the plot is
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
    result = meta_from_table(
        frame,
        yi=yi,
        vi=vi,
        measure=measure,
        columns=columns,
        mods=mods,
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
    # meta_from_table has checked these columns and cells; this rebuilds the arrays it fitted.
    y, v, _ = _effect_sizes(
        frame,
        yi=yi,
        vi=vi,
        measure=measure,
        columns=columns or {},
        shared_control=shared_control,
        options=escalc_options,
    )
    keep = _complete(frame, y, v, list(mods))  # the rows meta_from_table fitted
    frame = frame[keep].reset_index(drop=True)
    return regression_plot(result, y[keep], v[keep], _moderators(frame, mods, path), out, moderator=moderator)  # type: ignore[arg-type]
