"""Loading the metafor reference cases written by ``tools/metafor_reference.R``."""

from __future__ import annotations

import json
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
