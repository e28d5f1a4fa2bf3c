"""The living state-of-the-art report: the one place where evidence, meta and model meet.

:func:`build_report` writes a self-contained HTML report and, beside it, the analysis dataset
(:func:`analysis_dataset`, built by the written rules D1-D8) so every pooled number can be rerun.
"""

from secretome.report._build import ReportResult, build_report
from secretome.report._dataset import analysis_dataset, effect_sizes
from secretome.report._mechanism import PLOTTED, calibrated_values, calibration_artefacts, evidence_versus_model
from secretome.report._synthesis import (
    MEASURE_LABELS,
    MEASURE_NAMES,
    NO_HETEROGENEITY,
    ComparedEvents,
    compare_events,
    outcome_votes,
    poolable_rows,
)

__all__ = [
    "MEASURE_LABELS",
    "MEASURE_NAMES",
    "NO_HETEROGENEITY",
    "PLOTTED",
    "ComparedEvents",
    "ReportResult",
    "analysis_dataset",
    "build_report",
    "calibrated_values",
    "calibration_artefacts",
    "compare_events",
    "effect_sizes",
    "evidence_versus_model",
    "outcome_votes",
    "poolable_rows",
]
