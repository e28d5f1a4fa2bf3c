"""``secretome meta DATA.csv``: meta-analysis of a table, as metafor's rma, rma.mh and rma.peto."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from secretome.cli._conventions import Format, FormatOption, emit, progress_bar
from secretome.errors import InputError

_Col = Annotated[str | None, typer.Option(help="Column name.")]


def meta(
    data: Annotated[Path, typer.Argument(help="CSV table, one row per study or effect size.")],
    yi: Annotated[str | None, typer.Option(help="Column of effect sizes (with --vi).")] = None,
    vi: Annotated[str | None, typer.Option(help="Column of sampling variances (with --yi).")] = None,
    measure: Annotated[
        str | None,
        typer.Option(
            help="Effect size (metafor's names): MD, SMD, SMDH, ROM, OR, RR, RD, PETO, PR, PLO, PAS, PFT, "
            "IR, IRR, MC, SMCC, SMCR, COR, ZCOR."
        ),
    ] = None,
    m1: _Col = None,
    sd1: _Col = None,
    n1: Annotated[str | None, typer.Option("--n1", "--n1i", help="Column of group-1 sizes.")] = None,
    m2: _Col = None,
    sd2: _Col = None,
    n2: Annotated[str | None, typer.Option("--n2", "--n2i", help="Column of group-2 sizes.")] = None,
    se1: Annotated[str | None, typer.Option(help="Column of SEs of the group-1 means (where --sd1 is empty).")] = None,
    se2: Annotated[str | None, typer.Option(help="Column of SEs of the group-2 means (where --sd2 is empty).")] = None,
    ci1: Annotated[str | None, typer.Option(help="LOWER,UPPER columns of the CI of the group-1 means.")] = None,
    ci2: Annotated[str | None, typer.Option(help="LOWER,UPPER columns of the CI of the group-2 means.")] = None,
    ci_level: Annotated[float, typer.Option(help="Level of those CIs, a proportion.")] = 0.95,
    ci_dist: Annotated[str, typer.Option(help="Those CIs used t(n-1) (t) or the normal (z).")] = "t",
    ti: Annotated[str | None, typer.Option(help="Column of t statistics (SMD, MD); person-time for IR.")] = None,
    pi: Annotated[
        str | None, typer.Option(help="Column of two-sided p-values, exact or as 'P < 0.05' (flagged as a bound).")
    ] = None,
    fi: Annotated[str | None, typer.Option(help="Column of F(1, n1+n2-2) statistics (SMD, MD).")] = None,
    direction: Annotated[str | None, typer.Option(help="Column of effect directions (+1/-1) for --pi, --fi.")] = None,
    ai: _Col = None,
    bi: _Col = None,
    ci: _Col = None,
    di: Annotated[str | None, typer.Option(help="Column name (2x2 cell; Cohen's d for SMD).")] = None,
    xi: Annotated[str | None, typer.Option(help="Column of events (PR, PLO, PAS, PFT, IR).")] = None,
    mi: Annotated[str | None, typer.Option(help="Column of non-events (PR, ...; or give --ni).")] = None,
    x1i: _Col = None,
    x2i: _Col = None,
    t1i: _Col = None,
    t2i: _Col = None,
    ri: Annotated[
        str | None,
        typer.Option(
            help="Column of correlations; for MC, SMCC, SMCR also a value assumed for every row (0.5), "
            "or values (0.3,0.5,0.7) for a sensitivity analysis."
        ),
    ] = None,
    ni: Annotated[str | None, typer.Option(help="Column of sample sizes.")] = None,
    add: Annotated[float | None, typer.Option(help="Added to zero cells (metafor's add).")] = None,
    to: Annotated[str | None, typer.Option(help="Which tables get --add: only0, all, if0all, none.")] = None,
    drop00: Annotated[
        bool | None, typer.Option("--drop00/--keep00", help="Drop tables without events in both groups.")
    ] = None,
    slab: Annotated[str | None, typer.Option(help="Column of study labels.")] = None,
    method: Annotated[
        str,
        typer.Option(
            help="EE, FE, DL, REML, ML, PM, PMM, EB, SJ, HE, HS, HSk, GENQ, GENQM (need --weights); a fallback chain "
            "as REML,DL; or MH, PETO (Mantel-Haenszel, Peto) for counts."
        ),
    ] = "REML",
    weights: Annotated[
        str | None,
        typer.Option(
            help="Column of user weights for the model fit (metafor's weights), which --regtest refits with; "
            "GENQ's and GENQM's a_i."
        ),
    ] = None,
    test: Annotated[str, typer.Option(help="z or knha (Knapp-Hartung); z or t with --cluster.")] = "z",
    mod: Annotated[
        list[str] | None, typer.Option("--mod", help="Moderator column (repeatable): a meta-regression (any --method).")
    ] = None,
    subgroup: Annotated[str | None, typer.Option(help="Column of subgroup labels: a subgroup analysis.")] = None,
    cluster: Annotated[str | None, typer.Option(help="Study column for a three-level model.")] = None,
    rho: Annotated[
        float | None,
        typer.Option(
            help="With --cluster: the assumed correlation of the sampling errors of two effect sizes of a study "
            "(the V of metafor's vcalc(vi, cluster, obs, rho))."
        ),
    ] = None,
    random: Annotated[
        list[str] | None,
        typer.Option(help="Nested factor columns, outermost first (repeatable): ~ 1 | study/outcome/es."),
    ] = None,
    robust: Annotated[str | None, typer.Option(help="Cluster-robust tests: COLUMN (CR1) or COLUMN:CR2.")] = None,
    selmodel: Annotated[str | None, typer.Option(help="Selection model: 3PSM, beta or step:P1,P2.")] = None,
    fsn: Annotated[str | None, typer.Option(help="Fail-safe N: Rosenthal, Orwin or Rosenberg.")] = None,
    regtest: Annotated[
        str | None,
        typer.Option(
            help="Regression test for funnel-plot asymmetry (metafor's regtest) on this predictor: sei (Egger's "
            "test), vi; or ni, ninv, sqrtni, sqrtninv with the column of sample sizes as PREDICTOR:COLUMN. With "
            "--mod the predictor is added to the moderators."
        ),
    ] = None,
    ranktest: Annotated[
        bool, typer.Option(help="Rank correlation test for funnel-plot asymmetry (metafor's ranktest).")
    ] = False,
    trimfill: Annotated[
        str | None,
        typer.Option(
            help="Trim-and-fill (metafor's trimfill) on a side: auto, left or right, with the estimator as "
            "SIDE:R0 (default L0)."
        ),
    ] = None,
    influence: Annotated[
        bool, typer.Option(help="Influence diagnostics of each study (metafor's influence), also with --mod.")
    ] = False,
    leave1out: Annotated[
        bool,
        typer.Option(help="Refit without each study in turn (metafor's leave1out; not with --mod: use --influence)."),
    ] = False,
    confint: Annotated[
        bool,
        typer.Option(help="CIs of tau^2 (Q-profile), or of the sigma^2 of a multilevel model (profile likelihood)."),
    ] = False,
    profile: Annotated[
        Path | None, typer.Option(help="Write the profile likelihood plot of tau^2 (first sigma^2) (.svg/.pdf).")
    ] = None,
    baujat: Annotated[Path | None, typer.Option(help="Write a Baujat plot (.svg or .pdf; also with --mod).")] = None,
    radial: Annotated[
        Path | None, typer.Option(help="Write a radial (Galbraith) plot (.svg or .pdf; not with --mod).")
    ] = None,
    labbe: Annotated[
        Path | None,
        typer.Option(help="Write a L'Abbe plot (.svg or .pdf) of a --measure RR, OR or RD from 2x2 counts."),
    ] = None,
    qqnorm: Annotated[
        Path | None,
        typer.Option(help="Write the normal QQ plot of the standardized residuals (.svg or .pdf; envelope by --seed)."),
    ] = None,
    shared_control: Annotated[
        str | None,
        typer.Option(help="Column naming each row's control group: rows sharing one split its --n2 evenly."),
    ] = None,
    control: Annotated[
        list[str] | None,
        typer.Option(
            help="metafor's control setting NAME=VALUE (repeatable): tol, maxiter, stepadj, threshold, tau2_init, "
            "tau2_max, ll0check; metafor's defaults otherwise (tol=1.22e-4, maxiter=100, stepadj=1, threshold=1e-5)."
        ),
    ] = None,
    na_action: Annotated[
        str,
        typer.Option(help="omit: leave out rows with a missing value, with a warning (metafor's default); fail: stop."),
    ] = "omit",
    combine_p: Annotated[
        str | None, typer.Option(help="Combine the --pi p-values instead: fisher, or stouffer (weighted by --ni).")
    ] = None,
    albatross: Annotated[
        Path | None, typer.Option(help="With --combine-p: write an albatross plot (.svg or .pdf; needs --ni).")
    ] = None,
    forest: Annotated[
        Path | None,
        typer.Option(
            help="Write a forest plot (.svg or .pdf): by subgroup with --subgroup, fitted values with --mod; with MH "
            "or PETO the tables and their weights (double-zero tables pooled, not drawn)."
        ),
    ] = None,
    funnel: Annotated[
        Path | None, typer.Option(help="Write a funnel plot (.svg or .pdf): of the residuals with --mod or --subgroup.")
    ] = None,
    regplot: Annotated[
        Path | None,
        typer.Option(help="Write the bubble plot of a meta-regression on one numeric --mod (.svg or .pdf)."),
    ] = None,
    gosh: Annotated[
        Path | None,
        typer.Option(help="GOSH: fit every subset of the studies (metafor's gosh); write its plot (.svg or .pdf)."),
    ] = None,
    subsets: Annotated[
        int | None, typer.Option(min=2, help="GOSH on this many random subsets (default: every subset up to 10^6).")
    ] = None,
    permutest: Annotated[
        int | None,
        typer.Option(
            min=2, help="Permutation test (metafor's permutest) with this many permutations (exact if fewer)."
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, help="Seed of the GOSH subsets, the permutations and the QQ plot's envelope.")
    ] = 0,
    scheduler: Annotated[
        str,
        typer.Option(
            help="Where GOSH and the permutation test run: local, processes (a local Dask cluster) or a Dask "
            "scheduler address tcp://host:port. Results are the same on each."
        ),
    ] = "local",
    predict: Annotated[
        list[str] | None,
        typer.Option(help="Predict at moderator values NAME=VALUE,NAME=VALUE (repeatable: one per prediction)."),
    ] = None,
    transf: Annotated[
        str | None, typer.Option(help="Back-transform predictions and BLUPs: exp, ilogit, ztor or iarcsin.")
    ] = None,
    blup: Annotated[bool, typer.Option(help="Best linear unbiased predictions of each study's true effect.")] = False,
    ranef: Annotated[
        bool, typer.Option(help="Random effects: each study's, or each level's of each factor (--cluster/--random).")
    ] = False,
    vif: Annotated[bool, typer.Option(help="Variance inflation factors of the moderators (with --mod).")] = False,
    anova: Annotated[
        str | None, typer.Option(help="Wald test of these coefficients, by number or name: 2,3 or ablat,year.")
    ] = None,
    lrt: Annotated[
        str | None,
        typer.Option(help="Likelihood-ratio test against the model without these moderators (ML refits): ablat,year."),
    ] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Pool the effect sizes in DATA with a random-effects (or fixed-effect, Mantel-Haenszel, Peto) model."""
    _check_plots({"--forest": forest, "--funnel": funnel, "--regplot": regplot, "--profile": profile,
                  "--albatross": albatross, "--baujat": baujat, "--radial": radial, "--labbe": labbe,
                  "--qqnorm": qqnorm})  # fmt: skip
    # Engines are imported here so that `secretome --help` does not load them.
    from secretome.meta import (
        change_sensitivity_from_csv,
        combine_p_from_csv,
        forest_plot,
        funnel_plot,
        meta_from_csv,
        pool_counts_from_csv,
        regression_plot_from_csv,
    )

    raw = {"m1i": m1, "sd1i": sd1, "n1i": n1, "m2i": m2, "sd2i": sd2, "n2i": n2, "se1i": se1, "se2i": se2}
    raw |= {"ti": ti, "pi": pi, "fi": fi, "direction": direction, "ai": ai, "bi": bi, "ci": ci, "di": di, "xi": xi}
    raw |= {"mi": mi, "x1i": x1i, "x2i": x2i, "t1i": t1i, "t2i": t2i, "ni": ni}
    raw |= _limits(ci1, 1) | _limits(ci2, 2)
    assumed = _correlations(ri, measure)
    raw["ri"] = ri if assumed is None else None
    columns = {arg: name for arg, name in raw.items() if name is not None}
    options: dict[str, Any] = {k: v for k, v in (("add", add), ("to", to), ("drop00", drop00)) if v is not None}
    follow_ups = {"--random": random, "--robust": robust, "--selmodel": selmodel, "--fsn": fsn, "--regtest": regtest,
                  "--ranktest": ranktest, "--trimfill": trimfill, "--baujat": baujat, "--radial": radial,
                  "--labbe": labbe, "--qqnorm": qqnorm,
                  "--influence": influence, "--leave1out": leave1out, "--confint": confint, "--profile": profile,
                  "--predict": predict, "--transf": transf, "--blup": blup, "--ranef": ranef, "--vif": vif,
                  "--anova": anova, "--lrt": lrt, "--gosh": gosh, "--permutest": permutest}  # fmt: skip
    asked = [flag for flag, value in follow_ups.items() if value]
    follow_up = bool(asked)
    several_r = assumed is not None and len(assumed) > 1
    pooled_apart = combine_p is not None or method.upper() in ("MH", "PETO") or several_r
    if asked and pooled_apart:
        # These paths pool without a random-effects model, so a follow-up would be dropped without a word.
        reason = "follow-up analyses refit a random-effects model: not with --combine-p, MH, PETO or several --ri"
        raise InputError(reason, field=asked[0], value=str(follow_ups[asked[0]]))
    counts = method.upper() in ("MH", "PETO")
    # MH and PETO draw their own forest; no other plot has a model to draw there, so it would be dropped.
    plots = {"--forest": forest, "--funnel": funnel, "--regplot": regplot}
    undrawn = [
        flag for flag, target in plots.items() if target and pooled_apart and not (counts and flag == "--forest")
    ]
    if undrawn:
        reason = (
            "draws a random-effects model: not with --combine-p, MH, PETO or several --ri (MH and PETO draw --forest)"
        )
        raise InputError(reason, field=undrawn[0], value=str(plots[undrawn[0]]))
    if rho is not None and pooled_apart:
        reason = "an assumed correlation is for a three-level model: not with --combine-p, MH, PETO or several --ri"
        raise InputError(reason, field="--rho", value=rho)
    # Options of the random-effects model: the other paths pool without one, so they would be dropped unsaid.
    model_options = {"--mod": mod, "--subgroup": subgroup, "--cluster": cluster, "--weights": weights,
                     "--shared-control": shared_control, "--control": control}  # fmt: skip
    dropped = [flag for flag, value in model_options.items() if value and pooled_apart]
    if dropped:
        reason = "is an option of the random-effects model: not with --combine-p, MH, PETO or several --ri"
        raise InputError(reason, field=dropped[0], value=str(model_options[dropped[0]]))
    if albatross is not None and combine_p is None:
        raise InputError("draws combined p-values: give --combine-p", field="--albatross", value=str(albatross))
    if combine_p is not None:
        combined = combine_p_from_csv(data, columns=columns, method=combine_p, slab=slab, albatross=albatross)  # type: ignore[arg-type]
        return emit(combined, fmt)
    if counts:
        pooled = pool_counts_from_csv(
            data, method=method.upper(), measure=measure, columns=columns, slab=slab, **options
        )  # type: ignore[arg-type]
        if forest:
            forest_plot(pooled, forest)
        return emit(pooled, fmt)
    if assumed is not None and len(assumed) > 1:
        sens = change_sensitivity_from_csv(
            data, measure=measure, columns=columns, r=assumed, method=method, test=test, slab=slab
        )  # type: ignore[arg-type]
        return emit(sens, fmt)
    options |= {"ri": assumed[0]} if assumed else {}
    options |= {"ci_level": ci_level, "ci_dist": ci_dist} if (ci1 or ci2) else {}
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
        "escalc_options": options,
        "na_action": na_action,
        "control": _control_settings(control or ()),
    }
    unweighted = [flag for flag in asked if flag != "--regtest"] + (["--regplot"] if regplot else [])
    if weights is not None and unweighted:
        # These refit the model from the table without the weights; --regtest refits with them (metafor's regtest).
        reason = f"user weights are for the model fit and --regtest alone: not with {', '.join(unweighted)}"
        raise InputError(reason, field="--weights", value=weights)
    if labbe and shared_control:
        # The plot reads the counts as the file has them; the model split the shared control's n among its rows.
        raise InputError("the L'Abbe plot draws the counts as given: not with --shared-control", field="--labbe")
    result = fitted = meta_from_csv(data, slab=slab, subgroup=subgroup, weights=weights, rho=rho, **model)
    if follow_up:
        from secretome.meta import AnalysisBundle, follow_ups_from_csv

        follow = {"robust_cluster": robust, "selmodel": selmodel, "fsn": fsn, "confint": confint, "profile": profile}
        follow |= {"regtest": regtest, "weights": weights, "ranktest": ranktest, "trimfill": trimfill}
        follow |= {"influence_diagnostics": influence, "leave1out": leave1out}
        follow |= {"baujat_path": baujat, "radial_path": radial, "labbe_path": labbe, "qqnorm_path": qqnorm}
        follow |= {"measure": measure, "columns": columns, "escalc_options": options}
        follow |= {"control": model["control"]}
        follow |= {"predictions": predict or (), "transf": transf, "blups": blup, "ranefs": ranef, "vifs": vif}
        follow |= {"wald": anova, "lrt": lrt}
        follow |= {"gosh_path": gosh, "subsets": subsets, "permutations": permutest, "seed": seed}
        with progress_bar() as progress:
            result = follow_ups_from_csv(data, fitted, mods=mod or (), random=random or (), **follow,
                                         scheduler=scheduler, progress=progress)  # fmt: skip
        fitted = result.model if isinstance(result, AnalysisBundle) else result
    if regplot:
        regression_plot_from_csv(data, regplot, **model)
    for plot, target in ((forest_plot, forest), (funnel_plot, funnel)):
        if target:
            plot(fitted, target)  # type: ignore[arg-type]
    emit(result, fmt)
    return None


def _check_plots(plots: dict[str, Path | None]) -> None:
    """Refuse a plot name that is not .svg or .pdf, or a target that is not a regular file, before any
    work: else a second bad plot was found after the first had been written."""
    from secretome._files import check_output_path

    for option, path in plots.items():
        if path is None:
            continue
        if path.suffix.lower() not in (".svg", ".pdf"):
            raise InputError("a plot is written as .svg or .pdf", file=str(path), field=option)
        check_output_path(path)


def _control_settings(pairs: list[str] | tuple[str, ...]) -> dict[str, object] | None:
    """``--control tol=1e-12 --control maxiter=1000`` as metafor's control list (the engine checks names and values)."""
    settings: dict[str, object] = {}
    for pair in pairs:
        name, sep, text = (part.strip() for part in pair.partition("="))
        if not sep or not name or not text:
            raise InputError("give a control setting as NAME=VALUE", field="--control", value=pair)
        settings[name] = _setting_value(text)
    return settings or None


def _setting_value(text: str) -> object:
    # maxiter must arrive as an int and ll0check as a bool, as in Python; the rest are numbers.
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _limits(pair: str | None, group: int) -> dict[str, str]:
    """``--ci1 LOWER,UPPER`` as escalc's ``lb1i`` and ``ub1i`` columns."""
    if pair is None:
        return {}
    names = [name.strip() for name in pair.split(",")]
    if len(names) != 2 or not all(names):
        raise InputError("give the two columns as LOWER,UPPER", field=f"--ci{group}", value=pair)
    return {f"lb{group}i": names[0], f"ub{group}i": names[1]}


def _correlations(ri: str | None, measure: str | None) -> list[float] | None:
    """``--ri 0.5`` or ``--ri 0.3,0.5,0.7`` with a change-score measure: the assumed correlations (else a column)."""
    if ri is None or measure not in ("MC", "SMCC", "SMCR"):
        return None
    try:
        return [float(part) for part in ri.split(",")]
    except ValueError:
        return None
