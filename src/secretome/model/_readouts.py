"""Readouts of the OA cartilage model on the scales of the vocabulary outcomes (declarations only).

The model's tissue states are fractions of healthy (``G`` aggrecan, ``C`` type II collagen, ``N`` viable
and ``Na`` apoptotic chondrocytes; 1 = healthy), its signalling states folds over rest (``S`` SOX-9, ``Z``
ADAMTS-5, ``mmp`` MMP-13) and its cytokines amounts per joint (pg; concentrations are amount / ``V_sf``).
Readouts come in two layers: **composition** (aggrecan, collagen II, cells, cytokines in pg/mL, TUNEL %),
read off the states with no free parameter except the thickness weights, and **scores** (OARSI, Mankin,
O'Driscoll, % positive staining, pain) mapped on top of the composition by parameters of group
``"readout"``, which calibration fits after the mechanism. Studies report scores
(OARSI, Mankin, O'Driscoll), % positive cells, fold changes, pg/mL, micrometres and points. Each readout
here maps the states onto one outcome of :data:`secretome.vocab.OUTCOMES`, *in that outcome's unit and
range*, so the report can set a prediction beside the evidence.

Every mapping is an assumption: no source in the project's model-anchors note gives a score as a function
of tissue composition. The mapping parameters are therefore ``assumed=True`` with prior ranges, except
the healthy cartilage thickness (sourced per species in :mod:`secretome.model._cartilage`). The shapes
follow section 4.4 of the note:

- **Composition** relative to the organism's rest state (the model's healthy joint, ``G_rest`` ... by definition:
  the tissue a healthy or sham joint has, where constitutive turnover and basal apoptosis balance repair), so a
  healthy joint reads 100 % and its sourced thickness ``h0``; **matrix integrity**
  ``I = w_G G / G_rest + (1 - w_G) C / C_rest`` (aggrecan and collagen weighted).
- **Histology scores, worse is higher** (OARSI, Mankin sub-scores): a rising Hill curve of the *loss*
  ``u = 1 - x / x_rest`` of the state they read, relative to the organism's rest state (the model's healthy
  joint, ``G_rest`` ... by definition), scaled so that total loss reads the scale's maximum,
  ``max (1 + K^n) u^n / (K^n + u^n)``: exactly 0 for healthy tissue, the maximum for none, monotone in
  between, and half the maximum near a loss of ``K_hist``. A score that reads a small loss as damage
  (Safranin-O staining responds to a few per cent of proteoglycan) needs a small ``K_hist``; a falling
  Hill curve of ``x`` itself cannot tell a healthy joint from a mildly depleted one without reading the
  healthy joint as damaged (v1 used one; the maps ended on their prior bounds).
- **Repair score, higher is better** (O'Driscoll): the maximum minus the same map of the mean of ``G, C, N``.
- **IHC % positive**: ``100 X^n/(K^n + X^n)``, a threshold on a per-cell level in a heterogeneous
  population (note section 4.4); with ``K = 1`` half the cells stain at the healthy level.
- **Apoptosis (TUNEL %)**: the apoptotic share of all chondrocytes, ``Na / (N + Na)`` (apoptosis and clearance
  of apoptotic cells are processes of the model).
- **Cytokines**: each cytokine's amount in the joint over the synovial fluid volume, in pg/mL (no scale factor).
- **Clinical (human presets)**: joint space width from the thickness of two opposing layers; WOMAC and
  VAS from a pain drive mixing inflammation and structural damage (no placebo arm, no delay).

References
----------
.. [1] Baker, Brook & Owen (2017). J Math Biol 75(4):985-1024. https://doi.org/10.1007/s00285-017-1104-y
.. [2] Hui et al. (2016). Ann Rheum Dis 75:449-458 (BIOMD0000000560): MMP-13+ chondrocytes
   16 % in young and 80 % in old mice.
.. [3] Pritzker et al. (2006). Osteoarthritis Cartilage 14(1):13-29. https://doi.org/10.1016/j.joca.2005.07.014
.. [4] Glasson et al. (2010). Osteoarthritis Cartilage 18 Suppl 3:S17-23. https://doi.org/10.1016/j.joca.2010.05.025
.. [5] Mankin et al. (1971). J Bone Joint Surg Am 53(3):523-537. PMID 5580011.
.. [6] O'Driscoll, Keeley & Salter (1986). J Bone Joint Surg Am 68(7):1017-1035. PMID 3745239.
"""

from __future__ import annotations

from collections.abc import Mapping

from secretome.model._spec import Parameter, Readout
from secretome.vocab import OUTCOMES, SCALES

__all__ = ["MANKIN_SUBSCORES", "cartilage_readouts", "outcome_readouts"]

# Mankin 0-14 as sub-scores (structure, cellularity, Safranin-O, tidemark). The layout is the usual one
# but unverified in the model-anchors note (section 2.3, marked [U]); the total range is the vocabulary's.
MANKIN_SUBSCORES = (
    ("structure", 6.0, "integrity"), ("cells", 3.0, "N"), ("safranin_o", 4.0, "G"), ("tidemark", 1.0, "C"),
)  # fmt: skip

# What the score maps read: each state relative to the organism's rest state (the healthy joint of the model,
# a hair below 1 where basal wear and apoptosis balance repair), so the rest state reads exactly 0.
_RELATIVE = {
    "G": "(G/G_rest)",
    "C": "(C/C_rest)",
    "N": "(N/N_rest)",
    "integrity": "(w_G*G/G_rest + (1 - w_G)*C/C_rest)",
    "mean": "((G/G_rest + C/C_rest + N/N_rest)/3)",
}


def _assumed(name: str, value: float, unit: str, description: str, low: float, high: float) -> Parameter:
    return Parameter(name, value, unit, description, assumed=True, prior=(low, high), group="readout")


def _damage(x: str, k: str, n: str) -> str:
    """``(1 + k^n) u^n/(k^n + u^n)`` of the loss ``u = max(0, 1 - x)``: 0 at x >= 1, 1 at x = 0, monotone.

    ``max(0, u)`` is written ``(u + |u|)/2`` with ``|u| = pow(u*u, 0.5)``: SBML infix without piecewise, and a
    state a hair above healthy (an integrator's overshoot) reads as no damage, not as damage.
    """
    u = f"((1 - ({x}) + pow((1 - ({x}))*(1 - ({x})), 0.5))/2)"
    return f"((1 + pow({k}, {n}))*pow({u}, {n})/(pow({k}, {n}) + pow({u}, {n})))"


def _rising(x: str, k: str, n: str) -> str:
    """``x^n/(k^n + x^n)``: 0 at x = 0, 1/2 at x = k, towards 1 for large x."""
    return f"pow(({x})*({x}), {n}/2)/(pow({k}, {n}) + pow(({x})*({x}), {n}/2))"


def _maximum(outcome: str) -> float:
    scale = OUTCOMES[outcome].scale
    if scale is None:
        raise ValueError(f"outcome {outcome!r} has no scale in secretome.vocab")
    return float(SCALES[scale].maximum)


def _parameters(*, clinical: bool) -> tuple[Parameter, ...]:
    core = (
        _assumed("w_G", 0.5, "dimensionless", "weight of aggrecan (vs collagen II) in matrix integrity and thickness",
                 0.2, 0.8),
        _assumed(
            "K_hist", 0.3, "dimensionless",
            "loss of the read state (1 - fraction of healthy) at about half the maximal OARSI and O'Driscoll score",
            0.02, 0.6,
        ),
        _assumed("n_hist", 2.0, "dimensionless", "steepness of the OARSI and O'Driscoll maps", 1.0, 6.0),
        # Mankin and OARSI are different grading systems with their own thresholds: each has its own map, so a
        # Mankin point calibrates the Mankin map without moving the OARSI one.
        _assumed(
            "K_mankin", 0.3, "dimensionless",
            "loss of the read state at about half of each Mankin sub-score (structure, cells, Safranin-O)", 0.02, 0.6,
        ),
        _assumed("n_mankin", 2.0, "dimensionless", "steepness of the Mankin sub-score maps", 1.0, 6.0),
        _assumed(
            "K_tide", 0.6, "dimensionless",
            "collagen II loss at about half the Mankin tidemark point (a late-stage change)", 0.3, 0.9,
        ),
        _assumed("K_ihc", 1.0, "fold over healthy", "level at which half the cells stain (SOX-9, ACAN, COL2)",
                 0.5, 2.0),
        _assumed("n_ihc", 2.0, "dimensionless", "steepness of the IHC % positive maps", 1.0, 4.0),
        _assumed(
            "K_mmp13", 2.3, "fold over rest",
            "MMP-13 activity at which half the cells stain; nominal gives about 16 % at rest, the young-mouse "
            "level of Hui 2016 (80 % in old mice)", 1.0, 10.0,
        ),
    )  # fmt: skip
    if not clinical:
        return core
    return (
        *core,
        _assumed(
            "kappa_jsw", 2.0, "dimensionless",
            "joint space width per cartilage thickness: femoral plus tibial layer of similar thickness", 1.0, 2.5,
        ),
        _assumed("w_pain", 0.5, "dimensionless", "weight of inflammation (vs structure) in the pain drive", 0.0, 1.0),
        _assumed("K_pain", 0.3, "dimensionless", "catabolic drive at half-maximal inflammatory pain", 0.03, 1.0),
    )  # fmt: skip


def _rest_parameters(rest: Mapping[str, float] | None) -> tuple[Parameter, ...]:
    """The rest state the score maps measure loss from (a definition, not an assumption)."""
    rest = rest or {}
    return tuple(
        Parameter(f"{state}_rest", float(rest.get(state, 1.0)), "fraction of healthy", f"{what} of the rest state",
                  source="definition: the steady state of the organism's uninduced joint at the nominal parameters "
                  "(secretome.model._cartilage.rest_state), from which the score maps read loss", group="readout")
        for state, what in (("G", "aggrecan"), ("C", "type II collagen"), ("N", "viable chondrocytes"))
    )  # fmt: skip


def cartilage_readouts(
    *,
    signals: dict[str, str],
    oarsi_outcome: str = "oarsi_score",
    clinical: bool = False,
    defect: bool = False,
    rest: Mapping[str, float] | None = None,
) -> tuple[tuple[Parameter, ...], tuple[Readout, ...]]:
    """The readouts of the OA cartilage model and the assumed parameters of their mappings.

    Parameters
    ----------
    signals : dict of str to str
        The model's signal expressions; ``"drive"`` (the chondrocytes' catabolic drive) feeds the pain map.
    oarsi_outcome : {"oarsi_score", "oarsi_mouse_score"}
        ``oarsi_score`` (Pritzker 0-24, used for rats and people) or ``oarsi_mouse_score`` (Glasson 0-6).
    clinical : bool
        Add the clinical readouts (joint space width, WOMAC, VAS); for human presets.
    defect : bool
        Add the defect fill readout; for focal-defect presets, where the state is that of the defect region.
    rest : mapping of str to float, optional
        Aggrecan ``G``, collagen ``C`` and chondrocytes ``N`` of the organism's rest state (default 1 each): the
        score maps read loss relative to it, so the model's healthy joint scores 0.

    Returns
    -------
    parameters : tuple of Parameter
        Mapping parameters, ``assumed`` with a prior and of group ``"readout"``, and the rest state
        (``G_rest``, ``C_rest``, ``N_rest``, definitions). The healthy thickness ``h0`` is not among them: the
        organism supplies it with its source.
    readouts : tuple of Readout
        Composition first, then scores; each mapped to a :data:`secretome.vocab.OUTCOMES` id.

    Notes
    -----
    Two readouts may share an outcome: ``collagen_ii`` (% of healthy content) and ``ihc_col2`` (% positive
    cells) both speak to type II collagen immunostaining; :func:`outcome_readouts` picks the one in the
    outcome's unit.

    Examples
    --------
    >>> params, readouts = cartilage_readouts(signals={"drive": "x"})
    >>> {r.name: r.outcome for r in readouts}["odriscoll"]
    'odriscoll_score'
    >>> all(p.group == "readout" and (p.assumed or p.source.startswith("definition")) for p in params)
    True
    """
    if oarsi_outcome not in ("oarsi_score", "oarsi_mouse_score"):
        raise ValueError(f"oarsi_outcome must be 'oarsi_score' or 'oarsi_mouse_score'; got {oarsi_outcome!r}")
    composition = (
        Readout("aggrecan", f"100*{_RELATIVE['G']}", "% of healthy", "gag_content",
                "aggrecan/GAG content; Safranin-O stained area taken as proportional, so compare with % of sham"),
        Readout("collagen_ii", f"100*{_RELATIVE['C']}", "% of healthy", "ihc_col2",
                "type II collagen content as % of healthy; on the outcome's % positive scale see readout ihc_col2"),
        Readout("chondrocytes", f"100*{_RELATIVE['N']}", "% of healthy", "chondrocyte_count",
                "viable chondrocyte density; cells/field = N x the healthy count per field, so compare with % of sham"),
        Readout("thickness", f"h0*{_RELATIVE['integrity']}", "um", "cartilage_thickness",
                "Cartilage thickness: healthy thickness h0 (sourced per species) times matrix integrity "
                "(aggrecan and collagen II weighted by w_G)."),
        Readout("apoptosis", "100*Na/(N + Na + 0.001)", "% positive", "apoptosis_rate",
                "TUNEL-positive chondrocytes: apoptotic cells (not yet cleared) as % of all chondrocytes; 0.1 % of "
                "the healthy count is added below the line so that cartilage without cells reads 0, not noise."),
        Readout("il1b", "il1b/V_sf", "pg/mL", "il1b_level", "Synovial IL-1beta: amount in the joint / fluid volume."),
        Readout("tnfa", "tnfa/V_sf", "pg/mL", "tnfa_level", "Synovial TNF-alpha: amount / fluid volume."),
        Readout("il6", "il6/V_sf", "pg/mL", "il6_level", "Synovial IL-6: amount / fluid volume."),
        Readout("il10", "il10/V_sf", "pg/mL", "il10_level", "Synovial IL-10: amount / fluid volume."),
        Readout("m2_share", "100*M2/(M1 + M2)", "%", "m2_macrophages",
                "M2 share of synovial macrophages (e.g. CD206+ of CD68+ cells)"),
        Readout("sox9", "S", "fold over healthy", "sox9_expression", "SOX-9 activity taken as expression fold change"),
        Readout("adamts5", "Z", "fold over healthy", "adamts5_expression", "ADAMTS-5 activity taken as expression"),
        # Per-cell transcription of COL2A1 and ACAN is driven by SOX-9 in the model (Hui 2016), and qPCR
        # is normalised to a reference gene (per cell), so both fold changes are S.
        Readout("col2a1", "S", "fold change", "col2a1_expression", "COL2A1 mRNA per cell: SOX-9 activity S."),
        Readout("acan", "S", "fold change", "acan_expression", "ACAN mRNA per cell: SOX-9 activity S."),
    )  # fmt: skip
    histology = (
        # Rising Hill curves of the loss, scaled to the maximum, keep each score inside its scale whatever the state.
        Readout(
            "oarsi",
            f"{_maximum(oarsi_outcome)!r}*{_damage(_RELATIVE['integrity'], 'K_hist', 'n_hist')}",
            "points",
            oarsi_outcome,
            "OARSI score on the vocabulary scale (maximum from vocab.SCALES): rising Hill curve of the loss of "
            "matrix integrity; grade and stage (lesion extent) are not separated: the model has no space (assumed).",
        ),
        Readout(
            "mankin",
            " + ".join(
                f"{points!r}*{_damage(_RELATIVE[state], 'K_tide' if part == 'tidemark' else 'K_mankin', 'n_mankin')}"
                for part, points, state in MANKIN_SUBSCORES
            ),
            "points",
            "mankin_score",
            "Mankin 0-14 as the sum of sub-scores: structure 0-6 from matrix integrity (surface irregularity and "
            "clefts follow proteoglycan and collagen loss), cellularity 0-3 from chondrocytes, Safranin-O 0-4 from "
            "aggrecan, tidemark 0-1 from late collagen loss, each read relative to the rest state (assumed).",
        ),
        Readout(
            "odriscoll",
            f"{_maximum('odriscoll_score')!r}*(1 - {_damage(_RELATIVE['mean'], 'K_hist', 'n_hist')})",
            "points",
            "odriscoll_score",
            "O'Driscoll repair score 0-24 (higher is better): the maximum less the histology map of the loss of "
            "the mean of aggrecan (Safranin-O), collagen II (structure) and chondrocytes (cellularity) (assumed).",
        ),
    )
    ihc = tuple(
        Readout(
            name,
            f"100*{_rising(state, k, 'n_ihc')}",
            "% positive",
            outcome,
            f"{label}-positive cells: rising Hill curve of {what}, a threshold on a per-cell level (assumed).",
        )
        for name, state, k, outcome, label, what in (
            ("ihc_sox9", "S", "K_ihc", "ihc_sox9", "SOX-9", "SOX-9 activity S"),
            ("ihc_aggrecan", _RELATIVE["G"], "K_ihc", "ihc_aggrecan", "Aggrecan", "aggrecan content G / G_rest"),
            ("ihc_col2", _RELATIVE["C"], "K_ihc", "ihc_col2", "Type II collagen", "collagen II content C / C_rest"),
            ("ihc_mmp13", "mmp", "K_mmp13", "ihc_mmp13", "MMP-13", "MMP-13 activity"),
        )
    )
    readouts = (*composition, *histology, *ihc)
    if defect:
        readouts += (
            Readout(
                "defect_fill",
                f"100*{_RELATIVE['integrity']}",
                "%",
                "defect_fill",
                "Defect fill: matrix integrity of the defect region as % of healthy cartilage, read as the "
                "share of the defect filled with cartilage-like repair tissue (assumed; 100 % is a full fill).",
            ),
        )
    if clinical:
        drive = signals["drive"]
        structure = _damage(_RELATIVE["integrity"], "K_hist", "n_hist")
        pain = f"(w_pain*{_rising(drive, 'K_pain', 'n_ihc')} + (1 - w_pain)*{structure})"
        readouts += (
            Readout(
                "jsw",
                f"kappa_jsw*h0*{_RELATIVE['integrity']}/1000",
                "mm",
                "joint_space_width",
                "Joint space width: two opposing cartilage layers (kappa_jsw) of thickness h0 x integrity, um to mm; "
                "the note's JSW = JSW0 - kappa (h0 - h) with no non-cartilage gap (assumed).",
            ),
            Readout(
                "womac",
                f"{_maximum('womac_total')!r}*{pain}",
                "points",
                "womac_total",
                "WOMAC total 0-96: pain drive mixing the catabolic (IL-1/TNF) drive and structural damage "
                "(assumed; no placebo, no delay).",
            ),
            Readout(
                "vas",
                f"{_maximum('vas_pain')!r}*{pain}",
                "mm",
                "vas_pain",
                "VAS pain 0-100 mm: the WOMAC pain drive on the VAS scale (assumed; no placebo, no delay).",
            ),
        )
    return (*_parameters(clinical=clinical), *_rest_parameters(rest)), readouts


def outcome_readouts(readouts: tuple[Readout, ...]) -> dict[str, Readout]:
    """Per vocabulary outcome, the readout in that outcome's unit (or the only one for it).

    >>> _, readouts = cartilage_readouts(signals={"drive": "x"})
    >>> outcome_readouts(readouts)["ihc_col2"].name
    'ihc_col2'
    """
    chosen: dict[str, Readout] = {}
    for readout in readouts:
        current = chosen.get(readout.outcome)
        if current is None or (
            readout.unit == OUTCOMES[readout.outcome].unit and current.unit != OUTCOMES[readout.outcome].unit
        ):
            chosen[readout.outcome] = readout
    return chosen
