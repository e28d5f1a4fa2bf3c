"""The diagnostic plots and small-study tests :func:`follow_ups_from_csv` runs on a fitted model.

Baujat, radial (Galbraith), L'Abbe and normal QQ plots, Begg's rank correlation test and
trim-and-fill, each refused, with the parameter named, for a model it does not apply to, as metafor
refuses it (``radial``, ``labbe`` and ``trimfill`` take no moderators; none takes ``rma.mv``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError
from secretome.meta._bias import RankTestResult, TrimFillResult, rank_test, trim_and_fill
from secretome.meta._diagnostic_plots import (
    BaujatResult,
    LabbeResult,
    QQResult,
    RadialResult,
    baujat,
    baujat_plot,
    labbe,
    labbe_plot,
    qq_normal,
    qq_plot,
    radial,
    radial_plot,
)
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult

__all__ = ["DIAGNOSTIC_PLOTS", "diagnostic_plot", "draw_diagnostic_plot", "rank_test_of", "trim_and_fill_of"]

DIAGNOSTIC_PLOTS = {"baujat_path": "Baujat", "radial_path": "radial", "labbe_path": "L'Abbe", "qqnorm_path": "QQ"}
"""The parameter of :func:`follow_ups_from_csv` that asks for each plot -> the plot's name."""

_DRAW = {BaujatResult: baujat_plot, RadialResult: radial_plot, LabbeResult: labbe_plot, QQResult: qq_plot}


def diagnostic_plot(
    parameter: str,
    fit: Result,
    *,
    measure: str | None = None,
    counts: Mapping[str, ArrayLike] | None = None,
    add: float | None = None,
    to: str | None = None,
    seed: int = 0,
) -> BaujatResult | RadialResult | LabbeResult | QQResult:
    """The data of the plot that *parameter* (a key of :data:`DIAGNOSTIC_PLOTS`) asks for, of *fit*.

    Parameters
    ----------
    parameter : str
        ``baujat_path`` (:func:`baujat`), ``radial_path`` (:func:`radial`), ``labbe_path``
        (:func:`labbe`) or ``qqnorm_path`` (:func:`qq_normal`, its envelope drawn with *seed*).
    fit : Result
        The model: one effect per study (Baujat, QQ: with or without moderators; radial, L'Abbe:
        without, as metafor's ``radial`` and ``labbe``).
    measure : str, optional
        The effect size of *fit*: RR, OR or RD for a L'Abbe plot.
    counts : mapping, optional
        For a L'Abbe plot: ``ai``, ``ci`` and ``bi`` or ``n1i``, ``di`` or ``n2i`` (non-events or
        group sizes), one value per study of *fit*.
    add, to : optional
        The model's zero-cell rule (escalc's; default 1/2 and ``"only0"``), which metafor's ``labbe``
        applies to each arm (``add = x$add, to = x$to``); only ``"only0"`` is drawn.
    seed : int
        Seed of the QQ plot's simulated envelope.

    Returns
    -------
    BaujatResult, RadialResult, LabbeResult or QQResult
        What :func:`draw_diagnostic_plot` draws.
    """
    if parameter not in DIAGNOSTIC_PLOTS:
        raise InputError(f"is one of {', '.join(DIAGNOSTIC_PLOTS)}", field="parameter", value=parameter)
    name = DIAGNOSTIC_PLOTS[parameter]
    if parameter in ("baujat_path", "qqnorm_path"):
        if not isinstance(fit, RandomEffectsResult | MetaRegressionResult):
            # metafor's baujat and qqnorm take rma.uni fits, not rma.mv.
            reason = f"the {name} plot takes one effect per study (no cluster or subgroup)"
            raise InputError(reason, field=parameter)
        return baujat(fit) if parameter == "baujat_path" else qq_normal(fit, seed=seed)
    if not isinstance(fit, RandomEffectsResult):
        function = "radial" if parameter == "radial_path" else "labbe"
        reason = f"the {name} plot takes a model without moderators, subgroups or clusters, as metafor's {function}"
        raise InputError(reason, field=parameter)
    if parameter == "radial_path":
        return radial(fit)
    return _labbe(fit, measure, counts or {}, add, to)


def draw_diagnostic_plot(result: BaujatResult | RadialResult | LabbeResult | QQResult, path: str | Path) -> bytes:
    """Draw *result* (from :func:`diagnostic_plot`) to *path* (.svg or .pdf) with its plot function."""
    return _DRAW[type(result)](result, path)  # type: ignore[operator]


def _labbe(
    fit: RandomEffectsResult,
    measure: str | None,
    counts: Mapping[str, ArrayLike],
    add: float | None,
    to: str | None,
) -> LabbeResult:
    if measure not in ("RR", "OR", "RD"):
        reason = "the L'Abbe plot draws a model of 2x2 tables: measure RR, OR or RD from the counts"
        raise InputError(reason, field="labbe_path", value=measure)
    if to not in (None, "only0"):
        reason = "the L'Abbe plot adds to the arms with a zero cell (to = 'only0'), not to others"
        raise InputError(reason, field="labbe_path", value=to)
    cells: dict[str, ArrayLike] = {}
    for events, others, size in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
        if events not in counts or (others not in counts and size not in counts):
            reason = f"the L'Abbe plot needs the counts {events} and {others} (or {size}) of the model"
            raise InputError(reason, field="labbe_path")
        cells[events] = counts[events]
        # metafor's escalc takes group sizes for the non-events: bi = n1i - ai, di = n2i - ci.
        if others in counts:
            cells[others] = counts[others]
        else:
            cells[others] = np.asarray(counts[size], dtype=float) - np.asarray(counts[events], dtype=float)
    return labbe(fit, cells["ai"], cells["bi"], cells["ci"], cells["di"], measure=measure,  # type: ignore[arg-type]
                 add=0.5 if add is None else add)  # fmt: skip


def rank_test_of(fit: Result) -> RankTestResult:
    """:func:`rank_test` of the effects and variances of *fit*, as metafor's ``ranktest(res)``.

    metafor's test reads ``res$yi`` and ``res$vi`` alone, so a meta-regression's moderators play no part.
    """
    if not isinstance(fit, RandomEffectsResult | MetaRegressionResult):
        raise InputError("the rank correlation test takes one effect per study (no cluster or subgroup)",
                         field="ranktest")  # fmt: skip
    return rank_test(fit.yi, fit.vi)


def trim_and_fill_of(fit: Result, spec: str, control: Mapping[str, object] | None = None) -> TrimFillResult:
    """:func:`trim_and_fill` of *fit* (its method, test and level) as *spec* asks: ``SIDE`` or ``SIDE:ESTIMATOR``.

    ``SIDE`` is ``auto`` (metafor's default: chosen from the slope of the effects on their standard
    errors), ``left`` or ``right``; ``ESTIMATOR`` is ``L0`` (the default) or ``R0``. *control* is the
    model's, for the refits too.
    """
    side, _, estimator = (part.strip() for part in spec.partition(":"))
    side, estimator = side.lower(), estimator.upper() or "L0"
    if side not in ("auto", "left", "right") or estimator not in ("L0", "R0"):
        reason = "is SIDE or SIDE:ESTIMATOR, SIDE one of auto, left, right and ESTIMATOR L0 or R0"
        raise InputError(reason, field="trimfill", value=spec)
    if isinstance(fit, MetaRegressionResult):
        raise InputError("Trim-and-fill method only applicable to models without moderators.", field="trimfill",
                         value=spec)  # fmt: skip
    if not isinstance(fit, RandomEffectsResult):
        reason = "trim-and-fill takes a model without moderators, subgroups or clusters, as metafor's trimfill"
        raise InputError(reason, field="trimfill", value=spec)
    return trim_and_fill(fit.yi, fit.vi, method=fit.method, test=fit.test, level=fit.level,  # type: ignore[arg-type]
                         estimator=estimator, side=None if side == "auto" else side, control=control)  # type: ignore[arg-type]  # fmt: skip
