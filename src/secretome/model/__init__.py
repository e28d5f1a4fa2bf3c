"""Mechanistic model of OA cartilage and synovium under MSC-secretome therapy.

Declarations (:class:`Model` and its parts) are kept apart from simulation (:func:`simulate`) and
export (:func:`to_sbml`); presets are built by :func:`preset`.
"""

from secretome.model._baker2017 import baker2017
from secretome.model._calibrate import CalibrationResult, calibrate, read_measurements
from secretome.model._cartilage import INDUCTIONS, ORGANISMS, induced_model
from secretome.model._cohort import CohortResult, cohort
from secretome.model._compare import ComparisonResult, compare, compare_times
from secretome.model._parameter_table import ParameterTable, parameter_table
from secretome.model._petab import to_petab
from secretome.model._presets import PRESETS, PROTOCOLS, preset, preset_lines
from secretome.model._problem import CalibrationProblem, direction_agreement, problem_from_table, simulate_problem
from secretome.model._problem_fit import ParameterEnsemble, ProblemFit, ensemble_cohort, fit_problem, region_ensemble
from secretome.model._profile_likelihood import PROFILE_RESTART_MARGIN
from secretome.model._readouts import outcome_readouts
from secretome.model._regimen import apply_regimen, parse_regimen, read_regimen
from secretome.model._sbml import SBMLExportError, sbml_errors, to_sbml
from secretome.model._sensitivity import SensitivityResult, sensitivity
from secretome.model._simulate import SimulationResult, simulate
from secretome.model._spec import Compartment, Dose, Model, Parameter, Process, Product, Readout, Species
from secretome.model._subjects import draw_subjects

__all__ = [
    "INDUCTIONS",
    "ORGANISMS",
    "PRESETS",
    "PROFILE_RESTART_MARGIN",
    "PROTOCOLS",
    "CalibrationProblem",
    "CalibrationResult",
    "CohortResult",
    "ComparisonResult",
    "Compartment",
    "Dose",
    "Model",
    "Parameter",
    "ParameterEnsemble",
    "ParameterTable",
    "ProblemFit",
    "Process",
    "Product",
    "Readout",
    "SBMLExportError",
    "SensitivityResult",
    "SimulationResult",
    "Species",
    "apply_regimen",
    "baker2017",
    "calibrate",
    "cohort",
    "compare",
    "compare_times",
    "direction_agreement",
    "draw_subjects",
    "ensemble_cohort",
    "fit_problem",
    "induced_model",
    "outcome_readouts",
    "parameter_table",
    "parse_regimen",
    "preset",
    "preset_lines",
    "problem_from_table",
    "read_measurements",
    "read_regimen",
    "region_ensemble",
    "sbml_errors",
    "sensitivity",
    "simulate",
    "simulate_problem",
    "to_petab",
    "to_sbml",
]
