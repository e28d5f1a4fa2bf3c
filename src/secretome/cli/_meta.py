"""``secretome meta DATA.csv``: meta-analysis of a table, as metafor's rma."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from secretome.cli._conventions import Format, FormatOption, emit

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
    from secretome.meta import forest_plot, funnel_plot, meta_from_csv, regression_plot_from_csv

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
        "cluster": cluster,
        "shared_control": shared_control,
        "method": tuple(m.strip() for m in method.split(",")),
        "test": test,
    }
    result = meta_from_csv(data, slab=slab, subgroup=subgroup, **model)
    if regplot:
        regression_plot_from_csv(data, regplot, **model)
    for plot, target in ((forest_plot, forest), (funnel_plot, funnel)):
        if target:
            plot(result, target)
    emit(result, fmt)
