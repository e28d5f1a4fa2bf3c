"""The default screening model against ASReview LAB's default (ELAS u4) on a real labelled set.

The reference orders were written by ASReview 3.0.8 itself (tools/asreview_reference.py); ASReview
is not a test dependency (it pins an older rispy), so the orders are committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from secretome.evidence import read_labelled, simulate_order, text_features

ROOT = Path(__file__).parents[2]
REFERENCE = json.loads((Path(__file__).with_name("data") / "asreview_triptans_orders.json").read_text())


@pytest.mark.parametrize("seed", ["0", "1"])
def test_the_screening_order_is_asreviews_until_the_last_include(seed):
    labelled = read_labelled(ROOT / "data" / "screening" / "cohen2006_triptans.csv")
    reference = REFERENCE["orders"][seed]
    features = text_features(labelled.titles, labelled.abstracts)
    order, _ = simulate_order(features, labelled.labels, tuple(reference["prior"]), seed=int(seed))
    theirs = reference["order"]
    # ASReview stops at the last include; ours goes on in the last model's order.
    assert order[: len(theirs)].tolist() == theirs
    assert labelled.labels[np.array(theirs)].sum() == labelled.labels.sum() - 1  # every include but the prior
