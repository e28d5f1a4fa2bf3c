"""What the CLI runs after a model is fitted from a table: deeper nesting, robust tests, selection models,
fail-safe N, regression and rank correlation tests for funnel-plot asymmetry, trim-and-fill, influence and
leave-one-out diagnostics, tau^2 and sigma^2 CIs, profile, Baujat, radial, L'Abbe and QQ plots, predictions,
BLUPs, VIFs, Wald tests, GOSH and permutation tests, each located in the user's file and columns (or the
parameter) on error; the CLI names its options instead."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from numpy.typing import ArrayLike

from secretome._progress import ProgressCallback
from secretome._result import Result
from secretome._scheduler import check_scheduler
from secretome.errors import InputError
from secretome.meta._anova import anova
from secretome.meta._confint import tau2_confint
from secretome.meta._csv_tables import read_csv_table, require_columns
from secretome.meta._diagnostics import REGTEST_PREDICTORS, egger_test, leave_one_out
from secretome.meta._failsafe import fail_safe_n
from secretome.meta._fitted_model import coefficient_positions
from secretome.meta._follow_up_diagnostics import (
    DIAGNOSTIC_PLOTS,
    diagnostic_plot,
    draw_diagnostic_plot,
    rank_test_of,
    trim_and_fill_of,
)
from secretome.meta._gosh import gosh, gosh_plot
from secretome.meta._influence import influence
from secretome.meta._meta_regression import meta_regression
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, multilevel, refit_multilevel
from secretome.meta._permutation import permutation_test
from secretome.meta._predict import TRANSFORMS, blup, predict, ranef
from secretome.meta._profile import profile_likelihood, profile_plot, sigma2_confint
from secretome.meta._random_effects import random_effects
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._robust import robust
from secretome.meta._selection import selection_model
from secretome.meta._vif import vif

__all__ = ["AnalysisBundle", "follow_ups_from_csv"]


@dataclasses.dataclass(frozen=True, slots=True)
class AnalysisBundle(Result):
    """A fitted model and the analyses run on it (robust tests, selection model, fail-safe N, ...).

    Attributes
    ----------
    model : Result
        The fitted model.
    names : tuple of str
        The name of each follow-up analysis (``robust``, ``selmodel``, ``fsn``, ``regtest``, ``ranktest``,
        ``trimfill``, ``influence``, ``leave1out``, ``confint``, ``profile``, ``baujat``, ``radial``, ``labbe``,
        ``qqnorm``, ``predict``, ``blup``, ``vif``, ``anova``, ``lrt``, ``gosh``, ``permutest``).
    analyses : tuple of Result
        Their results, in that order.
    """

    model: Result
    names: tuple[str, ...]
    analyses: tuple[Result, ...]

    def summary(self) -> str:
        """The model's summary, then each analysis under its name."""
        parts = [self.model.summary()]
        parts += [f"== {name} ==\n\n{res.summary()}" for name, res in zip(self.names, self.analyses, strict=True)]
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """``{"model": ..., "<name>": ...}``, each as its own ``to_dict()``."""
        out: dict[str, Any] = {"model": self.model.to_dict()}
        out.update({name: res.to_dict() for name, res in zip(self.names, self.analyses, strict=True)})
        return out

    def to_frame(self) -> pd.DataFrame:
        """The model's one-row table."""
        return self.model.to_frame()


def follow_ups_from_csv(
    path: str | Path,
    fit: Result,
    *,
    mods: Sequence[str] = (),
    random: Sequence[str] = (),
    robust_cluster: str | None = None,
    selmodel: str | None = None,
    fsn: str | None = None,
    regtest: str | None = None,
    weights: str | None = None,
    ranktest: bool = False,
    trimfill: str | None = None,
    influence_diagnostics: bool = False,
    leave1out: bool = False,
    control: Mapping[str, object] | None = None,
    confint: bool = False,
    profile: str | Path | None = None,
    baujat_path: str | Path | None = None,
    radial_path: str | Path | None = None,
    labbe_path: str | Path | None = None,
    qqnorm_path: str | Path | None = None,
    measure: str | None = None,
    columns: Mapping[str, str] | None = None,
    escalc_options: Mapping[str, object] | None = None,
    predictions: Sequence[str] = (),
    transf: str | None = None,
    blups: bool = False,
    ranefs: bool = False,
    vifs: bool = False,
    wald: str | None = None,
    lrt: str | None = None,
    gosh_path: str | Path | None = None,
    subsets: int | None = None,
    permutations: int | None = None,
    seed: int = 0,
    scheduler: str = "local",
    progress: ProgressCallback | None = None,
) -> Result:
    """Run the requested analyses on *fit*, the model :func:`meta_from_csv` fitted from the table at *path*.

    Parameters
    ----------
    path : str or Path
        The CSV table the model came from (for the columns named here).
    fit : Result
        The fitted model.
    mods : sequence of str
        The moderator columns of *fit* (numeric ones only, for ``robust`` on a meta-regression).
    random : sequence of str
        Nested factor columns, outermost first (``study``, ``outcome``, ``es``): *fit* (a
        multilevel model on the first) is refitted as :func:`multilevel` with all of them.
    robust_cluster : str, optional
        ``COLUMN`` or ``COLUMN:CR2``: :func:`robust` with that cluster (CR1 by default).
    selmodel : str, optional
        ``3PSM`` (steps 0.025), ``beta`` or ``step:0.025,0.5``: :func:`selection_model`.
    fsn : str, optional
        ``Rosenthal``, ``Orwin`` or ``Rosenberg``: :func:`fail_safe_n`.
    regtest : str, optional
        ``PREDICTOR`` or ``PREDICTOR:COLUMN``: :func:`egger_test` of a model with one effect per study with that
        predictor (``sei``, ``vi``; ``ni``, ``ninv``, ``sqrtni``, ``sqrtninv`` with the sample sizes in COLUMN),
        added to the model's moderators if it has any (metafor's ``regtest(res)``).
    weights : str, optional
        The column of user weights *fit* was fitted with: ``regtest`` refits with them, as metafor's ``regtest``
        with the model's ``weights``. Any other follow-up asked for with them raises
        :class:`~secretome.errors.InputError` (field ``weights``) before anything runs: it would refit without them.
    ranktest : bool
        :func:`rank_test` of the effects of a model with one effect per study (metafor's ``ranktest(res)``).
    trimfill : str, optional
        ``SIDE`` or ``SIDE:ESTIMATOR`` (``auto``, ``left``, ``right``; ``L0`` or ``R0``): :func:`trim_and_fill`
        of a model without moderators, with its method, test, level and *control*.
    influence_diagnostics : bool
        :func:`influence` of a model with one effect per study, with or without moderators.
    leave1out : bool
        :func:`leave_one_out` of a model without moderators: with them it stops in metafor's words ("Method only
        applicable to models without moderators."); ``influence_diagnostics`` gives each refit's change then.
    control : mapping, optional
        The model's metafor ``control`` settings, for the refits of ``regtest``, ``trimfill``,
        ``influence_diagnostics`` and ``leave1out``.
    confint : bool
        :func:`sigma2_confint` of a multilevel model, :func:`tau2_confint` of the others.
    profile : str or Path, optional
        Write :func:`profile_plot` of tau^2 (or of the first sigma^2) there (.svg or .pdf).
    baujat_path, radial_path, labbe_path, qqnorm_path : str or Path, optional
        Write the :func:`baujat_plot`, :func:`radial_plot`, :func:`labbe_plot` or :func:`qq_plot` (its
        envelope simulated with *seed*) of *fit* there (.svg or .pdf), once every analysis asked for has
        run. Baujat and QQ take one effect per study, radial and L'Abbe no moderators either.
    measure, columns, escalc_options : optional
        The effect size, its raw-data columns (escalc argument -> column) and escalc options *fit* was
        computed with: a L'Abbe plot needs measure RR, OR or RD and the counts ``ai``, ``ci`` and ``bi``
        or ``n1i``, ``di`` or ``n2i``, and draws them with the model's ``add`` (to ``only0``).
    predictions : sequence of str
        :func:`predict` at these moderator values, one ``NAME=VALUE,NAME=VALUE`` per prediction,
        every moderator of the model named (its coefficient names: a factor's dummies as
        ``column`` + level).
    transf : str, optional
        Back-transformation of the predictions and BLUPs (``exp``, ``ilogit``, ``ztor``,
        ``iarcsin``); alone, it asks for the back-transformed pooled estimate or fitted values.
    blups : bool
        :func:`blup` of each study.
    ranefs : bool
        :func:`ranef`: each study's random effect, or of a multilevel model each level's of every
        factor (metafor's ``ranef.rma.mv``; no back-transformation there, as metafor).
    vifs : bool
        :func:`vif` of a meta-regression.
    wald : str, optional
        :func:`anova` of these coefficients, by 1-based number or name (``2,3,4`` or ``ablat,year``).
    lrt : str, optional
        Likelihood-ratio test (:func:`anova` of two models) of the meta-regression *fit* (or multilevel
        meta-regression) against the same model without these coefficients (numbers or names, as *wald*), both
        refitted with ML when fitted with REML (metafor's ``anova(full, reduced, refit = TRUE)``).
    gosh_path : str or Path, optional
        :func:`gosh` of a model without moderators, its :func:`gosh_plot` written there (.svg or .pdf).
    subsets : int, optional
        Random subsets for GOSH (metafor's ``subsets``; default every subset up to 10^6 of them).
    permutations : int, optional
        :func:`permutation_test` of the model (with or without moderators) with this many permutations
        (metafor's ``iter``; exact when there are no more distinct ones).
    seed : int
        Seed of the random GOSH subsets and permutations and of the QQ plot's envelope.
    scheduler : str
        Where GOSH and the permutation test run (:mod:`secretome._scheduler`); the same result on each.
    progress : callable, optional
        Progress callback ``(task, done, total)`` of GOSH and the permutation test.

    Returns
    -------
    Result
        *fit* itself (refitted with *random*) when nothing else was asked, else an
        :class:`AnalysisBundle`.
    """
    frame: pd.DataFrame | None = None

    def column(name: str) -> pd.Series:
        nonlocal frame
        if frame is None:
            frame = read_csv_table(path)
        require_columns(frame, [name], path)
        values = frame[name]
        if len(values) != fit.k:
            reason = "rows were left out of the model for missing values; this follow-up needs every row complete"
            raise InputError(reason, file=path, field=name)
        missing = values.isna().to_numpy().nonzero()[0]
        if missing.size:
            raise InputError("is missing", file=path, row=int(missing[0]) + 1, field=name)
        return values

    check_scheduler(scheduler)
    if weights is not None:
        asked = {"random": random, "robust_cluster": robust_cluster, "selmodel": selmodel, "fsn": fsn,
                 "ranktest": ranktest, "trimfill": trimfill, "influence_diagnostics": influence_diagnostics,
                 "leave1out": leave1out, "confint": confint, "predictions": predictions, "transf": transf,
                 "blups": blups, "vifs": vifs, "wald": wald, "lrt": lrt}  # fmt: skip
        given = {"profile": profile, "baujat_path": baujat_path, "radial_path": radial_path, "labbe_path": labbe_path,
                 "qqnorm_path": qqnorm_path, "gosh_path": gosh_path, "permutations": permutations}  # fmt: skip
        unweighted = [name for name, value in asked.items() if value]
        unweighted += [name for name, value in given.items() if value is not None]
        if unweighted:
            # They would refit or read the model as inverse-variance weighted; only regtest refits with the weights,
            # as metafor's regtest does with the model's.
            reason = f"user weights are for the model fit and regtest alone: not with {', '.join(unweighted)}"
            raise InputError(reason, field="weights", value=weights)
    plots = {"gosh_path": gosh_path, "baujat_path": baujat_path, "radial_path": radial_path,
             "labbe_path": labbe_path, "qqnorm_path": qqnorm_path}  # fmt: skip
    for parameter, target in plots.items():
        if target is not None and Path(target).suffix.lower() not in (".svg", ".pdf"):
            # Checked before any analysis runs: GOSH can take long, and a plot is its only file.
            what = DIAGNOSTIC_PLOTS.get(parameter, "GOSH")
            raise InputError(f"the {what} plot is written as .svg or .pdf", field=parameter, value=str(target))
    if random:
        fit = _nested(fit, {name: column(name).to_numpy(dtype=object) for name in random}, path)
    names: list[str] = []
    analyses: list[Result] = []
    # The diagnostic plots' data first, so that a plot the model cannot take is refused before any work,
    # and their files last, once every analysis has run: nothing is written for a request that fails.
    diagnostics: list[tuple[str, Result]] = []
    zero_cells = dict(escalc_options or {})
    for parameter in DIAGNOSTIC_PLOTS:
        if plots[parameter] is None:
            continue
        counts: dict[str, pd.Series] = {}
        if parameter == "labbe_path":
            given = dict(columns or {})
            counts = {arg: column(given[arg]) for arg in ("ai", "bi", "ci", "di", "n1i", "n2i") if arg in given}
        result = diagnostic_plot(parameter, fit, measure=measure, counts=counts, add=zero_cells.get("add"),  # type: ignore[arg-type]
                                 to=zero_cells.get("to"), seed=seed)  # type: ignore[arg-type]  # fmt: skip
        diagnostics.append((parameter, result))
    if robust_cluster:
        name, _, kind = robust_cluster.partition(":")
        vcov_type = kind.upper() or "CR1"
        if vcov_type not in ("CR1", "CR2"):
            raise InputError("is COLUMN or COLUMN:CR2", field="robust_cluster", value=robust_cluster)
        analyses.append(robust(fit, column(name).to_numpy(dtype=object), vcov_type=vcov_type))
        names.append("robust")
    if selmodel:
        analyses.append(_selection(fit, selmodel))
        names.append("selmodel")
    if fsn:
        if not isinstance(fit, RandomEffectsResult | MetaRegressionResult):
            raise InputError("fail-safe N takes one effect per study (no cluster)", field="fsn", value=fsn)
        analyses.append(fail_safe_n(fit.yi, fit.vi, type=fsn))  # type: ignore[arg-type]
        names.append("fsn")
    if regtest:
        user = None if weights is None else column(weights).to_numpy()
        analyses.append(_regtest(fit, regtest, column, control, path, user))
        names.append("regtest")
    if ranktest:
        analyses.append(rank_test_of(fit))
        names.append("ranktest")
    if trimfill:
        analyses.append(trim_and_fill_of(fit, trimfill, control))
        names.append("trimfill")
    if influence_diagnostics or leave1out:
        one = _one_per_study(fit, "influence_diagnostics" if influence_diagnostics else "leave1out")
        refit: dict[str, Any] = {"method": one.method, "test": one.test, "level": one.level,
                                 "control": control, "labels": one.labels}  # fmt: skip
        if influence_diagnostics:
            if isinstance(one, MetaRegressionResult):
                refit |= {"mods": [row[1:] for row in one.design], "names": one.coef_names[1:]}
            analyses.append(influence(one.yi, one.vi, **refit))
            names.append("influence")
        if leave1out:
            if isinstance(one, MetaRegressionResult):
                # metafor's leave1out (3.8-1, and 5.1 still) stops so; its influence() takes them.
                raise InputError("Method only applicable to models without moderators.", field="leave1out")
            analyses.append(leave_one_out(one.yi, one.vi, **refit))
            names.append("leave1out")
    if confint:
        if isinstance(fit, MultilevelResult | MultilevelRegressionResult):
            analyses.append(sigma2_confint(fit))
        else:
            analyses.append(tau2_confint(_one_per_study(fit, "confint")))
        names.append("confint")
    if profile is not None:
        if not isinstance(fit, RandomEffectsResult | MultilevelResult | MultilevelRegressionResult):
            raise InputError("a profile plot needs a model without moderators or a multilevel model", field="profile")
        prof = profile_likelihood(fit)
        profile_plot(prof, profile)
        analyses.append(prof)
        names.append("profile")
    if predictions or transf:
        model = _with_coefficients(fit, "predictions")
        new = _new_moderators(predictions, model) if predictions else None
        analyses.append(predict(model, new, transf=_transform(transf)))
        names.append("predict")
    if blups:
        analyses.append(blup(_one_per_study(fit, "blups"), transf=_transform(transf)))
        names.append("blup")
    if ranefs:
        multilevel_fit = isinstance(fit, MultilevelResult | MultilevelRegressionResult)
        if multilevel_fit and transf:
            raise InputError("the random effects of a multilevel model are not back-transformed (nor are metafor's)",
                             field="transf", value=transf)  # fmt: skip
        target = fit if multilevel_fit else _one_per_study(fit, "ranefs")
        analyses.append(ranef(target, transf=_transform(transf)))  # type: ignore[arg-type]
        names.append("ranef")
    if vifs:
        if not isinstance(fit, MetaRegressionResult | MultilevelRegressionResult) or fit.p == 1:
            raise InputError("VIFs not applicable to intercept-only models.", field="vifs")
        analyses.append(vif(fit))
        names.append("vif")
    if wald:
        try:
            analyses.append(anova(_with_coefficients(fit, "wald"), btt=_coefficient_list(wald)))
        except InputError as err:
            raise InputError(err.reason, field="wald", value=err.value) from err
        names.append("anova")
    if lrt:
        try:
            analyses.append(anova(fit, _reduced(fit, lrt, control), refit=True))  # type: ignore[arg-type]
        except InputError as err:
            raise InputError(err.reason, field="lrt", value=err.value) from err
        names.append("lrt")
    if gosh_path is not None:
        if not isinstance(fit, RandomEffectsResult):
            raise InputError("GOSH takes a model without moderators, subgroups or clusters", field="gosh_path")
        result = gosh(fit.yi, fit.vi, method=fit.method, subsets=subsets, seed=seed, scheduler=scheduler,  # type: ignore[arg-type]
                      progress=progress)  # fmt: skip
        gosh_plot(result, gosh_path)
        analyses.append(result)
        names.append("gosh")
    if permutations is not None:
        if not isinstance(fit, RandomEffectsResult | MetaRegressionResult) or fit.test not in ("z", "knha"):
            raise InputError("a permutation test takes one effect per study (no clusters or subgroups)",
                             field="permutations", value=permutations)  # fmt: skip
        table = pd.concat([column(m) for m in mods], axis=1) if isinstance(fit, MetaRegressionResult) else None
        options: dict[str, Any] = {"method": fit.method, "test": fit.test, "iter": permutations, "seed": seed}
        try:
            analyses.append(permutation_test(fit.yi, fit.vi, table, scheduler=scheduler, progress=progress, **options))
        except InputError as err:  # a moderator the test cannot take (not numeric): say where it is
            if err.field not in mods:
                raise
            raise InputError(err.reason, file=path, row=err.row, field=err.field, value=err.value) from err
        names.append("permutest")
    for parameter, result in diagnostics:
        draw_diagnostic_plot(result, plots[parameter])  # type: ignore[arg-type]
        analyses.append(result)
        names.append(parameter.removesuffix("_path"))
    if not analyses:
        return fit
    return AnalysisBundle(fit, tuple(names), tuple(analyses))


def _regtest(
    fit: Result,
    spec: str,
    column: Callable[[str], pd.Series],
    control: Mapping[str, object] | None,
    path: str | Path,
    weights: ArrayLike | None,
) -> Result:
    if not isinstance(fit, RandomEffectsResult | MetaRegressionResult):
        raise InputError("the regression test takes a model with one effect per study (no cluster or subgroup)",
                         field="regtest")  # fmt: skip
    # With moderators the predictor is added to them, as metafor's regtest of a model with moderators.
    mods: dict[str, Any] = {}
    if isinstance(fit, MetaRegressionResult):
        mods = {"mods": [row[1:] for row in fit.design], "names": fit.coef_names[1:]}
    predictor, _, name = (part.strip() for part in spec.partition(":"))
    if predictor not in REGTEST_PREDICTORS:
        raise InputError(f"is PREDICTOR or PREDICTOR:COLUMN, PREDICTOR one of {', '.join(REGTEST_PREDICTORS)}",
                         field="regtest", value=spec)  # fmt: skip
    if predictor not in ("sei", "vi") and not name:
        raise InputError(f"{predictor} needs the column of sample sizes: {predictor}:COLUMN", field="regtest")
    ni = column(name).to_numpy() if name else None
    try:
        return egger_test(fit.yi, fit.vi, predictor=predictor, ni=ni, weights=weights, method=fit.method,  # type: ignore[arg-type]
                          test=fit.test, level=fit.level, control=control, **mods)  # fmt: skip
    except InputError as err:
        if err.field != "ni":
            raise
        # ni came from the user's column: name it and its row in the file.
        raise InputError(err.reason, file=path, row=err.row, field=name, value=err.value) from err


def _one_per_study(fit: Result, parameter: str) -> RandomEffectsResult | MetaRegressionResult:
    if not isinstance(fit, RandomEffectsResult | MetaRegressionResult):
        raise InputError("needs a model with one effect per study (no cluster or subgroup)", field=parameter)
    return fit


_Coefficients = RandomEffectsResult | MetaRegressionResult | MultilevelResult | MultilevelRegressionResult


def _with_coefficients(fit: Result, parameter: str) -> _Coefficients:
    if not isinstance(fit, _Coefficients):
        raise InputError("needs one model (no subgroup)", field=parameter)
    return fit


def _reduced(
    fit: Result, drop: str, control: Mapping[str, object] | None
) -> RandomEffectsResult | MetaRegressionResult | MultilevelResult | MultilevelRegressionResult:
    """*fit*, a meta-regression (or a multilevel one), refitted on the same rows without the coefficients in *drop*."""
    if not isinstance(fit, MetaRegressionResult | MultilevelRegressionResult):
        raise InputError("a likelihood-ratio test here compares a meta-regression (mods) with a smaller one",
                         field="lrt", value=drop)  # fmt: skip
    have = ", ".join(f"{i + 1} {name}" for i, name in enumerate(fit.coef_names) if i)
    reason = f"names no moderator coefficient; the moderators are {have}"
    try:
        dropped = coefficient_positions(_coefficient_list(drop), fit.coef_names, field="lrt")
    except InputError as err:
        raise InputError(reason, field="lrt", value=err.value) from err
    if 0 in dropped:  # the reduced model keeps its intercept, as metafor's anova(full, reduced) compares
        raise InputError(reason, field="lrt", value=fit.coef_names[0])
    kept = [i for i in range(1, fit.p) if i not in dropped]
    if isinstance(fit, MultilevelRegressionResult):
        return refit_multilevel(fit, keep=kept)
    if not kept:
        return random_effects(fit.yi, fit.vi, method=fit.method, control=control)  # type: ignore[arg-type]
    design = [[row[i] for i in kept] for row in fit.design]
    names = [fit.coef_names[i] for i in kept]
    return meta_regression(fit.yi, fit.vi, design, method=fit.method, control=control, names=names)  # type: ignore[arg-type]


def _coefficient_list(text: str) -> list[int | str]:
    """``2,3,4`` or ``ablat,year`` as metafor's ``btt``: 1-based numbers or names."""
    return [int(t) if t.isdigit() else t for t in (part.strip() for part in text.split(",")) if t]


def _transform(transf: str | None) -> str | None:
    if transf is not None and transf not in TRANSFORMS:
        raise InputError(f"is one of {', '.join(TRANSFORMS)}", field="transf", value=transf)
    return transf


def _new_moderators(rows: Sequence[str], fit: _Coefficients) -> dict[str, list[float]]:
    """*predictions*, ``NAME=VALUE,...`` each, as moderator name -> values, every moderator named."""
    moderators = fit.coef_names[1:] if isinstance(fit, MetaRegressionResult | MultilevelRegressionResult) else ()
    if not moderators:
        raise InputError("Cannot specify new moderator values for models without moderators.", field="predictions")
    values: dict[str, list[float]] = {name: [] for name in moderators}
    for row in rows:
        given: dict[str, float] = {}
        for item in row.split(","):
            name, sep, text = (part.strip() for part in item.partition("="))
            if not sep or name not in values:
                have = ", ".join(moderators)
                raise InputError(f"is NAME=VALUE,... with NAME one of {have}", field="predictions", value=item.strip())
            try:
                given[name] = float(text)
            except ValueError:
                raise InputError(f"the value of {name} is not a number", field="predictions", value=text) from None
        missing = [name for name in moderators if name not in given]
        if missing:
            raise InputError(f"gives no value for {', '.join(missing)}", field="predictions", value=row)
        for name in moderators:
            values[name].append(given[name])
    return values


def _nested(fit: Result, levels: dict[str, Any], path: str | Path) -> Result:
    if not isinstance(fit, MultilevelResult | MultilevelRegressionResult):
        raise InputError("nested factors need a multilevel model (a cluster)", field="random")
    options: dict[str, Any] = {"method": fit.method, "test": fit.test, "level": fit.level, "labels": fit.labels}
    if isinstance(fit, MultilevelRegressionResult):
        options |= {"mods": [row[1:] for row in fit.design], "names": fit.coef_names[1:]}
    # A known sampling covariance matrix (vcalc's) stays: the deeper model differs in its random effects alone.
    sampling = fit.vi if fit.V is None else fit.V
    try:
        return multilevel(fit.yi, sampling, levels, **options)
    except InputError as err:
        raise InputError(err.reason, file=path, row=err.row, field=err.field) from err


def _selection(fit: Result, spec: str) -> Result:
    if not isinstance(fit, RandomEffectsResult):
        raise InputError("selection models take a model without moderators or clusters", field="selmodel")
    if spec.lower() == "3psm":
        return selection_model(fit, steps=(0.025,))
    if spec.lower() == "beta":
        return selection_model(fit, type="beta")
    kind, _, steps = spec.partition(":")
    if kind.lower() != "step" or not steps:
        raise InputError("is 3PSM, beta or step:P1,P2,...", field="selmodel", value=spec)
    try:
        cuts = tuple(float(s) for s in steps.split(","))
    except ValueError:
        raise InputError("cut points must be numbers, e.g. step:0.025,0.5", field="selmodel", value=spec) from None
    return selection_model(fit, steps=cuts)
