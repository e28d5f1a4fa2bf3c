"""Meta-analysis engine: effect sizes and models whose numbers agree with R's metafor.

It knows nothing of osteoarthritis: arrays or tables in, result objects out.
"""

from secretome.meta._diagnostics import EggerResult, LeaveOneOutResult, egger_test, leave_one_out
from secretome.meta._effect_sizes import MEASURES, EffectSizes, Measure, escalc
from secretome.meta._meta_regression import REGRESSION_METHODS, meta_regression
from secretome.meta._plots import forest_plot, funnel_plot
from secretome.meta._random_effects import METHODS, ModelMethod, random_effects
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._subgroups import SubgroupResult, subgroups
from secretome.meta._table import meta_from_csv, meta_from_table
from secretome.meta._tau2 import (
    TAU2_METHODS,
    Tau2Method,
    tau2_dl,
    tau2_eb,
    tau2_he,
    tau2_hs,
    tau2_ml,
    tau2_pm,
    tau2_reml,
    tau2_sj,
)

__all__ = [
    "MEASURES",
    "METHODS",
    "REGRESSION_METHODS",
    "TAU2_METHODS",
    "EffectSizes",
    "EggerResult",
    "LeaveOneOutResult",
    "Measure",
    "MetaRegressionResult",
    "ModelMethod",
    "RandomEffectsResult",
    "SubgroupResult",
    "Tau2Method",
    "egger_test",
    "escalc",
    "forest_plot",
    "funnel_plot",
    "leave_one_out",
    "meta_from_csv",
    "meta_from_table",
    "meta_regression",
    "random_effects",
    "subgroups",
    "tau2_dl",
    "tau2_eb",
    "tau2_he",
    "tau2_hs",
    "tau2_ml",
    "tau2_pm",
    "tau2_reml",
    "tau2_sj",
]
