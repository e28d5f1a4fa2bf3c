"""Mechanistic model of OA cartilage and synovium under MSC-secretome therapy.

Declarations (:class:`Model` and its parts) are kept apart from simulation (:func:`simulate`) and
export (:func:`to_sbml`); presets are built by :func:`preset`.
"""

from secretome.model._baker2017 import baker2017
from secretome.model._parameter_table import ParameterTable, parameter_table
from secretome.model._presets import PRESETS, preset
from secretome.model._regimen import apply_regimen, parse_regimen, read_regimen
from secretome.model._sbml import SBMLExportError, sbml_errors, to_sbml
from secretome.model._simulate import SimulationResult, simulate
from secretome.model._spec import Dose, Model, Parameter, Process, Product, Readout, Species
from secretome.model._subjects import draw_subjects

__all__ = [
    "PRESETS",
    "Dose",
    "Model",
    "Parameter",
    "ParameterTable",
    "Process",
    "Product",
    "Readout",
    "SBMLExportError",
    "SimulationResult",
    "Species",
    "apply_regimen",
    "baker2017",
    "draw_subjects",
    "parameter_table",
    "parse_regimen",
    "preset",
    "read_regimen",
    "sbml_errors",
    "simulate",
    "to_sbml",
]
