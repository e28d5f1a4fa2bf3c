"""The inflammation core of Baker, Brook & Owen (2017), encoded as published (declarations only).

Four dimensionless variables: pro-inflammatory cytokines ``p``, anti-inflammatory cytokines ``a``,
matrix metalloproteinases ``m`` and fibronectin fragments ``f`` (Eqs 5-8 of the paper)::

    dp/dt = (Pbp + Ppp p^n/(1+p^n) + Pfp f^n/(1+f^n)) / (1 + a^n) - gamma_p p
    da/dt = App p^n/(Aph^n+p^n) + Afp f^n/(Afh^n+f^n) - a
    dm/dt = Mbp + Mpp p^n/(Mph^n+p^n) - gamma_m m
    df/dt = m + Fdam - gamma_f f

Time is scaled by the clearance rate of the anti-inflammatory cytokines, ``t = t_dim * d_a``; the
paper expects that clearance "to be in the order of minutes". Values are Table 1 of the paper; the
initial pro-inflammatory pulse ``p(0) = 5`` with ``a, m, f = 0`` is the curated BioModels encoding
BIOMD0000000928 (``Baker2017_Fig14.xml``).

References
----------
.. [1] Baker, Brook & Owen (2017). J Math Biol 75(4):985-1024. https://doi.org/10.1007/s00285-017-1104-y
"""

from __future__ import annotations

from secretome.model._spec import Model, Parameter, Process, Readout, Species

__all__ = ["BAKER_SOURCE", "baker2017", "baker_parameters", "baker_processes", "baker_species"]

BAKER_SOURCE = "Baker, Brook & Owen 2017, J Math Biol 75:985, doi:10.1007/s00285-017-1104-y"

_TABLE_1 = (
    ("Pbp", 0.01, "background pro-inflammatory cytokine production"),
    ("Ppp", 10.0, "p-driven p production"),
    ("Pfp", 10.0, "Fn-f-driven p production"),
    ("App", 10.0, "p-driven a production"),
    ("Aph", 1.0, "half-maximal p for a production"),
    ("Afp", 10.0, "Fn-f-driven a production"),
    ("Afh", 1.0, "half-maximal f for a production"),
    ("Mbp", 0.01, "background MMP production"),
    ("Mpp", 10.0, "p-driven MMP production"),
    ("Mph", 1.0, "half-maximal p for MMP production"),
    ("Fdam", 0.0, "mechanical damage (Fn-f production independent of MMPs)"),
    ("gamma_p", 1.0, "clearance of p relative to a"),
    ("gamma_m", 1.0, "clearance of m relative to a"),
    ("gamma_f", 1.0, "clearance of f relative to a"),
    ("n", 2.0, "Hill coefficient"),
)


def baker_parameters() -> tuple[Parameter, ...]:
    """The Table 1 reference values of Baker et al. (2017), each with its source.

    >>> {p.name: p.value for p in baker_parameters()}["Ppp"]
    10.0
    """
    return tuple(
        Parameter(name, value, "dimensionless", description, source=f"{BAKER_SOURCE}, Table 1")
        for name, value, description in _TABLE_1
    )


def baker_processes(
    *, time_scale: str = "", inhibition: str = "a", signal: str = "p", p_source: str = "", a_source: str = ""
) -> tuple[Process, ...]:
    """Eqs 5-8 of Baker et al. (2017) as processes.

    Parameters
    ----------
    time_scale : str
        A parameter name multiplying every rate, or ``""`` for the paper's dimensionless time.
        The OA extension passes ``"d_a"`` to run the core in days.
    inhibition : str
        The expression that inhibits p production as ``1/(1 + inhibition^n)``; the paper's ``a``,
        or ``a`` plus a drug term in the extension.
    signal : str
        The expression through which p acts (its Hill terms); ``p`` in the paper, p reduced by
        receptor blockade in the extension.
    p_source, a_source : str
        Extra production terms (on the paper's dimensionless scale) added to p production inside its
        inhibited bracket and to a production; ``""`` in the paper, macrophages (M1, M2) in the extension.
    """
    s = f"{time_scale}*" if time_scale else ""
    hill_p = f"pow({signal}, n)"
    p_extra = f" + {p_source}" if p_source else ""
    a_extra = f" + {a_source}" if a_source else ""
    return (
        Process(
            "p_production",
            f"{s}(Pbp + Ppp*{hill_p}/(1 + {hill_p}) + Pfp*pow(f, n)/(1 + pow(f, n)){p_extra})"
            f"/(1 + pow({inhibition}, n))",
            {"p": 1},
        ),
        Process("p_clearance", f"{s}gamma_p*p", {"p": -1}),
        Process(
            "a_production",
            f"{s}(App*{hill_p}/(pow(Aph, n) + {hill_p}) + Afp*pow(f, n)/(pow(Afh, n) + pow(f, n)){a_extra})",
            {"a": 1},
        ),
        # The anti-inflammatory clearance is 1 by the choice of time scale (t = t_dim * d_a).
        Process("a_clearance", f"{s}a", {"a": -1}),
        Process("m_production", f"{s}(Mbp + Mpp*{hill_p}/(pow(Mph, n) + {hill_p}))", {"m": 1}),
        Process("m_clearance", f"{s}gamma_m*m", {"m": -1}),
        Process("f_production", f"{s}(m + Fdam)", {"f": 1}),
        Process("f_clearance", f"{s}gamma_f*f", {"f": -1}),
    )


def baker_species(*, p0: float) -> tuple[Species, ...]:
    """The four Baker variables; *p0* is the initial pro-inflammatory level."""
    return (
        Species("p", p0, "dimensionless", "pro-inflammatory cytokines (IL-1beta, TNF-alpha), scaled by c2"),
        Species("a", 0.0, "dimensionless", "anti-inflammatory cytokines (IL-10, IL-4, IL-13), scaled by c5"),
        Species("m", 0.0, "dimensionless", "matrix metalloproteinases (MMP-13 in the extension)"),
        Species("f", 0.0, "dimensionless", "fibronectin fragments and other matrix fragments, scaled by c4"),
    )


def baker2017(*, p0: float = 5.0, name: str = "baker2017") -> Model:
    """Baker, Brook & Owen (2017) as published: Table 1 values, pulse ``p(0) = 5`` (BIOMD0000000928).

    Parameters
    ----------
    p0 : float
        Initial pro-inflammatory cytokine level; 5 is the BioModels pulse, 0 is rest.
    name : str
        Model name (the preset id).

    Returns
    -------
    Model
        Dimensionless time; default end time 100.

    Notes
    -----
    From rest (``p0 = 0``) the model relaxes to homeostasis (p about 0.013); after the pulse it settles into
    sustained inflammation (p about 0.16, a about 4.2 at t = 100), as re-computed in the project's
    model-anchors note, section 1.1 (tests/model/test_baker2017.py).

    References
    ----------
    .. [1] Baker, Brook & Owen (2017). J Math Biol 75(4):985-1024.
       https://doi.org/10.1007/s00285-017-1104-y

    Examples
    --------
    >>> model = baker2017()
    >>> [s.name for s in model.species], model.species[0].initial
    (['p', 'a', 'm', 'f'], 5.0)
    """
    return Model(
        name=name,
        description=f"OA-related inflammation core: cytokines, MMPs, fibronectin fragments ({BAKER_SOURCE}).",
        time_unit="dimensionless",
        species=baker_species(p0=p0),
        parameters=baker_parameters(),
        processes=baker_processes(),
        readouts=(
            Readout(
                "pro_inflammatory",
                "p",
                "dimensionless",
                "il1b_level",
                "Baker p (pro-inflammatory cytokines) on the paper's dimensionless scale; no pg/mL calibration.",
            ),
            Readout(
                "anti_inflammatory",
                "a",
                "dimensionless",
                "il10_level",
                "Baker a (anti-inflammatory cytokines) on the paper's dimensionless scale; no pg/mL calibration.",
            ),
        ),
        t_end=100.0,
        notes=("Dimensionless time t = t_dim * d_a (Baker et al. 2017, Eqs 5-8); no conversion to days.",),
    )
