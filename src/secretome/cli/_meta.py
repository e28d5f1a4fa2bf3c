"""``secretome meta DATA.csv``: meta-analysis of a table, as metafor's rma."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from secretome.cli._conventions import Format, FormatOption, emit
from secretome.meta import forest_plot, funnel_plot, meta_from_csv, regression_plot_from_csv

_Col = Annotated[str | None, typer.Option(help="Column name.")]


def meta(
    data: Annotated[Path, typer.Argument(help="CSV table, one row per study or effect size.")],
    yi: Annotated[str | None, typer.Option(help="Column of effect sizes (with --vi).")] = None,
    vi: Annotated[str | None, typer.Option(help="Column of sampling variances (with --yi).")] = None,
    measure: Annotated[str | None, typer.Option(help="Effect size: MD, SMD, SMDH, ROM, OR, RR, RD, ZCOR.")] = None,
    m1: _Col = None,
    sd1: _Col = None,
    n1: Annotated[str | None, typer.Option("--n1", "--n1i", help="Column of group-1 sizes.")] = None,
    m2: _Col = None,
    sd2: _Col = None,
    n2: Annotated[str | None, typer.Option("--n2", "--n2i", help="Column of group-2 sizes.")] = None,
    ai: _Col = None,
    bi: _Col = None,
    ci: _Col = None,
    di: _Col = None,
    ri: Annotated[str | None, typer.Option(help="Column of correlations (ZCOR, with --ni).")] = None,
    ni: Annotated[str | None, typer.Option(help="Column of sample sizes (ZCOR).")] = None,
    slab: Annotated[str | None, typer.Option(help="Column of study labels.")] = None,
    method: Annotated[
        str, typer.Option(help="EE, FE, DL, REML, ML, PM, EB, SJ, HE, HS; a fallback chain as REML,DL.")
    ] = "REML",
    test: Annotated[str, typer.Option(help="z or knha (Knapp-Hartung); z or t with --cluster.")] = "z",
    mod: Annotated[
        list[str] | None, typer.Option("--mod", help="Moderator column (repeatable): a meta-regression (any --method).")
    ] = None,
    subgroup: Annotated[str | None, typer.Option(help="Column of subgroup labels: a subgroup analysis.")] = None,
    cluster: Annotated[str | None, typer.Option(help="Study column for a three-level model.")] = None,
    random: Annotated[
        list[str] | None,
        typer.Option(help="Nested factor columns, outermost first (repeatable): ~ 1 | study/outcome/es."),
    ] = None,
    robust: Annotated[str | None, typer.Option(help="Cluster-robust tests: COLUMN (CR1) or COLUMN:CR2.")] = None,
    selmodel: Annotated[str | None, typer.Option(help="Selection model: 3PSM, beta or step:P1,P2.")] = None,
    fsn: Annotated[str | None, typer.Option(help="Fail-safe N: Rosenthal, Orwin or Rosenberg.")] = None,
    confint: Annotated[bool, typer.Option(help="Profile-likelihood CIs of the sigma^2 of a multilevel model.")] = False,
    profile: Annotated[
        Path | None, typer.Option(help="Write the profile likelihood plot of tau^2 (first sigma^2) (.svg/.pdf).")
    ] = None,
    shared_control: Annotated[
        str | None,
        typer.Option(help="Column naming each row's control group: rows sharing one split its --n2 evenly."),
    ] = None,
    forest: Annotated[
        Path | None,
        typer.Option(help="Write a forest plot (.svg or .pdf): by subgroup with --subgroup, fitted values with --mod."),
    ] = None,
    funnel: Annotated[
        Path | None, typer.Option(help="Write a funnel plot (.svg or .pdf): of the residuals with --mod or --subgroup.")
    ] = None,
    regplot: Annotated[
        Path | None,
        typer.Option(help="Write the bubble plot of a meta-regression on one numeric --mod (.svg or .pdf)."),
    ] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Pool the effect sizes in DATA with a random-effects (or fixed-effect) model."""
    raw = {"m1i": m1, "sd1i": sd1, "n1i": n1, "m2i": m2, "sd2i": sd2, "n2i": n2}
    raw |= {"ai": ai, "bi": bi, "ci": ci, "di": di, "ri": ri, "ni": ni}
    columns = {arg: name for arg, name in raw.items() if name is not None}
    # The options both the model and its regression plot are fitted with.
    model: dict[str, Any] = {
        "yi": yi,
        "vi": vi,
        "measure": measure,
        "columns": columns,
        "mods": mod or (),
        "cluster": cluster or (random[0] if random else None),
        "shared_control": shared_control,
        "method": tuple(m.strip() for m in method.split(",")),
        "test": test,
    }
    result = fitted = meta_from_csv(data, slab=slab, subgroup=subgroup, **model)
    if random or robust or selmodel or fsn or confint or profile:
        from secretome.meta import AnalysisBundle, follow_ups_from_csv

        follow = {"robust_cluster": robust, "selmodel": selmodel, "fsn": fsn, "confint": confint, "profile": profile}
        result = follow_ups_from_csv(data, fitted, mods=mod or (), random=random or (), **follow)
        fitted = result.model if isinstance(result, AnalysisBundle) else result
    if regplot:
        regression_plot_from_csv(data, regplot, **model)
    for plot, target in ((forest_plot, forest), (funnel_plot, funnel)):
        if target:
            plot(fitted, target)  # type: ignore[arg-type]
    emit(result, fmt)
