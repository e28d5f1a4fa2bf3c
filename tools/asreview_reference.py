"""Write ASReview's screening order on a labelled set, the reference for tests/evidence/test_asreview_parity.py.

Usage: python tools/asreview_reference.py   (needs ``pip install asreview``, 3.x; see benchmarks/README.md)

Runs ASReview's default model (``get_ai_config()``, ELAS u4) on data/screening/cohen2006_triptans.csv for
seeds 0 and 1, with the prior knowledge secretome's simulation draws for the same seed, and writes the
order of record indices ASReview screens (after the priors) until the last include is found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from asreview import __version__
from asreview.learner import ActiveLearningCycle
from asreview.models import get_ai_config
from asreview.simulation.simulate import Simulate

from secretome.evidence import draw_prior, read_labelled

ROOT = Path(__file__).parents[1]
OUT = ROOT / "tests" / "evidence" / "data" / "asreview_triptans_orders.json"

if __name__ == "__main__":
    labelled = read_labelled(ROOT / "data" / "screening" / "cohen2006_triptans.csv")
    frame = pd.DataFrame({"title": labelled.titles, "abstract": labelled.abstracts})
    orders = {}
    for seed in (0, 1):
        prior = draw_prior(labelled.labels, seed)
        sim = Simulate(frame, labelled.labels, [ActiveLearningCycle.from_meta(get_ai_config()["value"])],
                       print_progress=False)  # fmt: skip
        sim.label(list(prior))
        sim.review()
        orders[str(seed)] = {"prior": list(prior), "order": [int(i) for i in sim._results["record_id"]][2:]}
    OUT.write_text(json.dumps({"asreview": __version__, "model": get_ai_config()["name"], "orders": orders}) + "\n")
    print(OUT)
