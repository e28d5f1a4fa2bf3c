"""OA cartilage under secretome therapy, v0: the Baker 2017 core in days plus matrix, cells and dosing.

Declarations only. The structure follows section 4 of the project's model-anchors note, kept small:

- **Inflammation** (Baker, Brook & Owen 2017, Eqs 5-8, Table 1 values): ``p, a, m, f``, every rate
  multiplied by ``d_a`` (the anti-inflammatory clearance rate, 1/day) to run in days. That conversion is an
  assumption: the paper only says the clearance is "in the order of minutes".
- **Products as doses** (:class:`~secretome.model.Product`): conditioned medium ``cm`` (soluble
  factors, cleared in hours), extracellular vesicles ``ev`` (cleared in days) and MSCs ``msc``, a depot
  that secretes CM-like factors until the cells are lost. Each acts through a saturating (Emax) effect
  ``E = X/(K + X)``: anti-inflammatory (added to ``a`` where ``a`` inhibits p production) and anabolic
  (TGF-beta activity ``T``).
- **Anabolic axis** (structure after Hui et al. 2016): ``T`` (TGF-beta/ALK5 activity) drives ``S``
  (SOX-9), which IL-1 (``p``) suppresses; ``S`` and viable chondrocytes ``N`` synthesise aggrecan ``G``
  and type II collagen ``C``.
- **IL-1 receptor antagonist** ``ra`` (dosed as a species): competitive blockade scales the IL-1 signal
  of ``p`` by ``K_Ra/(ra + K_Ra)`` wherever ``p`` drives a process (Proctor et al. 2014 needed about a
  100-fold excess of IL-1Ra over receptors for an effect).
- **EV cargo** ``E``: EVs clear from the joint in days and are taken up by cells; their miRNA/protein
  cargo acts after uptake and decays over days, so the EV effect lags the dose.
- **Synovial macrophages** ``M1``, ``M2`` (section 4.2 of the note): matrix fragments recruit M1; EV cargo
  (Zhang et al. 2020) and, with a prior that includes 0 (Khatab et al. 2018), CM speed M1-to-M2 switching;
  M1 feed pro-, M2 anti-inflammatory cytokines.
- **Catabolism**: ADAMTS-5 ``Z`` (induced by ``p``) degrades aggrecan; MMP-13 (Baker ``m``) degrades
  collagen only where aggrecan no longer protects it, ``1/(1 + G/K_prot)`` (the Proctor et al. 2014
  assumption).

Tissue variables are fractions of the healthy state (1 = healthy)::

    q = p K_Ra / (ra + K_Ra)                        (IL-1 signal; replaces p in Baker's Hill terms too)
    dZ/dt = d_Z (1 + Z_p h(q; K_Zp) - Z)            dT/dt = d_T (1 + T_cm E_cm + T_ev E_ev - T)
    dS/dt = d_S (T / (1 + (q/K_SI)^n) - S)          dN/dt = r_N N (1 - N) - k_ap h(q; K_ap) N
    dG/dt = k_G (S N - Z G)                         dC/dt = k_C (S N - C) - k_CM m C / (1 + G/K_prot)
    dcm/dt = k_sec msc - k_cl_cm cm                 dev/dt = -(k_cl_ev + k_up) ev
    dmsc/dt = -k_msc msc                            dra/dt = -k_cl_ra ra
    dE/dt = k_up ev - k_E E                         (EV cargo acts after uptake: E_ev = E/(K_ev + E))
    dM1/dt = d_mac (1 + R_rec h(f; K_rec)) - k_12 (1 + e_pol_ev E_ev + e_pol_cm E_cm) M1 + k_21 M2 - d_mac M1
    dM2/dt = k_12 (1 + e_pol_ev E_ev + e_pol_cm E_cm) M1 - k_21 M2 - d_mac M2
    (M1 adds k_pM1 M1 to p production, M2 adds k_aM2 M2 to a production, both on Baker's scale)

with ``h(x; K) = x^n/(K^n + x^n)``. Every parameter beyond Baker's Table 1 is assumed, with a prior
range: the model is uncalibrated and its outputs are qualitative.

References
----------
.. [1] Baker, Brook & Owen (2017). J Math Biol 75(4):985-1024. https://doi.org/10.1007/s00285-017-1104-y
.. [2] Proctor et al. (2014). Arthritis Rheumatol 66(4):979-989 (BIOMD0000000504).
.. [3] Hui et al. (2016). Ann Rheum Dis 75:449-458 (BIOMD0000000560).
.. [4] Evans, Kraus & Setton (2014). Nat Rev Rheumatol 10:11 (soluble materials dwell hours).
.. [5] Partain et al. (2020). J Control Release 321:259 (nanoparticles retained 14 days in rat knees).
.. [6] Chevalier et al. (2009). Arthritis Rheum 61:344, PMID 19248129 (anakinra t1/2 about 4 h).
.. [7] Kwon et al. (2023). Tissue Eng Regen Med 20:435 (rat MIA: cartilage destruction from day 1).
.. [8] Zhang et al. (2020). Aging 12:25138 (BMSC exosomes shift synovial macrophages from M1 to M2).
.. [9] Khatab et al. (2018). Eur Cell Mater 36:218 (MSC secretome: no effect on macrophage subtypes).

Parameter facts are those of the project's research note (shared/research/model-anchors.md, sections
1.1, 1.2, 2.1 and 2.2), where each is quoted with its source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from secretome.model._baker2017 import baker_parameters, baker_processes, baker_species
from secretome.model._readouts import cartilage_readouts
from secretome.model._spec import Dose, Model, Parameter, Process, Product, Readout, Species

__all__ = [
    "INDUCTIONS",
    "ORGANISMS",
    "Induction",
    "Organism",
    "cartilage_model",
    "induced_model",
    "rat_focal_defect",
    "rat_mia",
    "weekly_cm",
    "weekly_ev",
]

_HOURS_PER_DAY = 24.0
_MINUTES_PER_DAY = 1440.0


def _rate(half_life_days: float) -> float:
    """First-order rate constant (1/day) for a half-life in days."""
    return math.log(2.0) / half_life_days


def _assumed(name: str, value: float, unit: str, description: str, low: float, high: float) -> Parameter:
    return Parameter(name, value, unit, description, assumed=True, prior=(low, high))


def _extension_parameters() -> tuple[Parameter, ...]:
    return (
        _assumed(
            "d_a", _rate(10.0 / _MINUTES_PER_DAY), "1/day",
            "anti-inflammatory cytokine clearance: Baker's time scale (paper: 'in the order of minutes'); "
            "nominal half-life 10 min, prior 1-60 min",
            _rate(60.0 / _MINUTES_PER_DAY), _rate(1.0 / _MINUTES_PER_DAY),
        ),
        _assumed(
            "k_cl_cm", _rate(4.0 / _HOURS_PER_DAY), "1/day",
            "clearance of conditioned-medium factors from the joint; soluble materials dwell hours (Evans 2014), "
            "anakinra t1/2 about 4 h (Chevalier 2009); nominal 4 h, prior 1-8 h",
            _rate(8.0 / _HOURS_PER_DAY), _rate(1.0 / _HOURS_PER_DAY),
        ),
        _assumed(
            "k_cl_ev", _rate(7.0), "1/day",
            "clearance of EVs from the joint; days (nanoparticles mostly retained at 14 days, Partain 2020); "
            "nominal half-life 7 days, prior 2-28 days",
            _rate(28.0), _rate(2.0),
        ),
        _assumed("K_cm", 0.5, "mL/kg", "CM dose giving half the maximal effect (Emax)", 0.05, 5.0),
        _assumed("K_ev", 1.0, "1e9 particles/kg", "EV amount giving half the maximal effect (Emax)", 0.1, 10.0),
        _assumed(
            "k_cl_ra", _rate(4.0 / _HOURS_PER_DAY), "1/day",
            "clearance of IL-1Ra; anakinra serum terminal t1/2 about 4 h after intra-articular injection "
            "(Chevalier 2009) taken for the joint; prior 1-8 h",
            _rate(8.0 / _HOURS_PER_DAY), _rate(1.0 / _HOURS_PER_DAY),
        ),
        _assumed(
            "K_Ra", 100.0, "IL-1 receptor equivalents",
            "IL-1Ra giving half IL-1 receptor blockade; Proctor 2014: about 100-fold excess over receptors needed "
            "for a significant effect on collagen release",
            10.0, 1000.0,
        ),
        _assumed(
            "k_msc", _rate(7.0), "1/day",
            "loss of injected MSCs from the joint (death, efflux); nominal half-life 7 days, prior 1-28 days",
            _rate(28.0), _rate(1.0),
        ),
        _assumed(
            "k_sec", 0.1, "mL/kg per day per 1e6 cells/kg",
            "secretion by injected MSCs, in conditioned-medium equivalents", 0.01, 1.0,
        ),
        _assumed("A_cm", 4.0, "dimensionless", "maximal anti-inflammatory effect of CM (Baker a scale)", 0.0, 20.0),
        _assumed("A_ev", 4.0, "dimensionless", "maximal anti-inflammatory effect of EVs (Baker a scale)", 0.0, 20.0),
        _assumed("T_cm", 1.0, "dimensionless", "maximal TGF-beta activity increase by CM (fold over rest)", 0.0, 5.0),
        _assumed("T_ev", 1.0, "dimensionless", "maximal TGF-beta activity increase by EVs (fold over rest)", 0.0, 5.0),
        _assumed("d_T", 1.0, "1/day", "turnover of TGF-beta/ALK5 signalling activity", 0.1, 10.0),
        _assumed("d_S", 1.0, "1/day", "turnover of SOX-9 activity", 0.1, 10.0),
        _assumed("K_SI", 0.3, "dimensionless", "p giving half-maximal SOX-9 suppression by IL-1", 0.03, 3.0),
        _assumed("d_Z", 1.0, "1/day", "ADAMTS-5 turnover", 0.1, 10.0),
        _assumed("Z_p", 4.0, "dimensionless", "maximal ADAMTS-5 induction by p (fold over rest)", 0.5, 20.0),
        _assumed("K_Zp", 0.3, "dimensionless", "p giving half-maximal ADAMTS-5 induction", 0.03, 3.0),
        _assumed("k_G", 0.05, "1/day", "aggrecan turnover in rat cartilage (rodents: days to weeks)", 0.005, 0.5),
        _assumed("k_C", 0.005, "1/day", "collagen II turnover in rat cartilage (slower than aggrecan)", 0.0005, 0.05),
        _assumed("k_CM", 0.1, "1/day", "collagen II cleavage per unit MMP (Baker m) when unprotected", 0.01, 1.0),
        _assumed("K_prot", 0.2, "dimensionless", "aggrecan level halving collagen exposure (Proctor 2014)", 0.02, 2.0),
        _assumed("r_N", 0.02, "1/day", "chondrocyte proliferation (repair) rate", 0.002, 0.2),
        _assumed("k_ap", 0.02, "1/day", "maximal inflammation-driven chondrocyte apoptosis", 0.002, 0.2),
        _assumed("K_ap", 0.3, "dimensionless", "p giving half-maximal apoptosis", 0.03, 3.0),
        # EV cargo acts after uptake (model-anchors note section 4.3): EVs leave the joint in days, the
        # miRNA/protein they deliver acts inside cells and decays at its own rate.
        _assumed("k_up", 0.1, "1/day", "EV uptake by joint cells (calibrate)", 0.01, 1.0),
        _assumed(
            "k_E", _rate(3.0), "1/day",
            "loss of the intracellular EV-cargo effect (miRNA/protein turnover, days); nominal t1/2 3 days, "
            "prior 0.5-14 days", _rate(14.0), _rate(0.5),
        ),
        # Synovial macrophages M1/M2 (note section 4.2), in units of the resting total (M1 + M2 = 1 at rest).
        _assumed("d_mac", 0.1, "1/day", "synovial macrophage turnover (resting influx balances loss)", 0.02, 0.5),
        _assumed("R_rec", 5.0, "fold", "maximal fragment-driven M1 recruitment over resting influx", 0.0, 20.0),
        _assumed("K_rec", 0.5, "dimensionless", "fragments f at half-maximal M1 recruitment", 0.05, 5.0),
        _assumed("k_12", 0.1, "1/day", "M1 to M2 repolarisation at rest", 0.01, 1.0),
        _assumed("k_21", 0.1, "1/day", "M2 to M1 repolarisation", 0.01, 1.0),
        _assumed(
            "e_pol_ev", 2.0, "fold",
            "maximal increase of M1 to M2 switching by EV cargo (EVs shift M1 to M2, Zhang 2020)", 0.0, 10.0,
        ),
        _assumed(
            "e_pol_cm", 0.0, "fold",
            "maximal increase of M1 to M2 switching by CM (no effect on macrophage subtypes, Khatab 2018; "
            "prior includes 0)", 0.0, 2.0,
        ),
        _assumed("k_pM1", 0.005, "dimensionless", "pro-inflammatory production by M1 (Baker p scale)", 0.0, 0.1),
        _assumed("k_aM2", 0.5, "dimensionless", "anti-inflammatory (IL-10) production by M2 (Baker a scale)", 0.0, 5.0),
    )  # fmt: skip


def _resting_macrophages() -> tuple[float, float]:
    """M1 and M2 at rest (f = 0) for the nominal rates: influx d_mac into M1, switching, loss d_mac."""
    values = {p.name: p.value for p in _extension_parameters()}
    d, k12, k21 = values["d_mac"], values["k_12"], values["k_21"]
    m1 = d / (k12 + d - k21 * k12 / (k21 + d))
    return m1, k12 * m1 / (k21 + d)


# IL-1 signalling left after competitive receptor blockade by IL-1Ra: p scaled by the free-receptor
# fraction K_Ra/(ra + K_Ra), ra in IL-1 receptor equivalents (Proctor 2014 models the binding explicitly).
_SIGNAL = "(p*K_Ra/(ra + K_Ra))"


def _extension_processes() -> tuple[Process, ...]:
    e_cm = "cm/(K_cm + cm)"
    # EVs act through their cargo E once taken up, not while they float in the synovial fluid.
    e_ev = "E/(K_ev + E)"

    def hill(x: str, k: str) -> str:
        return f"pow({x}, n)/(pow({k}, n) + pow({x}, n))"

    return (
        *baker_processes(
            time_scale="d_a",
            inhibition=f"(a + A_cm*{e_cm} + A_ev*{e_ev})",
            signal=_SIGNAL,
            p_source="k_pM1*M1",
            a_source="k_aM2*M2",
        ),
        Process("cm_clearance", "k_cl_cm*cm", {"cm": -1}),
        Process("ev_clearance", "k_cl_ev*ev", {"ev": -1}),
        Process("ev_uptake", "k_up*ev", {"ev": -1, "E": 1}),
        Process("E_decay", "k_E*E", {"E": -1}),
        Process("M1_influx", f"d_mac*(1 + R_rec*{hill('f', 'K_rec')})", {"M1": 1}),
        Process("M1_to_M2", f"k_12*(1 + e_pol_ev*{e_ev} + e_pol_cm*{e_cm})*M1", {"M1": -1, "M2": 1}),
        Process("M2_to_M1", "k_21*M2", {"M2": -1, "M1": 1}),
        Process("M1_loss", "d_mac*M1", {"M1": -1}),
        Process("M2_loss", "d_mac*M2", {"M2": -1}),
        Process("ra_clearance", "k_cl_ra*ra", {"ra": -1}),
        # Injected cells are a depot: they secrete CM-like factors until they are lost.
        Process("msc_secretion", "k_sec*msc", {"cm": 1}),
        Process("msc_loss", "k_msc*msc", {"msc": -1}),
        Process("T_production", f"d_T*(1 + T_cm*{e_cm} + T_ev*{e_ev})", {"T": 1}),
        Process("T_decay", "d_T*T", {"T": -1}),
        Process("S_production", f"d_S*T/(1 + pow({_SIGNAL}/K_SI, n))", {"S": 1}),
        Process("S_decay", "d_S*S", {"S": -1}),
        Process("Z_production", f"d_Z*(1 + Z_p*{hill(_SIGNAL, 'K_Zp')})", {"Z": 1}),
        Process("Z_decay", "d_Z*Z", {"Z": -1}),
        Process("N_proliferation", "r_N*N*(1 - N)", {"N": 1}),
        Process("N_apoptosis", f"k_ap*{hill(_SIGNAL, 'K_ap')}*N", {"N": -1}),
        Process("G_synthesis", "k_G*S*N", {"G": 1}),
        Process("G_degradation", "k_G*Z*G", {"G": -1}),
        Process("C_synthesis", "k_C*S*N", {"C": 1}),
        Process("C_turnover", "k_C*C", {"C": -1}),
        # Aggrecan shields collagen from MMP-13 (Proctor 2014): collagen is lost once aggrecan is gone.
        Process("C_degradation", "k_CM*m*C/(1 + G/K_prot)", {"C": -1}),
    )


# Readouts kept from v0 (the report plots them); the mappings onto outcome scales are in _readouts.py.
# "% of healthy" compares with a study's treated/control (or OA/sham) ratio of means, not with its raw unit.
_READOUTS = (
    Readout(
        "aggrecan", "100*G", "% of healthy", "gag_content",
        "aggrecan/GAG content; Safranin-O stained area taken as proportional, so compare with % of sham",
    ),
    Readout(
        "collagen_ii", "100*C", "% of healthy", "ihc_col2",
        "type II collagen content as % of healthy; on the outcome's % positive scale see readout ihc_col2",
    ),
    Readout(
        "chondrocytes", "100*N", "% of healthy", "chondrocyte_count",
        "viable chondrocyte density; cells/field = N x the healthy count per field, so compare with % of sham",
    ),
    Readout("sox9", "S", "fold over healthy", "sox9_expression", "SOX-9 activity taken as expression fold change"),
    Readout("adamts5", "Z", "fold over healthy", "adamts5_expression", "ADAMTS-5 activity taken as expression"),
    Readout(
        "pro_inflammatory", "p", "dimensionless", "il1b_level", "Baker p; in pg/mL see readouts il1b, tnfa, il6"
    ),
    Readout("anti_inflammatory", "a", "dimensionless", "il10_level", "Baker a; in pg/mL see readout il10"),
    Readout(
        "m2_share", "100*M2/(M1 + M2)", "%", "m2_macrophages",
        "M2 share of synovial macrophages (e.g. CD206+ of CD68+ cells)",
    ),
)  # fmt: skip

_PRODUCTS = (
    Product("cm", "conditioned_medium", "mL/kg", {"cm": 1.0}, "MSC conditioned medium, lumped soluble factors"),
    Product("ev", "extracellular_vesicles", "particles/kg", {"ev": 1e-9}, "MSC extracellular vesicles"),
    Product("msc", "cells", "cells/kg", {"msc": 1e-6}, "MSCs: a depot that secretes CM-like factors"),
)

_NOTES = (
    "Time in days: Baker 2017 rates are multiplied by d_a (assumed; the paper gives 'order of minutes').",
    "Parameters beyond Baker 2017 Table 1 are assumed with prior ranges; outputs are qualitative, not calibrated.",
)


@dataclass(frozen=True)
class Organism:
    """Species facts for the cartilage model: healthy thickness, tissue time scales, OARSI scale.

    Parameters
    ----------
    name : str
        Preset prefix (``rat``, ``mouse``, ``human``).
    label : str
        Words for people.
    parameters : tuple of Parameter
        ``h0`` (healthy cartilage thickness, um) and any replacement of a model parameter of the same name
        (matrix turnover, repair, cleavage rates).
    oarsi_outcome : str
        Vocabulary outcome of the OARSI readout (``oarsi_score`` 0-24 or ``oarsi_mouse_score`` 0-6).
    clinical : bool
        Whether clinical readouts (joint space width, WOMAC, VAS) apply.
    """

    name: str
    label: str
    parameters: tuple[Parameter, ...]
    oarsi_outcome: str = "oarsi_score"
    clinical: bool = False


@dataclass(frozen=True)
class Induction:
    """How OA is started: Baker pulse ``p0``, ongoing damage ``fdam`` and the tissue left at time 0.

    Parameters
    ----------
    name : str
        Preset suffix (``mia``, ``dmm``, ...).
    label : str
        Words for people.
    p0 : float
        Initial pro-inflammatory level (Baker scale).
    fdam : float
        Baker's ongoing mechanical damage ``Fdam``.
    aggrecan0, collagen0, cells0 : float
        Tissue at time 0 as a fraction of healthy.
    note : str
        The assumption in words (it goes into the model's notes).
    """

    name: str
    label: str
    p0: float
    fdam: float
    aggrecan0: float = 1.0
    collagen0: float = 1.0
    cells0: float = 1.0
    note: str = ""


_YEAR = 365.0

ORGANISMS: dict[str, Organism] = {
    "rat": Organism(
        "rat",
        "rat knee",
        (
            Parameter(
                "h0", 166.5, "um", "healthy femoral-condyle cartilage thickness, rat",
                source="Chen et al. 2013, BMC Vet Res 9:62, doi:10.1186/1746-6148-9-62, abstract "
                "(166.5 +/- 10.9 um)",
            ),
        ),
    ),
    "mouse": Organism(
        "mouse",
        "mouse knee",
        (
            Parameter(
                "h0", 90.0, "um",
                "healthy femoral-condyle cartilage thickness, mouse: the low end of the mouse-to-elephant range",
                source="Malda et al. 2013, PLoS One e57683, abstract (femoral-condyle thickness 90-3000 um, "
                "mouse to elephant)",
            ),
        ),
        oarsi_outcome="oarsi_mouse_score",
    ),
    "human": Organism(
        "human",
        "human knee",
        (
            Parameter(
                "h0", 2400.0, "um", "healthy medial femoral condyle cartilage thickness, age 23-49",
                source="Hunziker, Quinn & Hauselmann 2002, Osteoarthritis Cartilage 10:564, PMID 12127837, "
                "abstract (2.4 mm)",
            ),
            _assumed(
                "k_G", _rate(3.4 * _YEAR), "1/day",
                "aggrecan turnover in adult human cartilage: core-protein t1/2 often cited as 3.4 yr (Maroudas "
                "1998, unverified); prior t1/2 1-25 yr (G1 domain about 25 yr, Verzijl 2001)",
                _rate(25.0 * _YEAR), _rate(1.0 * _YEAR),
            ),
            _assumed(
                "k_C", _rate(100.0 * _YEAR), "1/day",
                "collagen II turnover in adult human cartilage: virtually none after skeletal maturity "
                "(Heinemeier 2016); nominal t1/2 100 yr, prior 10-400 yr",
                _rate(400.0 * _YEAR), _rate(10.0 * _YEAR),
            ),
            _assumed("r_N", 0.0005, "1/day", "chondrocyte proliferation in adult human cartilage", 0.00005, 0.005),
            _assumed(
                "k_ap", 0.002, "1/day", "maximal inflammation-driven chondrocyte apoptosis, human (slower than rat)",
                0.0002, 0.02,
            ),
            _assumed(
                "k_CM", 0.0005, "1/day",
                "collagen II cleavage per unit MMP when unprotected, human: nominal gives a thickness loss of a few "
                "% per year when inflamed (MRI volume -3.7 %/yr, Raynauld 2006)", 0.00005, 0.005,
            ),
        ),
        clinical=True,
    ),
}  # fmt: skip

INDUCTIONS: dict[str, Induction] = {
    "mia": Induction(
        "mia", "monoiodoacetate (MIA) injection", p0=5.0, fdam=0.1,
        note="MIA injection represented as Baker's pulse p(0) = 5 with ongoing damage Fdam = 0.1 (assumed).",
    ),
    "aclt": Induction(
        "aclt", "anterior cruciate ligament transection (ACLT)", p0=0.0, fdam=0.2,
        note="ACLT: joint instability represented as ongoing mechanical damage Fdam = 0.2 from day 0, "
        "no inflammatory pulse (assumed).",
    ),
    "dmm": Induction(
        "dmm", "destabilisation of the medial meniscus (DMM)", p0=0.0, fdam=0.2,
        note="DMM: joint instability represented as ongoing mechanical damage Fdam = 0.2 from day 0, "
        "no inflammatory pulse (assumed).",
    ),
    "collagenase": Induction(
        "collagenase", "intra-articular collagenase", p0=0.0, fdam=0.1, aggrecan0=0.9, collagen0=0.8,
        note="Collagenase: digests 20 % of collagen II and 10 % of aggrecan at injection, then ligament laxity "
        "gives ongoing damage Fdam = 0.1 (all assumed).",
    ),
    "focal-defect": Induction(
        "focal-defect", "focal full-thickness cartilage defect", p0=1.0, fdam=0.0,
        aggrecan0=0.5, collagen0=0.5, cells0=0.5,
        note="Defect: aggrecan, collagen II and chondrocytes start at 50% of healthy (assumed). "
        "Injury inflammation: p(0) = 1 (assumed).",
    ),
    "spontaneous": Induction(
        "spontaneous", "slow spontaneous (primary) OA", p0=0.0, fdam=0.1,
        note="Spontaneous OA: ongoing damage Fdam = 0.1 from day 0, no pulse (assumed); the pace is set by the "
        "species' matrix turnover (years in people). Not calibrated: in people the nominal values narrow the "
        "joint space by about 0.6 mm a year over two years, against 0.14 +/- 0.14 mm/yr in 23 studies "
        "(Emrani 2008, PMC2701468, abstract).",
    ),
}  # fmt: skip


def cartilage_model(
    *,
    name: str,
    description: str,
    p0: float,
    tissue0: float = 1.0,
    doses: tuple[Dose, ...] = (),
    t_end: float,
    notes: tuple[str, ...] = (),
    fdam: float = 0.0,
    organism: Organism | None = None,
    aggrecan0: float | None = None,
    collagen0: float | None = None,
    defect: bool = False,
) -> Model:
    """The v0 OA cartilage model with an induction (initial state) and a protocol (doses).

    Parameters
    ----------
    name, description : str
        Preset id and what it represents.
    p0 : float
        Initial pro-inflammatory level (Baker scale); 5 is the BIOMD0000000928 pulse.
    tissue0 : float
        Initial aggrecan, collagen II and chondrocytes as a fraction of healthy (a defect lowers it).
    doses : tuple of Dose
        Protocol (``cm`` in mL/kg of conditioned medium, ``ev`` in 1e9 particles/kg, ``msc`` in 1e6 cells/kg).
    t_end : float
        End time in days.
    notes : tuple of str
        Preset-specific assumptions.
    fdam : float
        Baker's mechanical damage ``Fdam`` (0 in Table 1).
    organism : Organism, optional
        Species facts (default the rat, :data:`ORGANISMS`).
    aggrecan0, collagen0 : float, optional
        Initial aggrecan and collagen II where they differ from *tissue0*.
    defect : bool
        The state is that of a focal defect region: adds the defect fill readout.
    """
    organism = ORGANISMS["rat"] if organism is None else organism
    m1, m2 = _resting_macrophages()
    species = (
        *baker_species(p0=p0),
        Species("cm", 0.0, "mL/kg", "conditioned-medium soluble factors in the joint (CM-equivalent volume)"),
        Species("ev", 0.0, "1e9 particles/kg", "extracellular vesicles in the joint"),
        Species("ra", 0.0, "IL-1 receptor equivalents", "IL-1 receptor antagonist (e.g. anakinra) in the joint"),
        Species("msc", 0.0, "1e6 cells/kg", "injected MSCs in the joint (a depot of secreted factors)"),
        Species("T", 1.0, "fold over healthy", "TGF-beta/ALK5 signalling activity"),
        Species("S", 1.0, "fold over healthy", "SOX-9 activity"),
        Species("Z", 1.0, "fold over healthy", "ADAMTS-5 activity"),
        Species("N", tissue0, "fraction of healthy", "viable chondrocyte density"),
        Species("G", tissue0 if aggrecan0 is None else aggrecan0, "fraction of healthy", "aggrecan content"),
        Species("C", tissue0 if collagen0 is None else collagen0, "fraction of healthy", "type II collagen content"),
        Species("E", 0.0, "1e9 particles/kg", "EV cargo taken up by joint cells (miRNA/protein effect)"),
        Species("M1", m1, "fraction of resting total", "pro-inflammatory (M1) synovial macrophages"),
        Species("M2", m2, "fraction of resting total", "anti-inflammatory (M2) synovial macrophages"),
    )
    baker = tuple(p if p.name != "Fdam" else _fdam(fdam, p) for p in baker_parameters())
    # The organism replaces model parameters of the same name (time scales) and adds its own (h0).
    specific = {p.name: p for p in organism.parameters}
    extension = tuple(specific.pop(p.name, p) for p in _extension_parameters())
    mapping, readouts = cartilage_readouts(
        signal=_SIGNAL, oarsi_outcome=organism.oarsi_outcome, clinical=organism.clinical, defect=defect
    )
    return Model(
        name=name,
        description=description,
        time_unit="day",
        species=species,
        parameters=(*baker, *extension, *specific.values(), *mapping),
        processes=_extension_processes(),
        readouts=(*_READOUTS, *readouts),
        doses=doses,
        products=_PRODUCTS,
        t_end=t_end,
        notes=(*_NOTES, *notes),
    )


def induced_model(
    organism: str, induction: str, *, t_end: float, doses: tuple[Dose, ...] = (), name: str | None = None
) -> Model:
    """The cartilage model for *organism* (:data:`ORGANISMS`) with OA started by *induction* (:data:`INDUCTIONS`).

    >>> model = induced_model("mouse", "dmm", t_end=56.0)
    >>> model.name, model.parameter("h0").value, model.parameter("Fdam").value
    ('mouse-dmm', 90.0, 0.2)
    """
    host, start = ORGANISMS[organism], INDUCTIONS[induction]
    return cartilage_model(
        name=name or f"{organism}-{induction}",
        description=f"{host.label.capitalize()}, OA by {start.label}.",
        p0=start.p0,
        fdam=start.fdam,
        tissue0=start.cells0,
        aggrecan0=start.aggrecan0,
        collagen0=start.collagen0,
        doses=doses,
        t_end=t_end,
        organism=host,
        notes=(start.note,),
    )


def _fdam(value: float, table_1: Parameter) -> Parameter:
    if value == table_1.value:
        return table_1
    return _assumed("Fdam", value, "dimensionless", "ongoing mechanical damage after injury", 0.0, 1.0)


def rat_mia(*, doses: tuple[Dose, ...] = (), name: str = "rat-mia") -> Model:
    """Rat knee, monoiodoacetate (MIA) induction: Baker's pulse p(0) = 5 plus ongoing damage ``Fdam``.

    MIA damage starts on day 1 (Kwon et al. 2023, rat 4 mg/50 uL). Representing the injection as Baker's
    pulse with ongoing damage Fdam = 0.1 (assumed; with Fdam > 0 inflammation persists, so a treatment
    effect lasts only while the product acts) is an assumption. 120 days.
    """
    return cartilage_model(
        name=name,
        description="Rat knee, MIA-induced OA: inflammation pulse and ongoing damage drive matrix loss.",
        p0=5.0,
        fdam=0.1,
        doses=doses,
        t_end=120.0,
        notes=("MIA injection represented as Baker's pulse p(0) = 5 with ongoing damage Fdam = 0.1 (assumed).",),
    )


def weekly_cm(*, amount: float = 1.0, start: float = 7.0, count: int = 5) -> tuple[Dose, ...]:
    """Conditioned medium *amount* mL/kg once a week, *count* times from day *start*."""
    return tuple(Dose(start + 7.0 * i, "cm", amount) for i in range(count))


def weekly_ev(*, amount: float = 5.0, start: float = 7.0, count: int = 5) -> tuple[Dose, ...]:
    """Extracellular vesicles *amount* x 1e9 particles/kg once a week, *count* times from day *start*.

    The nominal 5e9 particles/kg is an assumption: the model-anchors note (section 2.4, unverified) gives
    1e8-1e10 particles per injection in rodent studies, which for a rat of a few hundred grams is of that order.
    """
    return tuple(Dose(start + 7.0 * i, "ev", amount) for i in range(count))


def rat_focal_defect(*, doses: tuple[Dose, ...] = (), name: str = "rat-focal-defect") -> Model:
    """The review's rat model: focal K-wire cartilage defect; readouts at months 2, 3 and 4.

    The defect removes half of the tissue locally (assumed) and the injury gives an inflammatory pulse
    p(0) = 1 (assumed) that, with Table 1 values, settles into sustained inflammation unless treated.
    Readout months 2, 3, 4 are days 60, 90 and 120; the O'Driscoll score is the readout ``odriscoll``
    (an assumed, uncalibrated map, :mod:`secretome.model._readouts`), beside the defect fill ``defect_fill``.
    The review's protocol, CM 1 mL/kg weekly x 5, is the preset ``rat-focal-defect-cm``.
    """
    return cartilage_model(
        name=name,
        description="Rat knee, focal K-wire cartilage defect; intra-articular conditioned medium per the protocol.",
        p0=1.0,
        tissue0=0.5,
        defect=True,
        doses=doses,
        t_end=120.0,
        notes=(
            "Defect: aggrecan, collagen II and chondrocytes start at 50% of healthy (assumed).",
            "Injury inflammation: p(0) = 1 (assumed). Weekly x 5 dosing on days 7, 14, 21, 28, 35 (start assumed).",
            "Readouts at months 2, 3, 4 = days 60, 90, 120.",
        ),
    )
