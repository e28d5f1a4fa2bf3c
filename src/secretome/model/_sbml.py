"""SBML Level 3 export of a model, dose events included (python-libsbml).

The export is what the reference simulator runs: a compartment ``joint`` of size 1 and one per
:class:`~secretome.model.Compartment` (its size the value of its volume parameter, kept in step by
an initial assignment), one species per :class:`~secretome.model.Species` as an amount
(``hasOnlySubstanceUnits``, so rates in amounts per day mean the same in every tool), one constant
parameter per :class:`~secretome.model.Parameter` (its provenance in the SBML notes), one
irreversible reaction per :class:`~secretome.model.Process` and one event per dose
(``time >= t_j``: ``species = species + amount``). It runs unmodified in libroadrunner and COPASI
(both tested on every preset).

Units: time is in days (a unit definition of 86,400 s) or dimensionless (Baker's presets), and
substance, volume and extent are dimensionless, so COPASI and tellurium label the axes rightly
instead of assuming seconds and moles. Parameters in ``1/day``, ``day`` or a dimensionless unit
carry that unit; the others (pg/mL, um, particles/kg...) keep theirs in the notes only, because
the species they scale are fractions of healthy tissue, not SBML substances.

References
----------
.. [1] The SBML Level 3 Version 2 Core specification, https://sbml.org (validated here with libsbml's
   ``checkConsistency``).
"""

from __future__ import annotations

import html
import re

from secretome.errors import SecretomeError
from secretome.model._spec import Model, Parameter

__all__ = ["SBMLExportError", "sbml_errors", "to_sbml"]

_XHTML = '<body xmlns="http://www.w3.org/1999/xhtml">{}</body>'


class SBMLExportError(SecretomeError):
    """libsbml is missing, or refused the model (the message gives libsbml's own words)."""


def _provenance(p: Parameter) -> str:
    if p.assumed and p.prior is not None:
        text = f"{p.description}. Unit: {p.unit}. Assumed; prior range [{p.prior[0]:g}, {p.prior[1]:g}]."
    else:
        text = f"{p.description}. Unit: {p.unit}. Source: {p.source}."
    return _XHTML.format(f"<p>{html.escape(text)}</p>")


def _check(code: int, what: str) -> None:
    import libsbml

    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"libsbml refused {what}: {libsbml.OperationReturnValue_toString(code)}")


def _math(formula: str, what: str):
    import libsbml

    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise SBMLExportError(f"libsbml cannot parse {what}: {libsbml.getLastParseL3Error()}")
    return ast


# Our unit strings that SBML can state: the dimensionless ones always, the time ones where the
# model's time is in days.
_DIMENSIONLESS = dict.fromkeys(("dimensionless", "fold", "fold over healthy"), "dimensionless")
_DAY_UNITS = {"1/day": "per_day", "day": "day"}


def _unit_definitions(sbml) -> None:
    import libsbml

    for unit_id, exponent in (("day", 1.0), ("per_day", -1.0)):
        definition = sbml.createUnitDefinition()
        definition.setId(unit_id)
        unit = definition.createUnit()
        unit.setKind(libsbml.UNIT_KIND_SECOND)
        unit.setExponent(exponent)
        unit.setScale(0)
        unit.setMultiplier(86400.0)


def to_sbml(model: Model) -> str:
    """The model, with its doses as events, as an SBML Level 3 Version 2 document.

    Parameters
    ----------
    model : Model
        Declarations and doses (``model.with_doses(...)`` to export another regimen).

    Returns
    -------
    str
        The SBML document (UTF-8 XML text).

    Notes
    -----
    Checked by ``libsbml.SBMLDocument.checkConsistency()`` (no errors) and against our simulator with
    libroadrunner on every preset (tests/model/test_sbml.py).

    Examples
    --------
    >>> from secretome.model import preset
    >>> to_sbml(preset("baker2017")).startswith('<?xml version="1.0" encoding="UTF-8"?>')
    True
    """
    try:
        import libsbml
    except ImportError:
        raise SBMLExportError("SBML export needs python-libsbml: pip install 'secretome[sbml]'") from None

    doc = libsbml.SBMLDocument(3, 2)
    sbml = doc.createModel()
    # SBML ids are letters, digits and "_": "rat-mia" becomes rat_mia, a calibration condition
    # "rat-mia+ev-weekly" rat_mia_ev_weekly (the name itself is kept as the model's name).
    _check(sbml.setId(re.sub(r"\W", "_", model.name)), "the model id")
    sbml.setName(model.name)
    _check(
        sbml.setNotes(_XHTML.format("".join(f"<p>{html.escape(t)}</p>" for t in (model.description, *model.notes)))),
        "the model notes",
    )
    _unit_definitions(sbml)
    in_days = model.time_unit == "day"
    units = {**_DIMENSIONLESS, **_DAY_UNITS} if in_days else _DIMENSIONLESS
    _check(sbml.setTimeUnits("day" if in_days else "dimensionless"), "the time unit")
    for setter in (sbml.setSubstanceUnits, sbml.setVolumeUnits, sbml.setExtentUnits):
        _check(setter("dimensionless"), "the model units")
    values = {p.name: p.value for p in model.parameters}
    places = [("joint", None)] + [(c.name, c.size) for c in model.compartments]
    for place, size in places:
        compartment = sbml.createCompartment()
        compartment.setUnits("dimensionless")
        _check(compartment.setId(place), f"compartment {place!r}")
        compartment.setConstant(True)
        compartment.setSize(1.0 if size is None else values[size])
        compartment.setSpatialDimensions(3)
        if size is not None:
            # The size follows its parameter in tools that let users change it (COPASI, tellurium).
            assignment = sbml.createInitialAssignment()
            assignment.setSymbol(place)
            assignment.setMath(_math(size, f"the size of compartment {place!r}"))

    for s in model.species:
        species = sbml.createSpecies()
        _check(species.setId(s.name), f"species {s.name!r}")
        species.setName(s.description)
        species.setCompartment(s.compartment)
        # Amounts (per joint, or fractions of healthy tissue): rates are written in amounts, so the
        # compartment size enters only where a rate divides by its volume parameter explicitly.
        species.setInitialAmount(s.initial)
        species.setHasOnlySubstanceUnits(True)
        species.setBoundaryCondition(False)
        species.setConstant(False)

    for p in model.parameters:
        parameter = sbml.createParameter()
        _check(parameter.setId(p.name), f"parameter {p.name!r}")
        parameter.setValue(p.value)
        parameter.setConstant(True)
        if p.unit in units:
            parameter.setUnits(units[p.unit])
        _check(parameter.setNotes(_provenance(p)), f"the notes of parameter {p.name!r}")

    species_names = {s.name for s in model.species}
    for process in model.processes:
        reaction = sbml.createReaction()
        _check(reaction.setId(process.name), f"reaction {process.name!r}")
        reaction.setReversible(False)
        for target, coefficient in process.changes.items():
            ref = reaction.createReactant() if coefficient < 0 else reaction.createProduct()
            ref.setSpecies(target)
            ref.setStoichiometry(abs(float(coefficient)))
            ref.setConstant(True)
        for name in sorted((process.names() & species_names) - set(process.changes)):
            reaction.createModifier().setSpecies(name)
        law = reaction.createKineticLaw()
        _check(law.setMath(_math(process.rate, f"the rate of {process.name!r}")), f"the rate of {process.name!r}")

    for i, dose in enumerate(model.doses, start=1):
        event = sbml.createEvent()
        event.setId(f"dose_{i}")
        event.setUseValuesFromTriggerTime(True)
        trigger = event.createTrigger()
        # initialValue false: a dose at t = 0 fires at the start, as in the reference simulator.
        trigger.setInitialValue(False)
        trigger.setPersistent(True)
        trigger.setMath(_math(f"time >= {dose.time!r}", f"dose {i}"))
        assignment = event.createEventAssignment()
        assignment.setVariable(dose.species)
        assignment.setMath(_math(f"{dose.species} + {dose.amount!r}", f"dose {i}"))

    return libsbml.writeSBMLToString(doc)


def sbml_errors(text: str) -> list[str]:
    """libsbml's consistency errors (not warnings) for an SBML document, as messages."""
    import libsbml

    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    return [
        doc.getError(i).getMessage().strip()
        for i in range(doc.getNumErrors())
        if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
