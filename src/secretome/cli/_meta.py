"""``secretome meta DATA.csv``: meta-analysis of a table, as metafor's rma."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secretome.cli._common import Format, FormatOption, not_landed

_Col = Annotated[str | None, typer.Option(help="Column name.")]


def meta(
    data: Annotated[Path, typer.Argument(help="CSV table, one row per study or effect size.")],
    yi: _Col = None,
    vi: _Col = None,
    measure: Annotated[str | None, typer.Option(help="Effect size: MD, SMD, SMDH, ROM, OR, RR, RD, ZCOR, NMD.")] = None,
    m1: _Col = None,
    sd1: _Col = None,
    n1: _Col = None,
    m2: _Col = None,
    sd2: _Col = None,
    n2: _Col = None,
    ai: _Col = None,
    bi: _Col = None,
    ci: _Col = None,
    di: _Col = None,
    n1i: _Col = None,
    n2i: _Col = None,
    method: Annotated[str, typer.Option(help="tau^2 estimator: EE, FE, DL, REML, ML, PM, EB, SJ, HE, HS.")] = "REML",
    test: Annotated[str, typer.Option(help="z or knha (Knapp-Hartung).")] = "z",
    mod: Annotated[list[str] | None, typer.Option("--mod", help="Moderator column (repeatable).")] = None,
    subgroup: _Col = None,
    cluster: Annotated[str | None, typer.Option(help="Study column for a three-level model.")] = None,
    forest: Annotated[Path | None, typer.Option(help="Write a forest plot (.svg or .pdf).")] = None,
    funnel: Annotated[Path | None, typer.Option(help="Write a funnel plot (.svg or .pdf).")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Pool the effect sizes in DATA with a random-effects (or fixed-effect) model."""
    not_landed("The meta-analysis engine", 3)
