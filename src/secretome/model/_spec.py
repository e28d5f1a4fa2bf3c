"""Model declarations: parameters, species, processes, doses and readouts (PySB style, no solver).

A :class:`Model` is data. The simulator (:mod:`secretome.model._simulate`), the SBML writer
(:mod:`secretome.model._sbml`) and the parameter table read the same declarations, so what is
simulated is what is exported.

Rate expressions are strings in the common subset of Python and SBML Level 3 infix syntax
(:mod:`secretome.model._expressions`: names of species and parameters, numbers, ``+ - * /``,
parentheses, ``pow(x, y)`` and ``exp(x)``). They are checked when the model is built, so a typo fails
at import, not half-way through a simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from secretome.errors import InputError
from secretome.model._expressions import FUNCTIONS, expression_names

__all__ = ["Compartment", "Dose", "Model", "Parameter", "Process", "Product", "Readout", "Species"]

GROUPS = ("mechanism", "readout")
"""Parameter groups: the mechanism, and the maps from model states onto reported scales (fitted separately)."""


def _finite(value: float, owner: str, name: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value)):
        raise InputError("must be a finite number", record=owner, field=name, value=value)


@dataclass(frozen=True)
class Parameter:
    """A named constant with its unit and provenance.

    Parameters
    ----------
    name : str
        Identifier (also the SBML id).
    value : float
        Nominal value.
    unit : str
        Unit, written for people (``"1/day"``, ``"dimensionless"``).
    description : str
        What the parameter means.
    source : str or None
        Where the value is written: reference (DOI/PMID) and location (table, equation).
    assumed : bool
        ``True`` when no source gives the value; then *prior* is required.
    prior : tuple of float or None
        Plausible range ``(low, high)`` containing *value*; required when *assumed*.
    nonnegative : bool
        Whether the value must be >= 0 (rate constants, concentrations); checked here and on overrides.
    group : {"mechanism", "readout"}
        ``"readout"`` for the parameters of a map from model states onto a reported scale (scores, staining):
        calibration fits them after the mechanism, and sensitivity screens the mechanism without them.

    Examples
    --------
    >>> Parameter("d_M", 0.55, "1/day", "MMP clearance", assumed=True, prior=(0.3, 1.0)).assumed
    True
    >>> Parameter("k", 1.0, "1/day", "a rate")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: record 'k', field 'source': a parameter needs a source or assumed=True with a prior
    """

    name: str
    value: float
    unit: str
    description: str
    source: str | None = None
    assumed: bool = False
    prior: tuple[float, float] | None = None
    nonnegative: bool = True
    group: str = "mechanism"

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise InputError("must be an identifier", field="name", value=self.name)
        if self.group not in GROUPS:
            raise InputError(f"must be one of {', '.join(GROUPS)}", record=self.name, field="group", value=self.group)
        _finite(self.value, self.name, "value")
        if self.nonnegative and self.value < 0:
            raise InputError("must be >= 0", record=self.name, field="value", value=self.value)
        if self.assumed and self.source:
            raise InputError("an assumed parameter has no source", record=self.name, field="source")
        if not self.assumed and not self.source:
            raise InputError(
                "a parameter needs a source or assumed=True with a prior", record=self.name, field="source"
            )
        if self.assumed:
            if self.prior is None or len(self.prior) != 2:
                raise InputError("an assumed parameter needs a prior (low, high)", record=self.name, field="prior")
            low, high = self.prior
            _finite(low, self.name, "prior")
            _finite(high, self.name, "prior")
            if not low <= self.value <= high or low >= high:
                raise InputError(
                    "the prior must be an interval (low < high) containing the value",
                    record=self.name,
                    field="prior",
                    value=self.prior,
                )
            if self.nonnegative and low < 0:
                raise InputError("must be >= 0", record=self.name, field="prior", value=self.prior)
        elif self.prior is not None:
            raise InputError("only an assumed parameter has a prior", record=self.name, field="prior")


@dataclass(frozen=True)
class Species:
    """A state variable with its initial value.

    Parameters
    ----------
    name : str
        Identifier (also the SBML id).
    initial : float
        Value at time 0 (>= 0).
    unit : str
        Unit, written for people.
    description : str
        What the variable represents.
    compartment : str
        The :class:`Compartment` holding it (``"joint"``, the default, is a compartment of size 1).
        Species are amounts (per joint, or fractions of healthy tissue); a rate that needs a
        concentration divides by the compartment's volume parameter explicitly.
    """

    name: str
    initial: float
    unit: str
    description: str
    compartment: str = "joint"

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise InputError("must be an identifier", field="name", value=self.name)
        _finite(self.initial, self.name, "initial")
        if self.initial < 0:
            raise InputError("must be >= 0", record=self.name, field="initial", value=self.initial)


@dataclass(frozen=True)
class Compartment:
    """A place species live in, with its size given by a parameter (an SBML compartment).

    Parameters
    ----------
    name : str
        Identifier (the SBML compartment id).
    size : str
        Name of the parameter holding its size (for example ``V_sf``, the synovial fluid volume in mL).
    unit : str
        Unit of the size, written for people.
    description : str
        What it is.

    >>> Compartment("synovial_fluid", "V_sf", "mL", "synovial fluid of one knee").size
    'V_sf'
    """

    name: str
    size: str
    unit: str
    description: str

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise InputError("must be an identifier", field="name", value=self.name)


@dataclass(frozen=True)
class Process:
    """A rate law and the species it changes: ``d[s]/dt += changes[s] * rate``.

    Parameters
    ----------
    name : str
        Identifier (the SBML reaction id).
    rate : str
        Rate expression (see the module docstring for the syntax).
    changes : mapping of str to float
        Stoichiometry: +1 produces, -1 consumes.
    """

    name: str
    rate: str
    changes: Mapping[str, float]

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise InputError("must be an identifier", field="name", value=self.name)
        if not self.changes:
            raise InputError("a process must change at least one species", record=self.name, field="changes")
        object.__setattr__(self, "changes", dict(self.changes))

    def names(self) -> frozenset[str]:
        """The species and parameter names the rate expression reads."""
        return expression_names(self.rate, self.name)


@dataclass(frozen=True)
class Dose:
    """A bolus: *amount* is added to *species* at *time* (an SBML event).

    >>> Dose(time=7.0, species="cm", amount=1.0)
    Dose(time=7.0, species='cm', amount=1.0)
    """

    time: float
    species: str
    amount: float

    def __post_init__(self) -> None:
        _finite(self.time, self.species, "time")
        _finite(self.amount, self.species, "amount")
        if self.time < 0:
            raise InputError("a dose time must be >= 0", record=self.species, field="time", value=self.time)
        if self.amount < 0:
            raise InputError("a dose amount must be >= 0", record=self.species, field="amount", value=self.amount)


@dataclass(frozen=True)
class Product:
    """A therapy product and what one unit of its dose adds to the model's species.

    Parameters
    ----------
    name : str
        Id used in regimens (``product: cm``).
    product : str
        The :data:`secretome.vocab.PRODUCTS` id (``conditioned_medium``, ``extracellular_vesicles``, ``cells``).
    unit : str
        The :data:`secretome.vocab.DOSE_UNITS` id of a dose (``mL/kg``, ``particles/kg``, ``cells/kg``).
    composition : mapping of str to float
        Amount added to each species per unit of dose.
    description : str
        What the product is and how its composition was chosen.

    >>> Product("cm", "conditioned_medium", "mL/kg", {"cm": 1.0}, "conditioned medium").doses(7.0, 2.0)
    (Dose(time=7.0, species='cm', amount=2.0),)
    """

    name: str
    product: str
    unit: str
    composition: Mapping[str, float]
    description: str

    def __post_init__(self) -> None:
        from secretome.vocab import DOSE_UNITS, PRODUCTS

        if self.product not in PRODUCTS:
            raise InputError("not a vocabulary product id", record=self.name, field="product", value=self.product)
        if self.unit not in DOSE_UNITS:
            raise InputError("not a vocabulary dose unit", record=self.name, field="unit", value=self.unit)
        if not self.composition or any(not (math.isfinite(v) and v > 0) for v in self.composition.values()):
            raise InputError("needs species with positive amounts", record=self.name, field="composition")
        object.__setattr__(self, "composition", dict(self.composition))

    def doses(self, time: float, amount: float) -> tuple[Dose, ...]:
        """The species doses of *amount* (in :attr:`unit`) of this product given at *time*."""
        return tuple(Dose(time, species, amount * per_unit) for species, per_unit in self.composition.items())


@dataclass(frozen=True)
class Readout:
    """A measurable quantity computed from species, mapped to a :data:`secretome.vocab.OUTCOMES` id.

    Parameters
    ----------
    name : str
        Identifier of the readout.
    expression : str
        Expression over species and parameters (same syntax as rates).
    unit : str
        Unit of the readout as the model computes it.
    outcome : str
        The vocabulary outcome id the readout is compared with.
    description : str
        How the mapping is made and what it assumes.
    """

    name: str
    expression: str
    unit: str
    outcome: str
    description: str

    def names(self) -> frozenset[str]:
        """The species and parameter names the expression reads."""
        return expression_names(self.expression, self.name)


@dataclass(frozen=True)
class Model:
    """A whole model: declarations only; simulate it with :func:`secretome.model.simulate`.

    Parameters
    ----------
    name : str
        Identifier (the SBML model id).
    description : str
        What it is, with its references.
    time_unit : str
        Unit of the time axis (``"dimensionless"`` or ``"day"``).
    species, parameters, processes, readouts : sequence
        The declarations.
    doses : sequence of Dose
        Default dosing schedule (the preset's protocol).
    products : sequence of Product
        Products a regimen may dose by name.
    t_end : float
        Default simulation end time, in *time_unit*.
    notes : sequence of str
        Assumptions a reader must know (for example a time-unit conversion).
    """

    name: str
    description: str
    time_unit: str
    species: Sequence[Species]
    parameters: Sequence[Parameter]
    processes: Sequence[Process]
    readouts: Sequence[Readout] = ()
    doses: Sequence[Dose] = ()
    products: Sequence[Product] = ()
    t_end: float = 100.0
    notes: Sequence[str] = field(default_factory=tuple)
    compartments: Sequence[Compartment] = ()

    def __post_init__(self) -> None:
        for attr in ("species", "parameters", "processes", "readouts", "doses", "products", "notes", "compartments"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        _finite(self.t_end, self.name, "t_end")
        if self.t_end <= 0:
            raise InputError("must be > 0", record=self.name, field="t_end", value=self.t_end)
        species = [s.name for s in self.species]
        parameters = [p.name for p in self.parameters]
        seen: set[str] = set()
        for name in (*species, *parameters, *(p.name for p in self.processes)):
            if name in FUNCTIONS:
                raise InputError("a function name cannot name a species or parameter", record=self.name,
                                 field="name", value=name)  # fmt: skip
            if name in seen:
                raise InputError("duplicate name", record=self.name, field="name", value=name)
            seen.add(name)
        known = set(species) | set(parameters)
        places = {"joint"} | {c.name for c in self.compartments}
        for compartment in self.compartments:
            if compartment.size not in parameters:
                raise InputError("not a parameter", record=compartment.name, field="size", value=compartment.size)
            if compartment.name in seen:
                raise InputError("duplicate name", record=self.name, field="name", value=compartment.name)
        for s in self.species:
            if s.compartment not in places:
                raise InputError("not a compartment", record=s.name, field="compartment", value=s.compartment)
        for process in self.processes:
            unknown = sorted(process.names() - known)
            if unknown:
                raise InputError("unknown name in rate", record=process.name, field="rate", value=unknown[0])
            for target in process.changes:
                if target not in species:
                    raise InputError("not a species", record=process.name, field="changes", value=target)
        for readout in self.readouts:
            unknown = sorted(readout.names() - known)
            if unknown:
                raise InputError("unknown name in readout", record=readout.name, field="expression", value=unknown[0])
        for product in self.products:
            for target in product.composition:
                if target not in species:
                    raise InputError("not a species", record=product.name, field="composition", value=target)
        for i, dose in enumerate(self.doses, start=1):
            if dose.species not in species:
                raise InputError("not a species", row=i, field="species", value=dose.species)
            if dose.time > self.t_end:
                raise InputError(
                    f"dose after the end time ({self.t_end:g} {self.time_unit})", row=i, field="time", value=dose.time
                )

    def parameter(self, name: str) -> Parameter:
        """The parameter called *name*."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise InputError("unknown parameter", record=self.name, field="parameter", value=name)

    def product(self, name: str) -> Product:
        """The product called *name*."""
        for p in self.products:
            if p.name == name:
                return p
        raise InputError(
            f"unknown product; one of {', '.join(p.name for p in self.products) or '(none)'}",
            record=self.name,
            field="product",
            value=name,
        )

    def with_values(self, **values: float) -> Model:
        """A copy with parameter values replaced (each is validated as the original was).

        >>> from secretome.model import preset
        >>> preset("baker2017").with_values(Fdam=0.5).parameter("Fdam").value
        0.5
        """
        names = {p.name for p in self.parameters}
        for name in values:
            if name not in names:
                raise InputError("unknown parameter", record=self.name, field="parameter", value=name)
        parameters = []
        for p in self.parameters:
            if p.name not in values:
                parameters.append(p)
                continue
            value = float(values[p.name])
            _finite(value, p.name, "value")
            if p.nonnegative and value < 0:
                raise InputError("a rate constant must be >= 0", record=p.name, field="value", value=value)
            # An override outside the prior is the user's choice, not an error: the prior is widened to hold it.
            prior = p.prior
            if prior is not None and not prior[0] <= value <= prior[1]:
                prior = (min(prior[0], value), max(prior[1], value))
            # A changed sourced value must not pass for the published one.
            source = p.source
            if source and value != p.value:
                source = f"{source}; overridden (published value {p.value:g})"
            parameters.append(replace(p, value=value, prior=prior, source=source))
        return replace(self, parameters=tuple(parameters))

    def with_initial(self, **initial: float) -> Model:
        """A copy with initial values of species replaced."""
        names = {s.name for s in self.species}
        for name in initial:
            if name not in names:
                raise InputError("unknown species", record=self.name, field="species", value=name)
        species = tuple(replace(s, initial=float(initial[s.name])) if s.name in initial else s for s in self.species)
        return replace(self, species=species)

    def with_doses(self, doses: Sequence[Dose], *, t_end: float | None = None) -> Model:
        """A copy with the dosing schedule (and optionally the end time) replaced."""
        return replace(self, doses=tuple(doses), t_end=self.t_end if t_end is None else float(t_end))
