"""Effect sizes and their sampling variances, as metafor's ``escalc`` computes them, from every
statistic a paper reports.

Measures (metafor's names): two groups ``MD`` raw mean difference, ``SMD`` Hedges' g, ``SMDH`` SMD
with heteroscedastic variances (Bonett), ``ROM`` log ratio of means; counts ``OR``, ``RR``, ``RD``,
``PETO`` (2x2 tables), ``PR``, ``PLO``, ``PAS``, ``PFT`` (one proportion), ``IR``, ``IRR``
(incidence rates); change within one group ``MC``, ``SMCC``, ``SMCR``; correlations ``COR``,
``ZCOR``. Variances are metafor's defaults (``vtype="LS"``). Checked against metafor 3.8-1
``escalc`` (tests/meta/test_effect_sizes.py, fixtures from tools/metafor_reference.R and
tools/metafor_reference_effects.R).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome.errors import InputError, check_choice
from secretome.meta._change_scores import CHANGE_MEASURES, change_scores
from secretome.meta._columns import FloatArray, check_level
from secretome.meta._conversions import group_sds
from secretome.meta._effect_counts import COUNT_MEASURES, ZeroCells, from_counts
from secretome.meta._effect_result import BoolArray, EffectSizes, finish, hedges_correction, optional_column, refuse
from secretome.meta._p_values import p_column

__all__ = ["ESCALC_ARGUMENTS", "MEASURES", "Measure", "escalc"]

Measure = Literal[
    "MD", "SMD", "SMDH", "ROM", "OR", "RR", "RD", "PETO", "PR", "PLO", "PAS", "PFT", "IR", "IRR",
    "MC", "SMCC", "SMCR", "COR", "ZCOR",
]  # fmt: skip
MEASURES: tuple[str, ...] = (
    "MD", "SMD", "SMDH", "ROM", "OR", "RR", "RD", "PETO", "PR", "PLO", "PAS", "PFT", "IR", "IRR",
    "MC", "SMCC", "SMCR", "COR", "ZCOR",
)  # fmt: skip
"""The effect-size measures :func:`escalc` knows, in metafor's spelling."""

ESCALC_ARGUMENTS: tuple[str, ...] = (
    "m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i", "se1i", "se2i", "lb1i", "ub1i", "lb2i", "ub2i",
    "di", "ti", "pi", "fi", "direction", "ai", "bi", "ci", "xi", "mi", "x1i", "x2i", "t1i", "t2i", "ri", "ni",
)  # fmt: skip
"""The per-row (column) arguments of :func:`escalc`."""

_MEANS = ("MD", "SMD", "SMDH", "ROM")
_STATISTICS = ("di", "ti", "fi", "pi")


def escalc(
    measure: Measure,
    *,
    m1i: ArrayLike | None = None,
    sd1i: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    m2i: ArrayLike | None = None,
    sd2i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    se1i: ArrayLike | None = None,
    se2i: ArrayLike | None = None,
    lb1i: ArrayLike | None = None,
    ub1i: ArrayLike | None = None,
    lb2i: ArrayLike | None = None,
    ub2i: ArrayLike | None = None,
    ci_level: float = 0.95,
    ci_dist: Literal["t", "z"] = "t",
    di: ArrayLike | None = None,
    ti: ArrayLike | None = None,
    pi: ArrayLike | None = None,
    fi: ArrayLike | None = None,
    direction: ArrayLike | None = None,
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    xi: ArrayLike | None = None,
    mi: ArrayLike | None = None,
    x1i: ArrayLike | None = None,
    x2i: ArrayLike | None = None,
    t1i: ArrayLike | None = None,
    t2i: ArrayLike | None = None,
    ri: ArrayLike | None = None,
    ni: ArrayLike | None = None,
    add: float | None = None,
    to: Literal["only0", "all", "if0all", "none"] = "only0",
    drop00: bool = False,
    labels: Sequence[object] | None = None,
) -> EffectSizes:
    r"""Compute effect sizes ``yi`` and sampling variances ``vi``, one per row, from what each study reports.

    Rows may mix inputs: for SMD, a row with ``di`` is computed from it, else from ``ti``, ``fi``,
    ``pi``, else from the means (metafor's order for ``di`` and ``ti``); a group's SD is ``sd1i``,
    else ``se1i * sqrt(n1i)``, else from its confidence interval. A row without what its measure
    needs, or where metafor's formula is undefined (an SD of 0, a zero cell without correction,
    ``n1i + n2i <= 3`` for SMD, ...), gets ``yi``/``vi`` NA with a warning naming it, as metafor
    does, instead of failing the call; input metafor refuses (a negative SD or count, a group size
    <= 0, a correlation outside [-1, 1]) raises.

    Parameters
    ----------
    measure : str
        One of :data:`MEASURES` (metafor's names).
    m1i, sd1i, n1i, m2i, sd2i, n2i : array_like, optional
        Two groups (MD, SMD, SMDH, ROM): means, SDs and sizes of group 1 (treated) and group 2
        (control); the effect is group 1 minus (or over) group 2. Change within one group (MC,
        SMCC, SMCR): see :func:`~secretome.meta.change_scores`.
    se1i, se2i : array_like, optional
        Standard errors of the group means, where the SD is not given: SD = SE * sqrt(n) [1]_.
    lb1i, ub1i, lb2i, ub2i : array_like, optional
        Confidence limits of the group means, where neither SD nor SE is given [1]_.
    ci_level : float
        Level of those intervals, a proportion.
    ci_dist : {"t", "z"}
        ``"t"``: the intervals were ``mean +/- t(n-1) SE``, the Handbook's advice for small groups
        (section 6.5.2.2) [1]_; ``"z"``: ``mean +/- z SE`` (3.92 = 2 x 1.96 for 95%).
    di, ti, fi, pi : array_like, optional
        SMD (and MD, except ``di``) from a test of the two groups: Cohen's d (not bias-corrected),
        a t statistic, an F(1, n1i + n2i - 2) statistic, or an exact two-sided p-value of the
        t-test. As metafor's ``pi``, the sign of ``pi`` (and of ``fi``, F having none) is the
        direction of the effect, unless *direction* is given. A ``pi`` cell may be text such as
        ``"P < 0.05"``: the effect is then computed at the bound and flagged (``bound``).
        ``ti`` is also the person-time of measure IR (metafor's overloading), and ``di`` the fourth
        cell of a 2x2 table.
    direction : array_like, optional
        +1 or -1 per row: the direction of the effect for unsigned ``pi`` and ``fi``.
    ai, bi, ci, di, n1i, n2i : array_like, optional
        2x2 tables (OR, RR, RD, PETO): events and non-events of group 1 (``ai``, ``bi``) and of group
        2 (``ci``, ``di``); ``n1i``, ``n2i`` may replace ``bi``, ``di``.
    xi, mi, ni : array_like, optional
        One proportion (PR, PLO, PAS, PFT): events and non-events (or ``ni``, the group size).
    xi, ti : array_like, optional
        Incidence rate (IR): events and person-time.
    x1i, x2i, t1i, t2i : array_like, optional
        Incidence rate ratio (IRR): events and person-time per group.
    ri, ni : array_like, optional
        Correlations and sample sizes (COR, ZCOR); for MC, SMCC, SMCR the pre-post correlation
        (one value for all rows may be given) and the group size.
    add, to, drop00
        metafor's zero-cell rules for the counts: *add* is added to every cell of the tables
        selected by *to*: ``"only0"`` those with a zero cell, ``"all"`` all, ``"if0all"`` all if any
        has a zero cell, ``"none"`` none. Default *add*: 1/2, and 0 for PAS and PFT (metafor).
        ``drop00=True`` makes tables with no events (or only events) in both groups NA.
    labels : sequence, optional
        Row labels (study names).

    Returns
    -------
    EffectSizes
        ``measure``, ``yi``, ``vi``, ``labels``, ``source``, ``bound``, ``corrected``,
        ``na_reason``, ``ri`` and ``notes``; ``to_frame()`` is the tidy table.

    Raises
    ------
    InputError
        An unknown measure or option, a column that is missing for the measure or has the wrong
        length or a non-numeric cell, or a value metafor refuses; the message names the 1-based row
        and the field.

    Notes
    -----
    With the pooled SD :math:`s_p = \sqrt{((n_1-1)s_1^2 + (n_2-1)s_2^2)/m}`, :math:`m = n_1+n_2-2`,
    Hedges' g is :math:`g = c(m)(\bar x_1-\bar x_2)/s_p` with the exact correction
    :math:`c(m) = \Gamma(m/2) / (\sqrt{m/2}\,\Gamma((m-1)/2))` [2]_ (NA for :math:`m \le 1`, as
    metafor), and its variance is metafor's large-sample :math:`1/n_1 + 1/n_2 + g^2/(2(n_1+n_2))`.
    From a test, :math:`d = t\sqrt{1/n_1 + 1/n_2}`, :math:`t = \mathrm{sign}(F)\sqrt{|F|}` and
    :math:`t = \mathrm{sign}(p)\, t_{m}^{-1}(1 - |p|/2)` (metafor >= 4.0's conversion of ``pi``; 3.8
    has ``di`` and ``ti`` only), then :math:`g = c(m) d`. For MD from a test, the Handbook's
    :math:`SE = MD/t` (section 6.5.2.3) [1]_: :math:`v = (MD/t)^2`; a bound p gives a bound t and
    so a variance that is too large. SMDH standardises by :math:`\sqrt{(s_1^2+s_2^2)/2}` [3]_; ROM
    is :math:`\log(\bar x_1/\bar x_2)` with the delta-method variance and no bias correction
    (metafor 3.8's default) [4]_. COR's variance is :math:`(1 - r^2)^2/(n - 1)`, ZCOR's
    :math:`1/(n-3)`. The counts are in :func:`~secretome.meta._effect_counts.from_counts`, the
    change scores in :func:`~secretome.meta.change_scores`.

    Checked against metafor 3.8-1 ``escalc`` on dat.normand1999, dat.bcg, dat.molloy2014,
    dat.nielweise2007, dat.pritz1997, dat.hart1999 and edge cases, NA rows included
    (tests/meta/test_effect_sizes.py, tests/meta/test_effect_counts.py).

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures and computing
       estimates of effect, sections 6.5.2.2 and 6.5.2.3. Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. https://training.cochrane.org/handbook/current/chapter-06
    .. [2] Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related
       estimators. Journal of Educational Statistics 6(2):107-128.
       https://doi.org/10.3102/10769986006002107
    .. [3] Bonett DG (2009). Meta-analytic interval estimation for standardized and unstandardized
       mean differences. Psychological Methods 14(3):225-238. https://doi.org/10.1037/a0016619
    .. [4] Hedges LV, Gurevitch J, Curtis PS (1999). The meta-analysis of response ratios in
       experimental ecology. Ecology 80(4):1150-1156.
       https://doi.org/10.1890/0012-9658(1999)080[1150:TMAORR]2.0.CO;2

    Examples
    --------
    >>> es = escalc("SMD", m1i=[10.0], sd1i=[2.0], n1i=[20], m2i=[8.0], sd2i=[2.0], n2i=[20])
    >>> round(float(es.yi[0]), 4), round(float(es.vi[0]), 4)  # R: 0.9801104, 0.1120077
    (0.9801, 0.112)
    >>> es = escalc("SMD", ti=[2.5], n1i=[10], n2i=[10])
    >>> es.source, round(float(es.yi[0]), 4)  # R: escalc("SMD", ti=2.5, n1i=10, n2i=10): 1.0707
    (('t',), 1.0707)
    >>> escalc("RR", ai=[0], bi=[10], ci=[3], di=[7]).notes
    ("added 0.5 to each cell of 1 table(s) (row 1; to='only0', as metafor)",)
    """
    check_choice("measure", measure, MEASURES, owner="escalc")
    check_choice("to", to, ("only0", "all", "if0all", "none"), owner="escalc")
    if measure in COUNT_MEASURES:
        counts = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i, "xi": xi, "mi": mi, "ni": ni}
        counts |= {"ti": ti, "x1i": x1i, "x2i": x2i, "t1i": t1i, "t2i": t2i}
        zero = ZeroCells(add=add, to=to, drop00=drop00)
        return from_counts(measure, {k: v for k, v in counts.items() if v is not None}, zero, labels=labels)
    if measure in CHANGE_MEASURES:
        return change_scores(
            measure, m1i=m1i, m2i=m2i, sd1i=sd1i, sd2i=sd2i, ni=ni, ri=ri, se1i=se1i, se2i=se2i, labels=labels
        )
    if measure in ("COR", "ZCOR"):
        return _from_correlations(measure, ri=ri, ni=ni, labels=labels)
    given = {"di": di, "ti": ti, "fi": fi, "pi": pi}
    if measure != "SMD" and di is not None:
        raise InputError(f"d-values (di) give SMD only, not {measure}", field="di")
    if measure not in ("SMD", "MD") and any(v is not None for v in given.values()):
        name = next(k for k, v in given.items() if v is not None)
        raise InputError(f"test statistics give SMD or MD, not {measure}", field=name)
    check_level(ci_level)
    check_choice("ci_dist", ci_dist, ("t", "z"), owner="escalc")
    groups = {"m1i": m1i, "sd1i": sd1i, "n1i": n1i, "m2i": m2i, "sd2i": sd2i, "n2i": n2i, "se1i": se1i}
    groups |= {"se2i": se2i, "lb1i": lb1i, "ub1i": ub1i, "lb2i": lb2i, "ub2i": ub2i}
    return _two_groups(measure, groups, given, direction, ci_level, ci_dist, labels)


def _length(measure: str, columns: dict[str, ArrayLike | None], needed: Sequence[str]) -> int:
    """The number of rows: the length of the first column given; the measure's needs must be met."""
    given = [name for name, values in columns.items() if values is not None]
    missing = [name for name in needed if columns.get(name) is None]
    if missing:
        raise InputError(f"measure {measure!r} needs {', '.join(missing)}", field=missing[0])
    if not given:
        raise InputError(f"measure {measure!r} needs its data columns", field="measure", value=measure)
    return int(np.asarray(columns[given[0]], dtype=object).reshape(-1).size)


def _two_groups(
    measure: str,
    groups: dict[str, ArrayLike | None],
    given: dict[str, ArrayLike | None],
    direction: ArrayLike | None,
    level: float,
    dist: str,
    labels: Sequence[object] | None,
) -> EffectSizes:
    k = _length(measure, {**groups, **given}, ("n1i", "n2i"))
    if all(v is None for v in given.values()):
        # Without a test statistic every row rests on the means: each group needs some SD column.
        for group in (1, 2):
            spread = (groups[f"sd{group}i"], groups[f"se{group}i"], groups[f"lb{group}i"], groups[f"ub{group}i"])
            if all(v is None for v in spread):
                reason = f"measure {measure!r} needs sd{group}i (or se{group}i, or lb{group}i and ub{group}i)"
                raise InputError(reason, field=f"sd{group}i")
        for name in ("m1i", "m2i"):
            if groups[name] is None:
                raise InputError(f"measure {measure!r} needs {name}", field=name)
    c = {name: optional_column(values, name, k) for name, values in groups.items()}
    n1, n2 = c["n1i"], c["n2i"]
    for field in ("n1i", "n2i"):
        refuse(c[field], field, c[field] <= 0, "group size must be > 0")
    sd1, kind1 = group_sds(c["sd1i"], c["se1i"], c["lb1i"], c["ub1i"], n1, level, dist, 1)
    sd2, kind2 = group_sds(c["sd2i"], c["se2i"], c["lb2i"], c["ub2i"], n2, level, dist, 2)
    t, decided, t_source, bound = _t_statistics(given, direction, n1, n2, k)
    m1, m2 = c["m1i"], c["m2i"]
    mean_rows = ~decided
    source = [
        s if s else (a if a == b else f"{a}+{b}" if a and b else "")
        for s, a, b in zip(t_source, kind1, kind2, strict=True)
    ]
    missing = np.isnan(m1) | np.isnan(m2) | np.isnan(sd1) | np.isnan(sd2) | np.isnan(n1) | np.isnan(n2)
    missing = (mean_rows & missing) | (~mean_rows & (np.isnan(n1) | np.isnan(n2)))
    reasons: dict[str, BoolArray] = {"missing input": missing}
    reasons["the test statistic gives no t (p = 0, or n1i + n2i < 3)"] = decided & np.isnan(t)
    m = n1 + n2 - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "MD":
            md = m1 - m2
            conflict = decided & ~np.isnan(md) & (np.sign(md) * np.sign(t) < 0)
            refuse(t, _statistic_field(given), conflict, "the test statistic's sign contradicts m1i - m2i")
            reasons["missing input"] = missing | (decided & np.isnan(md))
            reasons["t = 0 gives no standard error"] = decided & (t == 0)
            vi = np.where(mean_rows, sd1**2 / n1 + sd2**2 / n2, (md / t) ** 2)
            return finish(measure, md, vi, labels=labels, source=source, reasons=reasons, bound=bound)
        if measure == "ROM":
            reasons["ROM needs means > 0"] = (m1 <= 0) | (m2 <= 0)
            yi = np.log(m1 / m2)
            vi = sd1**2 / (n1 * m1**2) + sd2**2 / (n2 * m2**2)
            return finish(measure, yi, vi, labels=labels, source=source, reasons=reasons)
        cm = hedges_correction(m)
        reasons["n1i + n2i <= 3: Hedges' correction undefined"] = m <= 1
        if measure == "SMD":
            sdp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
            reasons["pooled SD is 0"] = mean_rows & (sdp == 0)
            d = np.where(mean_rows, (m1 - m2) / sdp, t * np.sqrt(1 / n1 + 1 / n2))
            yi = cm * d
            vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
            return finish(measure, yi, vi, labels=labels, source=source, reasons=reasons, bound=bound)
        # SMDH (Bonett 2009): metafor applies the same c(n1 + n2 - 2) and scales the variance by c^2.
        s2 = sd1**2 + sd2**2
        reasons["both SDs are 0"] = s2 == 0
        yi = cm * (m1 - m2) / np.sqrt(s2 / 2)
        vi = yi**2 * (sd1**4 / (n1 - 1) + sd2**4 / (n2 - 1)) / (2 * s2**2) + (sd1**2 / (n1 - 1) + sd2**2 / (n2 - 1)) / (
            s2 / 2
        )
        return finish(measure, yi, cm**2 * vi, labels=labels, source=source, reasons=reasons)


def _statistic_field(given: dict[str, ArrayLike | None]) -> str:
    return next((name for name in _STATISTICS if given.get(name) is not None), "ti")


def _t_statistics(
    given: dict[str, ArrayLike | None],
    direction: ArrayLike | None,
    n1: FloatArray,
    n2: FloatArray,
    k: int,
) -> tuple[FloatArray, BoolArray, list[str], BoolArray]:
    """Per row: the t statistic from the first of di, ti, fi, pi given, whether a statistic decides the
    row (else the means do), its source and whether it is a p-value bound.

    For SMD ``di`` enters as t = d / sqrt(1/n1 + 1/n2), so that one formula turns every statistic into
    d. A deciding statistic may give no t (p = 0, or n1i + n2i < 3): the row is then NA, as in
    metafor, not computed from the means.
    """
    t = np.full(k, np.nan)
    decided = np.zeros(k, dtype=bool)
    source = [""] * k
    bound = np.zeros(k, dtype=bool)
    sign = None
    if direction is not None:
        sign = optional_column(direction, "direction", k)
        refuse(sign, "direction", ~np.isnan(sign) & (np.abs(sign) != 1), "direction must be +1 or -1")
    df = n1 + n2 - 2
    for name, label in (("di", "d"), ("ti", "t"), ("fi", "F"), ("pi", "p")):
        if given.get(name) is None:
            continue
        if name == "pi":
            values, is_bound = p_column(given[name], "pi", k)
        else:
            values, is_bound = optional_column(given[name], name, k), np.zeros(k, dtype=bool)
        if sign is not None and name in ("fi", "pi"):
            signed = ~np.isnan(sign) & ~np.isnan(values)
            refuse(values, name, signed & (values < 0), f"{name} must be unsigned when a direction is given")
            values = np.where(signed, sign * values, values)
        with np.errstate(divide="ignore", invalid="ignore"):
            if name == "di":
                stat = values / np.sqrt(1 / n1 + 1 / n2)
            elif name == "fi":
                stat = np.sign(values) * np.sqrt(np.abs(values))
            elif name == "pi":
                # metafor's .convp2t (>= 4.0): sign(p) * qt(|p|/2, df, lower.tail=FALSE), NA for df < 1;
                # p = 0 gives sign(0) * Inf, which is NaN there too.
                quantile = scipy.stats.t.isf(np.abs(values) / 2, np.where(df >= 1, df, np.nan))
                stat = np.where(values == 0, np.nan, np.sign(values) * quantile)
            else:
                stat = values
        take = ~decided & ~np.isnan(values)
        t[take] = stat[take]
        bound |= take & is_bound
        for i in np.flatnonzero(take):
            source[i] = label
        decided |= take
    return t, decided, source, bound


def _from_correlations(
    measure: str, *, ri: ArrayLike | None, ni: ArrayLike | None, labels: Sequence[object] | None
) -> EffectSizes:
    k = _length(measure, {"ri": ri, "ni": ni}, ("ri", "ni"))
    r = optional_column(ri, "ri", k)
    n = optional_column(ni, "ni", k)
    refuse(r, "ri", np.abs(r) > 1, "correlation must be in [-1, 1]")
    refuse(n, "ni", n <= 0, "sample size must be > 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "ZCOR":
            yi, vi = np.arctanh(r), 1 / (n - 3)
        else:
            yi, vi = r.copy(), (1 - r**2) ** 2 / (n - 1)
    # metafor: the variance needs n > 3 (ZCOR warns); the correlation itself is kept.
    small = n <= 3
    reasons = {"missing input": np.isnan(r) | np.isnan(n), "ni <= 3: no sampling variance": small}
    reasons["|ri| = 1: Fisher's z is infinite"] = np.abs(r) == 1
    source = np.where(np.isnan(r), "", "ri").tolist()
    # metafor's ZCOR says so, in these words, before it computes anything (COR is silent).
    said = ("Cannot estimate the sampling variance when ni <= 3.",) if measure == "ZCOR" and small.any() else ()
    return finish(measure, yi, vi, labels=labels, source=source, reasons=reasons, vi_na=small, said=said)
