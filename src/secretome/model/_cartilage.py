"""OA cartilage and synovium under secretome therapy, v1: a joint in days, doses per joint (declarations only).

Compartments: the **synovial fluid** of one knee (volume ``V_sf``, mL; soluble mediators and injected
products are amounts per joint, their concentrations amount / ``V_sf``), the **synovium** (macrophages,
fractions of the resting total) and the **cartilage** (fractions of healthy tissue).

Processes, each with the reason it is there:

- **Cytokines** IL-1beta ``il1b``, TNF-alpha ``tnfa``, IL-6 ``il6`` and IL-10 ``il10`` (pg per joint) are
  separate species, each cleared from the joint at the soluble-protein rate ``k_prot`` (lymphatic clearance
  of intra-articular proteins, hours; Evans, Kraus & Setton 2014: "soluble materials have an intra-articular
  dwell time measured only in hours"). M1 macrophages make IL-1beta and TNF-alpha, more when matrix fragments
  (DAMPs) are present (IL-1beta more so: it is released after inflammasome assembly, which injury triggers;
  Alippe & Mbalaviele 2019), less when IL-10 is present; TNF-alpha is the more abundant of the two in OA synovial
  fluid (Westacott et al. 1990); IL-1beta and TNF-alpha induce IL-6; M2 macrophages make IL-10, more after
  taking up EV cargo (Zhang et al. 2020).
- **Polarisation**: monocytes recruited by fragments enter as M1; IL-10 (and TSG-6 and EV cargo from the
  products) speed M1-to-M2 switching, IL-1beta and TNF-alpha speed M2-to-M1 switching (Zhang et al. 2020:
  MSC exosomes shift synovial macrophages from M1 to M2 and raise IL-10).
- **Signalling**: IL-1 receptor occupancy under competitive blockade by IL-1Ra
  ``(c1/K_1)/(1 + c1/K_1 + c_ra/K_ra)`` (Proctor et al. 2014 needed about a 100-fold IL-1Ra excess) and
  TNF occupancy ``cT/(K_T + cT)``; their mean is the catabolic drive of chondrocytes.
- **Proteases**: ADAMTS-5 ``Z`` and MMP-13 ``mmp`` (fold over rest, >= 1) are induced by the catabolic drive
  and cleared as tissue enzyme activities (t1/2 about 30 h, Proctor et al. 2014).
- **Matrix** (aggrecan ``G``, collagen II ``C``, fractions of the content with every chondrocyte viable): synthesis by
  viable chondrocytes with SOX-9 activity, ``k S N (1 - G)``, falls as the matrix fills (matrix feedback on
  synthesis); it is balanced by the cells' constitutive turnover ``k S d_G G``, so a joint that loses chondrocytes
  loses matrix in proportion (MIA damages cartilage through cell death as well as inflammation). Synthesis is
  homeostatic: SOX-9 activity (suppressed by the cytokines, raised by TGF-beta) sets the pace of this remodelling, not
  its level, so the matrix of the cells present settles at ``N / (N + d_G)`` less its catabolic losses; an anabolic
  product speeds the repair of a defect but does not drive the matrix above the healthy rest state (faster remodelling
  outpaces only the basal catabolism of a resting joint: under 0.1 % of healthy with daily maximal CM and EVs at the
  nominal parameters); catabolic loss by the protease activity above rest; collagen is cleaved only where aggrecan no
  longer shields it (Proctor 2014); **load**: the strain of the matrix, load / stiffness with stiffness falling as
  aggrecan is lost, wears both matrices above a threshold strain. Fragments ``F`` are made by every protease- or
  wear-driven matrix loss and by dying cells and drive inflammation (the tissue feeds back); constitutive turnover is
  cleared by the cells.
- **Cells**: viable chondrocytes ``N`` die by apoptosis (into ``Na``, apoptotic cells, TUNEL-positive until
  cleared) driven by cytokines and by overload above that of a healthy joint (the products' anti-apoptotic cargo
  spares these stressed cells, not basal turnover), and by necrosis from monoiodoacetate; they hardly divide
  (Mankin 1962), so a joint does not regain lost cells.
- **Inductions act through their mechanism** (:data:`INDUCTIONS`): MIA is a bolus in the joint that kills
  chondrocytes (a glycolysis inhibitor), DMM and ACLT raise joint load (instability) after a surgical
  injury, collagenase digests collagen and loosens the joint, a focal defect removes tissue.
- **Products** (:mod:`secretome.model._products`): conditioned medium (µg protein per joint) carries soluble
  IL-1Ra, TSG-6 and TGF-beta, cleared at ``k_prot``; extracellular vesicles (particles per joint) are retained
  for days and act through their cargo (anti-apoptotic and anti-catabolic miRNA, M2 switching) after uptake;
  MSCs (cells per joint) are a depot that secretes both until lost.

Every parameter is sourced with its quote or ``assumed`` with a prior range; readout maps onto reported
scales are in :mod:`secretome.model._readouts` (group ``"readout"``), fitted after the mechanism.

References
----------
.. [1] Evans, Kraus & Setton (2014). Nat Rev Rheumatol 10:11. https://doi.org/10.1038/nrrheum.2013.159
.. [2] Proctor et al. (2014). Arthritis Rheumatol 66(4):979-989. https://doi.org/10.1002/art.38297
.. [3] Zhang et al. (2020). Aging 12:25138. https://doi.org/10.18632/aging.104110
.. [4] Hui et al. (2016). Ann Rheum Dis 75:449-458 (TGF-beta / SOX-9 anabolic arm, apoptosis).
.. [5] Naveen et al. (2014). Int J Med Sci 11:97. https://doi.org/10.7150/ijms.6964
.. [6] Westacott et al. (1990). Ann Rheum Dis 49:676. https://ard.bmj.com/content/49/9/676
.. [7] Alippe & Mbalaviele (2019). Semin Immunopathol 41:607. https://doi.org/10.1007/s00281-019-00753-4
.. [8] Mankin (1962), tritiated thymidine autoradiography of immature and adult rabbit knee cartilage (no labelling
   in adult articular cartilage), abstract: https://scilit.net/publications/3e8647bc1c11631a1526e12dedf10e60
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cache

from secretome.model._products import (
    PRODUCTS,
    effects,
    il1ra_amount,
    product_parameters,
    product_processes,
    product_species,
)
from secretome.model._readouts import cartilage_readouts
from secretome.model._spec import Compartment, Dose, Model, Parameter, Process, Species

__all__ = [
    "INDUCTIONS",
    "ORGANISMS",
    "Induction",
    "Organism",
    "cartilage_model",
    "induced_model",
    "rest_state",
]

_HOURS = 1.0 / 24.0
_YEAR = 365.0


def _rate(half_life_days: float) -> float:
    """First-order rate constant (1/day) for a half-life in days."""
    return math.log(2.0) / half_life_days


def assumed(name: str, value: float, unit: str, description: str, low: float, high: float) -> Parameter:
    """An assumed mechanism parameter with its prior ``(low, high)``."""
    return Parameter(name, value, unit, description, assumed=True, prior=(low, high))


def _half_life(name: str, hours: float, low: float, high: float, what: str) -> Parameter:
    """A first-order clearance from an assumed half-life in hours (prior in hours)."""
    return assumed(
        name, _rate(hours * _HOURS), "1/day", f"{what}; nominal half-life {hours:g} h, prior {low:g}-{high:g} h",
        _rate(high * _HOURS), _rate(low * _HOURS),
    )  # fmt: skip


_VUGMEYSTER = (
    "Vugmeyster et al. 2012, AAPS J 14(1):97-104, doi:10.1208/s12248-011-9315-4, abstract: 'after a single IA "
    "injection to naive rats and rats that underwent unilateral meniscal tear, [125I]LUB:1 had a tri-phasic "
    "disposition profile, with the alpha, beta, and gamma half-life estimates of 4.5 h, 1.5 days, and 2.1 weeks, "
    "respectively'"
)
_RAT_PROTEIN_CLEARANCE = Parameter(
    "k_prot", _rate(4.5 * _HOURS), "1/day",
    "intra-articular clearance of soluble proteins (cytokines, IL-1Ra, TGF-beta, TSG-6) from a rat knee: the fast "
    "(alpha) phase of an injected protein, read as lymphatic clearance of unbound protein (the slower phases are "
    "protein bound to cartilage); Evans 2014: soluble materials dwell 'only in hours'",
    source=f"{_VUGMEYSTER} (converted: k = ln 2 / (4.5 h / 24 h per day) = 3.70 per day)",
)  # fmt: skip


_WESTACOTT = (
    "Westacott et al. 1990, Ann Rheum Dis 49(9):676, https://ard.bmj.com/content/49/9/676, abstract: 'Mean "
    "interleukin-1 beta concentrations (130.3 (SD 22) pg/ml) were higher in synovial fluids from patients with "
    "rheumatoid arthritis (RA) than in those from patients with osteoarthritis (27.8(4.5)pg/ml)' and 'Interleukin-2 "
    "and tumour necrosis factor alpha concentrations were lower in the inflammatory arthropathies ... than those in "
    "patients with osteoarthritis (5.2 (0.6) U/ml; 0.05 (0.04) ng/ml)' (converted: 0.05 ng/mL = 50 pg/mL)"
)
_TNF_TO_IL1B = 50.0 / 27.8
"""TNF-alpha over IL-1beta in OA synovial fluid (Westacott 1990): the human ratio, the only one found."""
_M1_OUTPUT = 4.0
"""IL-1beta plus TNF-alpha sustained by the resting M1 population (pg/mL, assumed). Not anchored on a measurement:
Westacott 1990 examined only two non-arthritic fluids ('interleukin-1 beta concentrations were low, but
concentrations of the other cytokines were higher than those seen in most arthritic fluids'), too few for a value,
and the OA ratio is applied to the resting output as an assumption."""
_MANKIN_1962 = (
    "Mankin 1962, tritiated thymidine in rabbit knee cartilage, abstract "
    "(https://scilit.net/publications/3e8647bc1c11631a1526e12dedf10e60): 'In the older but still immature animals, "
    "evidence of growth was confined to the basal layers of the cartilage adjacent to the layer of calcified "
    "cartilage. No exposures were noted in the articular cartilage of the adult animal.'"
)
_TONNA_1961 = (
    "Tonna 1961, J Biophys Biochem Cytol 9(4):813-824, doi:10.1083/jcb.9.4.813, abstract (as shown on a PubMed "
    "mirror, http://47.251.13.51:8081/13777409): mouse femora, 'The labeling index of the epiphyseal disk remained "
    "high (0.054 to 0.048) until about the 6th week of age. Following this age the index fell sharply to 0.018 at "
    "8 weeks and 0.002 at 26 weeks of age.'"
)
_ALIPPE = (
    "Alippe & Mbalaviele 2019, Semin Immunopathol 41:607, doi:10.1007/s00281-019-00753-4, abstract: 'The "
    "inflammasomes are intracellular protein complexes that are assembled in response to a variety of "
    "perturbations including infections and injuries.'"
)


def _mechanism_parameters() -> tuple[Parameter, ...]:
    """The rat values; organisms replace the ones that differ (:data:`ORGANISMS`)."""
    return (
        assumed("V_sf", 0.03, "mL", "synovial fluid volume of one rat knee: no rat measurement found; a rabbit "
                "knee holds 24 mg of fluid (Levick 1988, doi:10.1113/expphysiol.1988.sp003121, abstract) or 401 uL "
                "by calcium dilution (2002 rabbit study, https://www.acemap.info/paper/215871367), so the prior runs "
                "from a third of the smaller rabbit value to a quarter of the larger", 0.008, 0.1),
        _RAT_PROTEIN_CLEARANCE,
        _half_life("k_F", 24.0, 4.0, 96.0, "clearance of matrix fragments and cell debris (DAMPs) from the joint"),
        _half_life("k_mia", 1.0, 0.25, 4.0, "clearance of monoiodoacetate, a small molecule (leaves through "
                   "synovial capillaries, Evans 2014)"),
        _half_life("k_colg", 6.0, 1.0, 24.0, "loss of collagenase activity in the joint"),
        _half_life("d_Z", 30.0, 10.0, 100.0, "turnover of ADAMTS-5 activity (active-MMP t1/2 about 30 h in Proctor "
                   "et al. 2014, a model assumption there)"),
        _half_life("d_M", 30.0, 10.0, 100.0, "turnover of MMP-13 activity (t1/2 about 30 h, Proctor et al. 2014)"),
        _half_life("d_S", 24.0, 6.0, 96.0, "turnover of SOX-9 activity"),
        _half_life("k_Na", 12.0, 2.0, 48.0, "clearance of apoptotic chondrocytes (how long they stay TUNEL-positive)"),
        assumed("d_mac", 0.1, "1/day", "synovial macrophage turnover (influx balances loss at rest)", 0.02, 0.5),
        # Cytokine production, as the concentration a unit of producers sustains (pg/mL): production is
        # V_sf * k_prot * c * drive, so c is directly comparable with synovial fluid measurements.
        assumed("c1_M", _M1_OUTPUT / (1.0 + _TNF_TO_IL1B), "pg/mL", "IL-1beta sustained by the resting M1 "
                "population; nominal: the share of IL-1beta in the assumed resting output of both (4 pg/mL) at the "
                "TNF-alpha : IL-1beta ratio of OA synovial fluid (see cT_M)", 0.2, 20.0),
        assumed("cT_M", _M1_OUTPUT * _TNF_TO_IL1B / (1.0 + _TNF_TO_IL1B), "pg/mL", "TNF-alpha sustained by the "
                "resting M1 population; nominal: the share of TNF-alpha in the assumed resting output of both (4 "
                f"pg/mL) at the ratio of OA synovial fluid, 50 / 27.8 pg/mL ({_WESTACOTT})", 0.2, 20.0),
        assumed("c6_0", 20.0, "pg/mL", "IL-6 made by synoviocytes and chondrocytes without IL-1/TNF", 2.0, 200.0),
        assumed("a_6", 10.0, "fold", "maximal IL-6 induction by IL-1beta and TNF-alpha", 1.0, 100.0),
        assumed("c10_M", 5.0, "pg/mL", "IL-10 sustained by the resting M2 population", 0.5, 50.0),
        assumed("a_D", 2.0, "fold", "maximal increase of M1 TNF-alpha output by DAMPs (TLR signalling)", 0.5, 30.0),
        assumed("a_D1", 5.0, "fold", "maximal increase of M1 IL-1beta output by DAMPs: IL-1beta is released only "
                f"after inflammasome assembly, which injury triggers ({_ALIPPE}), so it depends on DAMPs more than "
                "TNF-alpha (a_D) does", 0.5, 50.0),
        assumed("K_10i", 20.0, "pg/mL", "IL-10 halving M1 IL-1beta/TNF-alpha output", 2.0, 200.0),
        assumed("K_1", 50.0, "pg/mL", "IL-1beta at half IL-1 receptor occupancy", 5.0, 500.0),
        assumed("K_T", 50.0, "pg/mL", "TNF-alpha at half receptor occupancy", 5.0, 500.0),
        assumed("K_10", 20.0, "pg/mL", "IL-10 at half its effect on M1-to-M2 switching", 2.0, 200.0),
        assumed("K_F", 0.02, "fraction of healthy matrix", "fragments at half-maximal DAMP signalling", 0.001, 0.1),
        assumed("n_H", 2.0, "dimensionless", "Hill coefficient of the saturating responses", 1.0, 4.0),
        # Macrophages in units of the resting total.
        assumed("R_rec", 2.0, "fold", "maximal fragment-driven monocyte recruitment over resting influx", 0.0, 10.0),
        assumed("k_12", 0.1, "1/day", "M1-to-M2 switching at rest", 0.01, 1.0),
        assumed("k_21", 0.1, "1/day", "M2-to-M1 switching at rest", 0.01, 1.0),
        assumed("e_10", 2.0, "fold", "maximal increase of M1-to-M2 switching by IL-10 (M2c polarisation)", 0.0, 10.0),
        assumed("e_pro", 2.0, "fold", "maximal increase of M2-to-M1 switching by IL-1beta and TNF-alpha", 0.0, 10.0),
        # Chondrocyte catabolism and anabolism.
        assumed("Z_p", 4.0, "fold", "maximal ADAMTS-5 induction by the catabolic drive", 0.5, 20.0),
        assumed("M_p", 4.0, "fold", "maximal MMP-13 induction by the catabolic drive", 0.5, 20.0),
        assumed("K_cat", 0.5, "dimensionless", "catabolic drive (mean receptor occupancy) at half induction",
                0.1, 1.0),
        assumed("K_SI", 0.5, "dimensionless", "catabolic drive halving SOX-9 activity (IL-1 suppresses SOX-9)",
                0.1, 1.0),
        assumed("k_G", 0.15, "1/day", "aggrecan repair rate in rat cartilage (rodent turnover days to weeks)",
                0.005, 0.5),
        assumed("k_C", 0.005, "1/day", "collagen II repair rate in rat cartilage (slower than aggrecan)",
                0.0005, 0.05),
        assumed("d_G", 0.1, "dimensionless", "constitutive matrix turnover at rest, as a share of the repair rate "
                "(k_G for aggrecan, k_C for collagen II): chondrocytes degrade and replace their matrix, so healthy "
                "tissue is a balance of both and a joint that loses its cells loses matrix in proportion", 0.01, 0.5),
        assumed("kappa_Z", 1.0, "dimensionless", "aggrecan loss per unit ADAMTS-5 above rest, per k_G", 0.1, 10.0),
        assumed("k_CM", 0.05, "1/day", "collagen II cleavage per unit MMP-13 above rest when unshielded", 0.005, 0.5),
        assumed("K_prot", 0.2, "fraction of healthy", "aggrecan level halving collagen exposure (Proctor 2014)",
                0.02, 2.0),
        # Load and wear: strain = L / (g0 + (1 - g0) G); wear above the threshold strain.
        assumed("L", 1.0, "fold over normal", "joint load (1 = a stable joint under normal use)", 0.8, 1.25),
        assumed("g0", 0.3, "fraction", "share of compressive stiffness that does not depend on aggrecan", 0.1, 0.6),
        assumed("eps_c", 2.5, "fold over healthy strain", "strain at half-maximal wear", 1.5, 4.0),
        assumed("n_w", 4.0, "dimensionless", "steepness of wear against strain", 2.0, 10.0),
        assumed("k_wear", 0.01, "1/day", "maximal wear of aggrecan under overload", 0.001, 0.1),
        assumed("w_C", 0.3, "dimensionless", "wear of collagen II relative to aggrecan", 0.05, 1.0),
        # Chondrocytes.
        assumed("r_N", 0.002, "1/day", "chondrocyte proliferation in young-adult rodent articular cartilage: "
                f"{_MANKIN_1962}; {_TONNA_1961}. The nominal value sits where the growing animals of OA "
                "experiments are, between no division (adult) and the labelling of the growing epiphysis; at the "
                "earlier 0.02 per day an untreated MIA joint and a focal defect healed within a year, which adult "
                "cartilage does not do", 0.0002, 0.02),
        assumed("k_ap0", 0.0001, "1/day", "basal chondrocyte apoptosis", 0.00001, 0.001),
        assumed("k_ap", 0.05, "1/day", "maximal cytokine-driven chondrocyte apoptosis", 0.005, 0.5),
        assumed("K_ap", 0.5, "dimensionless", "catabolic drive at half-maximal apoptosis", 0.1, 1.0),
        assumed("k_ap_w", 0.05, "1/day", "maximal overload-driven apoptosis (excess strain)", 0.0, 0.5),
        assumed("k_nec", 20.0, "1/day", "maximal chondrocyte necrosis by monoiodoacetate (glycolysis inhibition)",
                2.0, 200.0),
        assumed("K_mia", 20.0, "mg/mL", "monoiodoacetate at half-maximal necrosis", 2.0, 200.0),
        assumed("y_N", 0.5, "fraction of healthy matrix per cell fraction", "DAMPs released by a dying cell "
                "population, as matrix-fragment equivalents", 0.05, 5.0),
        assumed("k_dig", 2.0, "1/day", "maximal collagen II digestion by collagenase", 0.2, 20.0),
        assumed("K_colg", 100.0, "U/mL", "collagenase at half-maximal digestion", 10.0, 1000.0),
    )  # fmt: skip


def _pow(x: str, n: str) -> str:
    """``|x|^n`` as ``pow(x*x, n/2)``: defined when an integrator steps a species a hair below zero."""
    return f"pow(({x})*({x}), ({n})/2)"


# Concentrations and signals, as expressions (all concentrations in pg/mL unless noted).
_C1 = "(il1b/V_sf)"
_CT = "(tnfa/V_sf)"
_C10 = "(il10/V_sf)"
_IL1 = f"(({_C1}/K_1)/(1 + {_C1}/K_1 + {il1ra_amount()}/(V_sf*K_ra)))"
_TNF = f"({_CT}/(K_T + {_CT}))"
_DRIVE = f"(({_IL1} + {_TNF})/2)"
_DAMP = f"({_pow('F', 'n_H')}/(pow(K_F, n_H) + {_pow('F', 'n_H')}))"
_STRAIN = "(L/(g0 + (1 - g0)*G))"
_OVERLOAD = f"({_pow(_STRAIN, 'n_w')}/(pow(eps_c, n_w) + {_pow(_STRAIN, 'n_w')}))"
_STRAIN_REST = "(1/(g0 + (1 - g0)/(1 + d_G)))"
_OVERLOAD_REST = f"(pow({_STRAIN_REST}, n_w)/(pow(eps_c, n_w) + pow({_STRAIN_REST}, n_w)))"
# Apoptosis answers to overload above that of a healthy joint under normal load (L = 1, every cell viable, aggrecan
# where synthesis balances turnover, 1/(1 + d_G)): a healthy joint keeps its cells although adult chondrocytes
# hardly divide (r_N). Wear keeps the whole overload (healthy matrix turns over). max(x, 0) is (x + |x|)/2.
_EXCESS_OVERLOAD = f"(({_OVERLOAD} - {_OVERLOAD_REST} + {_pow(_OVERLOAD + ' - ' + _OVERLOAD_REST, '1')})/2)"
_MIA = f"({_pow('mia/V_sf', 'n_H')}/(pow(K_mia, n_H) + {_pow('mia/V_sf', 'n_H')}))"
_IL10 = f"({_C10}/(K_10 + {_C10}))"


def _hill(x: str, k: str) -> str:
    return f"({_pow(x, 'n_H')}/(pow({k}, n_H) + {_pow(x, 'n_H')}))"


def signals() -> dict[str, str]:
    """The named signal expressions (for readouts and the products' processes)."""
    return {"il1": _IL1, "tnf": _TNF, "drive": _DRIVE, "damp": _DAMP, "strain": _STRAIN, "overload": _OVERLOAD}


def _mechanism_processes(effects: dict[str, str]) -> tuple[Process, ...]:
    """Processes of the joint; *effects* are the products' effect expressions (0 without products)."""
    catabolic_drive = f"{_hill(_DRIVE, 'K_cat')}"
    il10_brake = f"(1 + {_C10}/K_10i)"
    # The products' anti-apoptotic cargo protects against stress-induced apoptosis, not basal cell turnover.
    stress = f"(k_ap*{_hill(_DRIVE, 'K_ap')} + k_ap_w*{_EXCESS_OVERLOAD})"
    apoptosis = f"(k_ap0 + {stress}*(1 - {effects['anti_apoptotic']}))"
    # Matrix losses (fraction of healthy per day); each also makes fragments.
    g_loss = f"(k_G*kappa_Z*(Z - 1)*G + k_wear*{_OVERLOAD}*G)"
    c_loss = f"(k_CM*(mmp - 1)*C/(1 + G/K_prot) + k_wear*w_C*{_OVERLOAD}*C + k_dig*(colg/V_sf)/(K_colg + colg/V_sf)*C)"
    return (
        Process("il1b_production", f"V_sf*k_prot*c1_M*M1*(1 + a_D1*{_DAMP})/{il10_brake}", {"il1b": 1}),
        Process("il1b_clearance", "k_prot*il1b", {"il1b": -1}),
        Process("tnfa_production", f"V_sf*k_prot*cT_M*M1*(1 + a_D*{_DAMP})/{il10_brake}", {"tnfa": 1}),
        Process("tnfa_clearance", "k_prot*tnfa", {"tnfa": -1}),
        Process("il6_production", f"V_sf*k_prot*c6_0*(1 + a_6*{_DRIVE})", {"il6": 1}),
        Process("il6_clearance", "k_prot*il6", {"il6": -1}),
        Process("il10_production", f"V_sf*k_prot*c10_M*M2*(1 + {effects['il10_release']})", {"il10": 1}),
        Process("il10_clearance", "k_prot*il10", {"il10": -1}),
        Process("M1_influx", f"d_mac*(1 + R_rec*{_DAMP})", {"M1": 1}),
        Process("M1_to_M2", f"k_12*(1 + e_10*{_IL10} + {effects['m2_switch']})*M1", {"M1": -1, "M2": 1}),
        Process("M2_to_M1", f"k_21*(1 + e_pro*{_DRIVE})*M2", {"M2": -1, "M1": 1}),
        Process("M1_loss", "d_mac*M1", {"M1": -1}),
        Process("M2_loss", "d_mac*M2", {"M2": -1}),
        Process("Z_production", f"d_Z*(1 + Z_p*{catabolic_drive}*(1 - {effects['anti_catabolic']}))", {"Z": 1}),
        Process("Z_decay", "d_Z*Z", {"Z": -1}),
        Process("mmp_production", f"d_M*(1 + M_p*{catabolic_drive}*(1 - {effects['anti_catabolic']}))", {"mmp": 1}),
        Process("mmp_decay", "d_M*mmp", {"mmp": -1}),
        Process(
            "S_production",
            f"d_S*(1 + {effects['anabolic']})/(1 + {_pow(_DRIVE + '/K_SI', 'n_H')})",
            {"S": 1},
        ),
        Process("S_decay", "d_S*S", {"S": -1}),
        # Synthesis falls as the matrix fills; SOX-9 sets the pace of synthesis and turnover alike, not their balance.
        Process("G_repair", "k_G*N*S*(1 - G)", {"G": 1}),
        # Constitutive turnover is the cells' own catabolism, taken up and cleared: it makes no DAMPs (assumed).
        Process("G_turnover", "k_G*d_G*S*G", {"G": -1}),
        Process("G_loss", g_loss, {"G": -1, "F": 1}),
        Process("C_repair", "k_C*N*S*(1 - C)", {"C": 1}),
        Process("C_turnover", "k_C*d_G*S*C", {"C": -1}),
        Process("C_loss", c_loss, {"C": -1, "F": 1}),
        Process("F_clearance", "k_F*F", {"F": -1}),
        Process("N_proliferation", "r_N*N*(1 - N - Na)", {"N": 1}),
        Process("N_apoptosis", f"{apoptosis}*N", {"N": -1, "Na": 1}),
        Process("Na_clearance", "k_Na*Na", {"Na": -1}),
        Process("Na_debris", "y_N*k_Na*Na", {"F": 1}),
        Process("N_necrosis", f"k_nec*{_MIA}*N", {"N": -1}),
        Process("necrosis_debris", f"y_N*k_nec*{_MIA}*N", {"F": 1}),
        Process("mia_clearance", "k_mia*mia", {"mia": -1}),
        Process("colg_clearance", "k_colg*colg", {"colg": -1}),
    )


_COMPARTMENTS = (
    Compartment("synovial_fluid", "V_sf", "mL", "synovial fluid of one knee (soluble mediators, injected products)"),
    Compartment("synovium", "V_syn", "dimensionless", "synovial lining (macrophages, in units of the resting total)"),
    Compartment("cartilage", "V_cart", "dimensionless", "articular cartilage (fractions of healthy tissue)"),
)
_UNIT_SIZES = (
    Parameter("V_syn", 1.0, "dimensionless", "size of the synovium compartment: its species are fractions",
              source="definition (macrophages are counted in units of the resting total)"),
    Parameter("V_cart", 1.0, "dimensionless", "size of the cartilage compartment: its species are fractions",
              source="definition (tissue states are fractions of healthy)"),
)  # fmt: skip


def _species(rest: dict[str, float], *, aggrecan0: float | None, collagen0: float | None, cells0: float | None,
             fragments0: float, mia0: float, colg0: float) -> tuple[Species, ...]:  # fmt: skip
    def start(name: str, override: float | None = None) -> float:
        return rest[name] if override is None else override

    sf, syn, cart = "synovial_fluid", "synovium", "cartilage"
    return (
        Species("il1b", start("il1b"), "pg", "IL-1beta in the joint", sf),
        Species("tnfa", start("tnfa"), "pg", "TNF-alpha in the joint", sf),
        Species("il6", start("il6"), "pg", "IL-6 in the joint", sf),
        Species("il10", start("il10"), "pg", "IL-10 in the joint", sf),
        Species("F", start("F") + fragments0, "fraction of healthy matrix", "matrix fragments and debris (DAMPs)", sf),
        Species("mia", mia0, "mg", "monoiodoacetate in the joint", sf),
        Species("colg", colg0, "U", "collagenase activity in the joint", sf),
        *product_species(),
        Species("M1", start("M1"), "fraction of resting total", "pro-inflammatory (M1) synovial macrophages", syn),
        Species("M2", start("M2"), "fraction of resting total", "anti-inflammatory (M2) synovial macrophages", syn),
        Species("Z", start("Z"), "fold over rest", "ADAMTS-5 activity", cart),
        Species("mmp", start("mmp"), "fold over rest", "MMP-13 activity", cart),
        Species("S", start("S"), "fold over rest", "SOX-9 activity", cart),
        Species("N", start("N", cells0), "fraction of healthy", "viable chondrocytes", cart),
        Species("Na", start("Na"), "fraction of healthy count", "apoptotic chondrocytes (TUNEL-positive)", cart),
        Species("G", start("G", aggrecan0), "fraction of healthy", "aggrecan content", cart),
        Species("C", start("C", collagen0), "fraction of healthy", "type II collagen content", cart),
    )


@dataclass(frozen=True)
class Organism:
    """Species facts: healthy thickness, joint volume, tissue time scales, OARSI scale.

    Parameters
    ----------
    name : str
        Preset prefix (``rat``, ``mouse``, ``human``).
    label : str
        Words for people.
    parameters : tuple of Parameter
        ``h0`` (healthy cartilage thickness, um) and replacements of model parameters of the same name.
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
    """How OA is started, through its mechanism.

    Parameters
    ----------
    name : str
        Preset suffix (``mia``, ``dmm``, ...).
    label : str
        Words for people.
    parameters : tuple of Parameter
        Replacements of mechanism parameters (the joint load ``L`` after a destabilising operation).
    mia_mg : float
        Monoiodoacetate injected at time 0 (mg per joint): kills chondrocytes.
    collagenase_u : float
        Collagenase injected at time 0 (units per joint): digests collagen II.
    fragments0 : float
        Fragments and debris released by surgery at time 0 (fraction of healthy matrix).
    aggrecan0, collagen0, cells0 : float or None
        Tissue at time 0 where it differs from the healthy rest state (a focal defect).
    notes : tuple of str
        The assumptions in words (they go into the model's notes).
    """

    name: str
    label: str
    parameters: tuple[Parameter, ...] = ()
    mia_mg: float = 0.0
    collagenase_u: float = 0.0
    fragments0: float = 0.0
    aggrecan0: float | None = None
    collagen0: float | None = None
    cells0: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


_MIA_SOURCE = (
    "Kwon et al. 2023, Tissue Eng Regen Med 20:435 (rat MIA 4 mg/50 uL; cartilage destruction from day 1), "
    "as quoted in the project's model-anchors note section 2.3"
)

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
            assumed("V_sf", 0.002, "mL", "synovial fluid volume of one mouse knee ('~2 uL' is a figure quoted "
                    "among researchers; not measured here)", 0.001, 0.01),
        ),
        oarsi_outcome="oarsi_mouse_score",
    ),
    "rabbit": Organism(
        "rabbit",
        "rabbit knee",
        (
            Parameter(
                "h0", 356.2, "um", "healthy femoral-condyle cartilage thickness, rabbit",
                source="Chen et al. 2013, BMC Vet Res 9:62, doi:10.1186/1746-6148-9-62, abstract "
                "(rabbit 356.2 +/- 25.0 um)",
            ),
            Parameter(
                "V_sf", 0.024, "mL", "synovial fluid of one rabbit knee",
                source="Levick 1988 (Synovial fluid - its mass, macromolecular content and pressure in "
                "major limb joints of the rabbit), Exp Physiol, doi:10.1113/expphysiol.1988.sp003121, abstract: "
                "'In the knee (24+4 mg) the mean thickness of the fluid layer was calculated to be 30' (converted: "
                "24 mg at 1 g/mL = 0.024 mL)",
            ),
        ),
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
            Parameter(
                "V_sf", 13.6, "mL", "synovial fluid volume of a knee with latent gonarthrosis (dilution method)",
                source="Heilmann, Lindenhayn & Walther 1996, Z Orthop Ihre Grenzgeb 134:144, "
                "doi:10.1055/s-2008-1039786, abstract (publisher page): 'In patients with latent gonarthrosis we "
                "found a mean intra-articular volume of 13.6 ± 7.4 ml (n = 21)'",
            ),
            _half_life("k_prot", 4.0, 1.0, 12.0, "intra-articular clearance of soluble proteins, human knee; "
                       "anakinra serum terminal t1/2 about 4 h after injection into the knee (Chevalier 2009, "
                       "PMID 19248129, as the research note gives it); the prior holds the rat protein's 4.5 h "
                       "alpha phase (Vugmeyster 2012) and the joint's 'hours' (Evans 2014)"),
            assumed("k_G", _rate(3.4 * _YEAR), "1/day", "aggrecan repair rate in adult human cartilage: core-protein "
                    "t1/2 often cited as 3.4 yr (unverified); prior t1/2 1-25 yr", _rate(25 * _YEAR), _rate(_YEAR)),
            assumed("k_C", _rate(100 * _YEAR), "1/day", "collagen II repair rate in adult human cartilage: "
                    "virtually none after skeletal maturity (Heinemeier 2016); nominal t1/2 100 yr, prior 10-400 yr",
                    _rate(400 * _YEAR), _rate(10 * _YEAR)),
            assumed("r_N", 0.0005, "1/day", "chondrocyte proliferation in adult human cartilage", 0.00005, 0.005),
            assumed("k_ap", 0.002, "1/day", "maximal cytokine-driven chondrocyte apoptosis, human", 0.0002, 0.02),
            assumed("k_ap_w", 0.001, "1/day", "maximal overload-driven apoptosis, human", 0.0, 0.01),
            assumed("k_CM", 0.0005, "1/day", "collagen II cleavage per unit MMP-13 above rest, human", 0.00005,
                    0.005),
            assumed("k_wear", 0.0005, "1/day", "maximal wear of aggrecan under overload, healthy human cartilage",
                    0.00005, 0.005),
        ),
        clinical=True,
    ),
}  # fmt: skip

INDUCTIONS: dict[str, Induction] = {
    "mia": Induction(
        "mia", "monoiodoacetate (MIA) injection", mia_mg=4.0,
        notes=(f"MIA: 4 mg injected at day 0 ({_MIA_SOURCE}); it kills chondrocytes while it stays in the joint "
               "(necrosis; cleared in hours), and the debris and the loss of repair drive the rest.",),
    ),
    "aclt": Induction(
        "aclt", "anterior cruciate ligament transection (ACLT)",
        parameters=(assumed("L", 1.8, "fold over normal", "joint load after ACL transection (instability)",
                            1.2, 3.0),),
        fragments0=0.01,
        notes=("ACLT: the joint is loaded beyond normal from day 0 (assumed load 1.8, prior 1.2-3), after an "
               "arthrotomy that releases debris (assumed).",),
    ),
    "dmm": Induction(
        "dmm", "destabilisation of the medial meniscus (DMM)",
        parameters=(assumed("L", 1.5, "fold over normal", "joint load after DMM (meniscal destabilisation)",
                            1.1, 3.0),),
        fragments0=0.01,
        notes=("DMM: the joint is loaded beyond normal from day 0 (assumed load 1.5, prior 1.1-3; milder than "
               "ACLT), after an arthrotomy that releases debris (assumed).",),
    ),
    "collagenase": Induction(
        "collagenase", "intra-articular collagenase", collagenase_u=10.0,
        parameters=(assumed("L", 1.3, "fold over normal", "joint load after collagenase loosens ligaments",
                            1.0, 2.0),),
        notes=("Collagenase: 10 U injected at day 0 (Utomo et al. 2018, J Orthop Res 36:2416, abstract: 'an "
               "intra-articular injection of 10U collagenase'), digesting collagen II while active; the loosened "
               "joint is loaded beyond normal (assumed load 1.3).",),
    ),
    "focal-defect": Induction(
        "focal-defect", "focal full-thickness cartilage defect", fragments0=0.02,
        aggrecan0=0.5, collagen0=0.5, cells0=0.5,
        notes=("Defect: aggrecan, collagen II and chondrocytes of the defect region start at 50 % of healthy, and "
               "the operation releases debris (both assumed).",),
    ),
    "spontaneous": Induction(
        "spontaneous", "slow spontaneous (primary) OA",
        parameters=(assumed("L", 1.3, "fold over normal", "joint load in primary knee OA (body weight, alignment)",
                            1.0, 2.0),
                    # OA cartilage wears faster than the healthy cartilage of the rest state (which keeps the
                    # organism's value); the value is calibrated, see the description.
                    assumed("k_wear", 0.00128, "1/day", "maximal wear of aggrecan under overload in a knee with "
                            "primary OA; the value is the calibrated estimate (tools/make_calibration.py, on the "
                            "cartilage volume loss of 107 patients at 12 and 24 months, Raynauld 2006, and the "
                            "joint-space narrowing of two placebo arms at 48 and 96 weeks and 3 years; 95% profile-"
                            "likelihood interval 0.0012-0.0014), which also gives the held-out joint-space narrowing "
                            "of Emrani 2008 (z = 0.14); prior as for healthy cartilage", 0.00005, 0.005)),
        notes=("Spontaneous OA: a load above normal (assumed 1.3) on a joint with adult human turnover; "
               "calibrated against joint-space narrowing (see secretome.model.calibration_problem).",),
    ),
}  # fmt: skip


def _parameters(organism: Organism, induction: Induction | None) -> tuple[Parameter, ...]:
    replacements = {p.name: p for p in organism.parameters}
    if induction is not None:
        replacements.update({p.name: p for p in induction.parameters})
    base = (*_mechanism_parameters(), *product_parameters())
    known = {p.name for p in base}
    return (
        *(replacements.get(p.name, p) for p in base),
        *(p for name, p in replacements.items() if name not in known),
        *_UNIT_SIZES,
    )


def _bare(organism: Organism, induction: Induction | None, rest: dict[str, float] | None) -> Model:
    parameters = _parameters(organism, induction)
    values = {p.name: p.value for p in parameters}
    start = rest or _rough_rest(values)
    mapping, readouts = cartilage_readouts(
        signals=signals(), oarsi_outcome=organism.oarsi_outcome, clinical=organism.clinical,
        defect=induction is not None and induction.aggrecan0 is not None,
        rest=None if rest is None else {k: rest[k] for k in ("G", "C", "N")},
    )  # fmt: skip
    i = induction or Induction("rest", "no induction")
    return Model(
        name=f"{organism.name}-{i.name}",
        description=f"{organism.label.capitalize()}, OA by {i.label}.",
        time_unit="day",
        species=_species(
            start,
            aggrecan0=i.aggrecan0,
            collagen0=i.collagen0,
            cells0=i.cells0,
            fragments0=i.fragments0,
            mia0=i.mia_mg,
            colg0=i.collagenase_u,
        ),
        parameters=(*parameters, *mapping),
        processes=(*_mechanism_processes(effects(signals())), *product_processes()),
        readouts=readouts,
        products=PRODUCTS,
        t_end=120.0,
        notes=i.notes,
        compartments=_COMPARTMENTS,
    )


def _rough_rest(values: dict[str, float]) -> dict[str, float]:
    """A start near rest for computing the rest state: resting macrophages and cytokines, healthy tissue."""
    d, k12, k21 = values["d_mac"], values["k_12"], values["k_21"]
    m1 = d / (k12 + d - k21 * k12 / (k21 + d))
    m2 = k12 * m1 / (k21 + d)
    v = values["V_sf"]
    return {
        "il1b": v * values["c1_M"] * m1, "tnfa": v * values["cT_M"] * m1, "il6": v * values["c6_0"],
        "il10": v * values["c10_M"] * m2, "F": 0.0, "M1": m1, "M2": m2, "Z": 1.0, "mmp": 1.0, "S": 1.0,
        "N": 1.0, "Na": 0.0, "G": 1.0, "C": 1.0,
    }  # fmt: skip


@cache
def rest_state(organism: str) -> dict[str, float]:
    """The steady state of *organism*'s joint without induction or product, at the nominal parameters.

    Computed once by integrating the uninduced model for a century (LSODA; human cell turnover takes
    years); every preset of the organism starts from it, so an untreated, uninduced joint stays where it is.
    """
    from secretome.model._simulate import simulate

    model = _bare(ORGANISMS[organism], None, None)
    res = simulate(model, times=[0.0, 36500.0], rtol=1e-8, atol=1e-12)
    return {name: float(res.values[0, -1, j]) for j, name in enumerate(res.species)}


def cartilage_model(organism: str, induction: str | None = None) -> Model:
    """The joint of *organism* (:data:`ORGANISMS`) with OA started by *induction* (:data:`INDUCTIONS`), untreated.

    ``induction=None`` is the healthy joint at rest.

    >>> model = cartilage_model("rat", "mia")
    >>> model.name, [s.initial for s in model.species if s.name == "mia"]
    ('rat-mia', [4.0])
    """
    return _bare(ORGANISMS[organism], None if induction is None else INDUCTIONS[induction], rest_state(organism))


def induced_model(
    organism: str, induction: str, *, t_end: float, doses: tuple[Dose, ...] = (), name: str | None = None
) -> Model:
    """:func:`cartilage_model` with a protocol (*doses*), an end time and a preset name.

    >>> model = induced_model("mouse", "dmm", t_end=56.0)
    >>> model.name, model.parameter("h0").value, model.parameter("L").value
    ('mouse-dmm', 90.0, 1.5)
    """
    model = cartilage_model(organism, induction)
    return replace(model.with_doses(doses, t_end=t_end), name=name or model.name)
