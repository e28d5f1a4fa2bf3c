"""Loading the metafor reference cases written by ``tools/metafor_reference.R``."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metafor"
SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "metafor_reference.R"


@cache
def _load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def load_cases(name: str) -> list[dict]:
    """The cases of ``tests/fixtures/metafor/<name>.json`` (escalc, rma_uni, rma_mods)."""
    return _load(name)["cases"]


def case_id(case: dict) -> str:
    return case["id"]


def pm_control(method: object) -> dict | None:
    """The control the reference scripts fit PM and PMM with, ``list(tol=1e-12)``: the root, not metafor's
    default stop."""
    return {"tol": 1e-12} if method in ("PM", "PMM") else None


def nan_for_none(values: list) -> list[float]:
    """A fixture column with R's NA (JSON null) as NaN, for ``pytest.approx(..., nan_ok=True)``."""
    return [math.nan if x is None else x for x in values]


def refit_stop_messages(caught: list, kind: str, stops: list[int]) -> list[str]:
    """The warnings of *kind* (``leave-one-out``, ``influence``) naming refits that stopped, checked to be one
    per stopped study and in the engine's wording (metafor's refits stop inside try() and give NA rows)."""
    named = [str(w.message) for w in caught if str(w.message).startswith(f"{kind}: the refits")]
    assert len(named) == len(stops)
    for message in named:
        assert "stopped (" in message
        assert message.endswith("their rows are NA (as metafor's)")
    return named


def _vi_zero_warning(index: int) -> str:
    return next(c for c in load_cases("vi_zero") if c["id"] == "one-REML")["warnings"][index]


NONPOSITIVE_VI = _vi_zero_warning(0)
"""metafor's warning on a sampling variance of 0 or below (vi_zero.json, rma(method = "REML") with one vi = 0)."""
NO_Q_TEST = _vi_zero_warning(1)
"""metafor's "Cannot compute Q-test, I^2, or H^2 ..." of that fit (vi_zero.json)."""
NEGATIVE_VI = next(c for c in load_cases("vi_negative") if c["id"] == "two-intercept-EE-z")["warnings"][1]
"""metafor's "Negative sampling variances constrained to zero." (vi_negative.json)."""
