"""Secretome products as doses per joint, and their active fractions with potencies (declarations only).

A product is a species dosed into the joint; what it does comes from its composition (the content of each
active fraction per unit of dose, a parameter with a prior) and from each fraction's potency (a
half-effect concentration and a maximal effect, parameters with priors). Conditioned medium and EVs
therefore differ by what they carry and how long the joint retains it, not by a product-specific factor:

- **Conditioned medium** ``cm`` (µg protein per joint): soluble IL-1Ra, TSG-6 and TGF-beta, cleared with the
  joint's soluble proteins (``k_prot``, hours).
- **Extracellular vesicles** ``ev`` (1e9 particles per joint): retained for days (``k_cl_ev``; nanoparticles
  remain in the rat knee for weeks, Partain et al. 2020) and taken up by joint cells; their cargo ``mir``
  (anti-apoptotic and anti-catabolic miRNA, M2 switching) acts inside the cells and decays over days.
- **MSCs** ``msc`` (1e6 cells per joint): a depot that secretes conditioned-medium protein and EVs until lost.
- **Defined IL-1Ra** ``ra`` (pg per joint), e.g. anakinra, for comparison with the products.

Active fractions and the mechanism each acts through (:func:`effects`): IL-1Ra blocks the IL-1 receptor
competitively (in the IL-1 occupancy of :mod:`secretome.model._cartilage`); TSG-6 and EV cargo speed M1-to-M2
switching; EV cargo also raises the IL-10 output of M2 macrophages (Zhang 2020: IL-10 rose in the synovial
fluid of treated rats); TGF-beta raises SOX-9 activity; EV miRNA lowers stress-induced apoptosis and protease
induction.

References
----------
.. [1] Partain et al. (2020). J Control Release 321:259 (PMC7942179): "a predominant amount of particles
   remained in the joint after 14 days".
.. [2] Zhang et al. (2020). Aging 12:25138 (MSC exosomes shift synovial macrophages from M1 to M2).
.. [3] Putri et al., Bali Med J (TGF-beta 564-633 pg/mL in adipose-MSC conditioned medium), as quoted in the
   project's model-anchors note section 2.5.
.. [4] Proctor et al. (2014). Arthritis Rheumatol 66(4):979-989 (about 100-fold IL-1Ra excess over IL-1 needed).
"""

from __future__ import annotations

import math

from secretome.model._spec import Parameter, Process, Product, Species

__all__ = ["PRODUCTS", "effects", "il1ra_amount", "product_parameters", "product_processes", "product_species"]

_HOURS = 1.0 / 24.0


def _assumed(name: str, value: float, unit: str, description: str, low: float, high: float) -> Parameter:
    return Parameter(name, value, unit, description, assumed=True, prior=(low, high))


def _days(name: str, days: float, low: float, high: float, what: str) -> Parameter:
    rate = math.log(2.0) / days
    return _assumed(name, rate, "1/day", f"{what}; nominal half-life {days:g} days, prior {low:g}-{high:g} days",
                    math.log(2.0) / high, math.log(2.0) / low)  # fmt: skip


PRODUCTS = (
    Product("cm", "conditioned_medium", "ug", {"cm": 1.0}, "MSC conditioned medium, dosed as µg protein per joint"),
    Product(
        "ev", "extracellular_vesicles", "particles", {"ev": 1e-9}, "MSC extracellular vesicles, particles per joint"
    ),
    Product("msc", "cells", "cells", {"msc": 1e-6}, "MSCs, cells per joint: a depot secreting CM protein and EVs"),
    Product("il1ra", "defined_factors", "ng", {"ra": 1e3}, "recombinant IL-1Ra (e.g. anakinra), ng per joint"),
)


def product_parameters() -> tuple[Parameter, ...]:
    """Composition, retention and potency of every product and active fraction (all assumed, with priors)."""
    return (
        # Composition of conditioned medium (pg of each fraction per µg of CM protein).
        _assumed("x_ra_cm", 10.0, "pg/ug", "IL-1Ra per µg conditioned-medium protein", 0.5, 200.0),
        _assumed("x_tsg6_cm", 10.0, "pg/ug", "TSG-6 per µg conditioned-medium protein", 0.5, 200.0),
        _assumed("x_tgfb_cm", 6.0, "pg/ug", "TGF-beta per µg conditioned-medium protein (564-633 pg/mL TGF-beta in "
                 "adipose-MSC CM, Putri et al., at an assumed 100 µg/mL protein)", 0.6, 60.0),
        # Potencies (half-effect concentration in pg/mL; maximal effect).
        _assumed("K_ra", 2000.0, "pg/mL", "IL-1Ra at which it halves IL-1 receptor occupancy by low IL-1beta "
                 "(about 100-fold K_1: Proctor 2014 needed a 100-fold excess)", 200.0, 20000.0),
        _assumed("K_tsg6", 1000.0, "pg/mL", "TSG-6 at half its effect on M1-to-M2 switching", 100.0, 10000.0),
        _assumed("e_tsg6", 3.0, "fold", "maximal increase of M1-to-M2 switching by TSG-6", 0.0, 10.0),
        _assumed("K_tgfb", 500.0, "pg/mL", "TGF-beta at half its effect on SOX-9 activity", 50.0, 5000.0),
        _assumed("s_T", 1.0, "fold", "maximal increase of SOX-9 activity by TGF-beta (ALK5/Smad2/3, Hui 2016)",
                 0.0, 5.0),
        # EVs: retention, uptake, cargo.
        _days("k_cl_ev", 3.0, 1.0, 28.0, "clearance of EVs from the joint: no labelled-EV retention half-life was "
              "found (project look-ups, 2026); the prior spans an injected protein's bound phase (1.5 days, "
              "Vugmeyster 2012, doi:10.1208/s12248-011-9315-4) to nanoparticles, of which 'a predominant amount ... "
              "remained in the joint after 14 days' (Partain 2020)"),
        _assumed("k_up", 0.3, "1/day", "EV uptake by joint cells", 0.03, 3.0),
        _days("k_E", 3.0, 0.5, 14.0, "loss of the intracellular EV-cargo effect (miRNA turnover)"),
        _assumed("K_mir", 0.3, "1e9 particles", "EV cargo taken up at half its maximal effect", 0.01, 10.0),
        _assumed("e_mir_ap", 0.5, "fraction", "maximal reduction of chondrocyte apoptosis by EV miRNA", 0.0, 0.9),
        _assumed("e_mir_cat", 0.5, "fraction", "maximal reduction of protease induction by EV miRNA", 0.0, 0.9),
        _assumed("e_mir_pol", 2.0, "fold", "maximal increase of M1-to-M2 switching by EV cargo (Zhang 2020)",
                 0.0, 10.0),
        _assumed("e_mir_10", 2.0, "fold", "maximal increase of the IL-10 output of M2 macrophages by EV cargo "
                 "(Zhang 2020, abstract: 'the release of the anti-inflammatory cytokine, IL-10 was increased')",
                 0.0, 10.0),
        # MSCs as a depot.
        Parameter(
            "k_msc", math.log(25.0) / 70.0, "1/day",
            "net loss of injected MSCs from an OA joint (death, efflux, less proliferation), first order; healthy "
            "knees lose them faster (signal for 4 weeks: ln 25 / 28 days = 0.115 per day)",
            source="In vivo human adipose-derived mesenchymal stem cell tracking after intra-articular delivery in a "
            "rat osteoarthritis model, Stem Cell Res Ther 2016, doi:10.1186/s13287-016-0420-2, abstract: 'When 2.5 x "
            "10^6 haMSCs were injected into the joints of a rat OA model, fluorescent signals (or >10^5 cells) lasted "
            "for about 10 weeks in the surgical knee joint' (converted: from 2.5e6 to the 1e5-cell detection limit in "
            "70 days, k = ln(25) / 70 days = 0.046 per day, half-life 15 days)",
        ),
        _assumed("q_cm", 1.0, "ug/day per 1e6 cells", "CM protein secreted by injected MSCs", 0.1, 10.0),
        _assumed("q_ev", 1.0, "1e9 particles/day per 1e6 cells", "EVs released by injected MSCs", 0.1, 10.0),
    )  # fmt: skip


def product_species() -> tuple[Species, ...]:
    """The dosed species (all start at 0)."""
    sf = "synovial_fluid"
    return (
        Species("cm", 0.0, "ug", "conditioned-medium protein in the joint", sf),
        Species("ra", 0.0, "pg", "recombinant IL-1Ra in the joint", sf),
        Species("ev", 0.0, "1e9 particles", "extracellular vesicles in the joint", sf),
        Species("msc", 0.0, "1e6 cells", "injected MSCs in the joint", sf),
        Species("mir", 0.0, "1e9 particles", "EV cargo taken up by joint cells", "cartilage"),
    )


def il1ra_amount() -> str:
    """IL-1Ra in the joint (pg): recombinant plus the conditioned medium's."""
    return "(ra + x_ra_cm*cm)"


def effects(signals: dict[str, str]) -> dict[str, str]:
    """Effect expressions by mechanism: each 0 without product (*signals* unused, kept for symmetry)."""
    del signals
    tsg6 = "(x_tsg6_cm*cm/V_sf)"
    tgfb = "(x_tgfb_cm*cm/V_sf)"
    cargo = "(mir/(K_mir + mir))"
    return {
        "m2_switch": f"(e_tsg6*{tsg6}/(K_tsg6 + {tsg6}) + e_mir_pol*{cargo})",
        "anabolic": f"(s_T*{tgfb}/(K_tgfb + {tgfb}))",
        "anti_catabolic": f"(e_mir_cat*{cargo})",
        "anti_apoptotic": f"(e_mir_ap*{cargo})",
        "il10_release": f"(e_mir_10*{cargo})",
    }


def product_processes() -> tuple[Process, ...]:
    """Clearance, uptake and secretion of the products."""
    return (
        Process("cm_clearance", "k_prot*cm", {"cm": -1}),
        Process("ra_clearance", "k_prot*ra", {"ra": -1}),
        Process("ev_clearance", "k_cl_ev*ev", {"ev": -1}),
        Process("ev_uptake", "k_up*ev", {"ev": -1, "mir": 1}),
        Process("mir_decay", "k_E*mir", {"mir": -1}),
        Process("msc_loss", "k_msc*msc", {"msc": -1}),
        Process("msc_cm_secretion", "q_cm*msc", {"cm": 1}),
        Process("msc_ev_secretion", "q_ev*msc", {"ev": 1}),
    )
