"""The poolings of tests/fixtures/metafor/forest_counts.json (tools/metafor_reference_forest_counts.R)."""

from __future__ import annotations

import warnings

import numpy as np

from secretome.errors import SecretomeWarning
from secretome.meta import MantelHaenszelResult, PetoResult, mantel_haenszel, peto


def fit_forest_case(case: dict) -> MantelHaenszelResult | PetoResult:
    """The case's rma.mh or rma.peto fit, labelled "Study i" as metafor's forest labels tables by default."""
    data = {name: np.asarray(column, dtype=float) for name, column in case["data"].items()}
    labels = [f"Study {i}" for i in range(1, len(next(iter(data.values()))) + 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecretomeWarning)  # double-zero tables: their notes are tested elsewhere
        if case["method"] == "PETO":
            return peto(**data, labels=labels)
        return mantel_haenszel(case["measure"], **data, labels=labels)
