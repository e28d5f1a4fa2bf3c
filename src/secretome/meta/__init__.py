"""Meta-analysis engine: effect sizes and models whose numbers agree with R's metafor.

It knows nothing of osteoarthritis: arrays or tables in, result objects out.
"""

from secretome.meta._albatross import albatross_plot, smd_contour
from secretome.meta._anova import LikelihoodRatioResult, WaldTestResult, anova
from secretome.meta._bias import RankTestResult, TrimFillResult, rank_test, trim_and_fill
from secretome.meta._change_scores import ChangeScoreSensitivity, change_score_sensitivity, change_scores
from secretome.meta._combined_p import CombinedPResult, combine_p
from secretome.meta._confint import Tau2ConfintResult, tau2_confint
from secretome.meta._conversions import (
    QuantileEstimate,
    mean_sd_from_quantiles,
    sd_change,
    sd_from_ci,
    sd_from_se,
    split_shared_control,
)
from secretome.meta._diagnostic_plots import (
    BaujatResult,
    LabbeResult,
    QQResult,
    RadialResult,
    baujat,
    baujat_plot,
    labbe,
    labbe_plot,
    qq_normal,
    qq_plot,
    radial,
    radial_plot,
)
from secretome.meta._diagnostics import EggerResult, LeaveOneOutResult, egger_test, leave_one_out
from secretome.meta._effect_counts import back_transform
from secretome.meta._effect_result import EffectSizes
from secretome.meta._effect_sizes import ESCALC_ARGUMENTS, MEASURES, Measure, escalc
from secretome.meta._effect_tables import change_sensitivity_from_csv, combine_p_from_csv, pool_counts_from_csv
from secretome.meta._failsafe import FailSafeResult, fail_safe_n
from secretome.meta._follow_ups import AnalysisBundle, follow_ups_from_csv
from secretome.meta._gosh import GOSH_METHODS, GoshResult, gosh, gosh_plot
from secretome.meta._influence import CumulativeResult, InfluenceResult, cumulative, influence
from secretome.meta._mantel_haenszel import MantelHaenszelResult, PetoResult, mantel_haenszel, peto
from secretome.meta._meta_regression import REGRESSION_METHODS, meta_regression
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, multilevel
from secretome.meta._p_values import parse_p_value
from secretome.meta._permutation import PermutationTestResult, permutation_test
from secretome.meta._plots import forest_plot, funnel_plot, regression_plot
from secretome.meta._predict import (
    TRANSFORMS,
    BlupResult,
    MultilevelRanefResult,
    PredictionResult,
    blup,
    predict,
    ranef,
)
from secretome.meta._profile import (
    ProfileResult,
    Sigma2ConfintResult,
    profile_likelihood,
    profile_plot,
    sigma2_confint,
)
from secretome.meta._random_effects import METHODS, ModelMethod, random_effects
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._robust import RobustResult, robust
from secretome.meta._selection import SelectionModelResult, selection_model
from secretome.meta._subgroups import SubgroupResult, subgroups
from secretome.meta._table import (
    meta_from_csv,
    meta_from_table,
    meta_regression_from_table,
    multilevel_from_table,
    multilevel_regression_from_table,
    random_effects_from_table,
    regression_plot_from_csv,
    subgroups_from_table,
)
from secretome.meta._tau2 import (
    TAU2_METHODS,
    Tau2Method,
    tau2_dl,
    tau2_eb,
    tau2_genq,
    tau2_genqm,
    tau2_he,
    tau2_hs,
    tau2_hsk,
    tau2_ml,
    tau2_pm,
    tau2_pmm,
    tau2_reml,
    tau2_sj,
)
from secretome.meta._vcalc import vcalc
from secretome.meta._vif import VifResult, vif

__all__ = [
    "ESCALC_ARGUMENTS",
    "GOSH_METHODS",
    "MEASURES",
    "METHODS",
    "REGRESSION_METHODS",
    "TAU2_METHODS",
    "TRANSFORMS",
    "AnalysisBundle",
    "BaujatResult",
    "BlupResult",
    "ChangeScoreSensitivity",
    "CombinedPResult",
    "CumulativeResult",
    "EffectSizes",
    "EggerResult",
    "FailSafeResult",
    "GoshResult",
    "InfluenceResult",
    "LabbeResult",
    "LeaveOneOutResult",
    "LikelihoodRatioResult",
    "MantelHaenszelResult",
    "Measure",
    "MetaRegressionResult",
    "ModelMethod",
    "MultilevelRanefResult",
    "MultilevelRegressionResult",
    "MultilevelResult",
    "PermutationTestResult",
    "PetoResult",
    "PredictionResult",
    "ProfileResult",
    "QQResult",
    "QuantileEstimate",
    "RadialResult",
    "RandomEffectsResult",
    "RankTestResult",
    "RobustResult",
    "SelectionModelResult",
    "Sigma2ConfintResult",
    "SubgroupResult",
    "Tau2ConfintResult",
    "Tau2Method",
    "TrimFillResult",
    "VifResult",
    "WaldTestResult",
    "albatross_plot",
    "anova",
    "back_transform",
    "baujat",
    "baujat_plot",
    "blup",
    "change_score_sensitivity",
    "change_scores",
    "change_sensitivity_from_csv",
    "combine_p",
    "combine_p_from_csv",
    "cumulative",
    "egger_test",
    "escalc",
    "fail_safe_n",
    "follow_ups_from_csv",
    "forest_plot",
    "funnel_plot",
    "gosh",
    "gosh_plot",
    "influence",
    "labbe",
    "labbe_plot",
    "leave_one_out",
    "mantel_haenszel",
    "mean_sd_from_quantiles",
    "meta_from_csv",
    "meta_from_table",
    "meta_regression",
    "meta_regression_from_table",
    "multilevel",
    "multilevel_from_table",
    "multilevel_regression_from_table",
    "parse_p_value",
    "permutation_test",
    "peto",
    "pool_counts_from_csv",
    "predict",
    "profile_likelihood",
    "profile_plot",
    "qq_normal",
    "qq_plot",
    "radial",
    "radial_plot",
    "random_effects",
    "random_effects_from_table",
    "ranef",
    "rank_test",
    "regression_plot",
    "regression_plot_from_csv",
    "robust",
    "sd_change",
    "sd_from_ci",
    "sd_from_se",
    "selection_model",
    "sigma2_confint",
    "smd_contour",
    "split_shared_control",
    "subgroups",
    "subgroups_from_table",
    "tau2_confint",
    "tau2_dl",
    "tau2_eb",
    "tau2_genq",
    "tau2_genqm",
    "tau2_he",
    "tau2_hs",
    "tau2_hsk",
    "tau2_ml",
    "tau2_pm",
    "tau2_pmm",
    "tau2_reml",
    "tau2_sj",
    "trim_and_fill",
    "vcalc",
    "vif",
]
