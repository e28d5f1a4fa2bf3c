"""The committed fixtures are what the tools/metafor_reference*.R scripts write: rerun them live and compare."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest
from metafor_fixtures import FIXTURES, SCRIPT

_MAIN_FILES = (
    "escalc.json",
    "rma_uni.json",
    "rma_mods.json",
    "diagnostics.json",
    "subgroups.json",
    "permutest.json",
    "gosh.json",
    "rma_mv.json",
    "plots.json",
)

# Each reference script and the fixture files it writes.
SCRIPTS = {
    SCRIPT: _MAIN_FILES,
    SCRIPT.with_name("metafor_reference_bias.R"): (
        "influence.json",
        "cumulative.json",
        "bias.json",
        "subgroups_separate.json",
        "ranktest_degenerate.json",
    ),
    SCRIPT.with_name("metafor_reference_effects.R"): ("effects.json", "effects_pooling.json", "effects_pvalues.json"),
    # Needs clubSandwich as well (r-cran-clubsandwich), for the CR2 cases of robust.json.
    SCRIPT.with_name("metafor_reference_mv.R"): (
        "mv_boundary.json",
        "mv_nested.json",
        "vcalc.json",
        "mv_confint.json",
        "robust.json",
        "selmodel.json",
        "fsn.json",
        "plots_extra.json",
    ),
    SCRIPT.with_name("metafor_reference_predict.R"): ("predict.json",),
    SCRIPT.with_name("metafor_reference_k1.R"): ("k1.json",),
    SCRIPT.with_name("metafor_reference_vcalc_checkpd.R"): ("vcalc_checkpd.json",),
    SCRIPT.with_name("metafor_reference_boundary.R"): ("mv_boundary_sim.json", "selmodel_boundary.json"),
    SCRIPT.with_name("metafor_reference_control.R"): (
        "control.json",
        "vi_zero.json",
        "vi_zero_mods.json",
        "vi_negative.json",
    ),
    SCRIPT.with_name("metafor_reference_estimators.R"): (
        "estimators.json",
        "estimators_gosh.json",
        "estimators_permutest.json",
    ),
    SCRIPT.with_name("metafor_reference_regtest.R"): ("regtest.json",),
    SCRIPT.with_name("metafor_reference_influence_mods.R"): ("influence_mods.json",),
    SCRIPT.with_name("metafor_reference_estimators_more.R"): ("estimators_more.json",),
    SCRIPT.with_name("metafor_reference_missing.R"): ("missing.json",),
    SCRIPT.with_name("metafor_reference_vi_zero_diagnostics.R"): ("vi_zero_diagnostics.json",),
    SCRIPT.with_name("metafor_reference_regtest_mods.R"): ("regtest_mods.json",),
    SCRIPT.with_name("metafor_reference_refit_errors.R"): ("refit_errors.json",),
    SCRIPT.with_name("metafor_reference_regtest_weights.R"): ("regtest_weights.json",),
    SCRIPT.with_name("metafor_reference_rho.R"): ("mv_rho.json",),
    SCRIPT.with_name("metafor_reference_vi_ratio.R"): ("vi_ratio.json",),
    SCRIPT.with_name("metafor_reference_vcalc_pd.R"): ("vcalc_pd.json",),
    SCRIPT.with_name("metafor_reference_refusals.R"): ("refusals.json",),
    SCRIPT.with_name("metafor_reference_forest_counts.R"): ("forest_counts.json",),
    SCRIPT.with_name("metafor_reference_mv_edges.R"): ("mv_edges.json",),
    SCRIPT.with_name("metafor_reference_design_edges.R"): ("design_edges.json",),
}


def _close(new: object, old: object, path: str) -> None:
    if isinstance(old, float) or isinstance(new, float):
        assert isinstance(new, (int, float)), f"{path}: {new!r} is not a number"
        # Another BLAS may change the last digits; anything beyond that is a different fixture.
        assert math.isclose(new, old, rel_tol=1e-9, abs_tol=1e-13), f"{path}: {new!r} != {old!r}"
    elif isinstance(old, dict):
        assert isinstance(new, dict), path
        assert new.keys() == old.keys(), f"{path}: keys {sorted(new.keys() ^ old.keys())} differ"
        for key in old:
            _close(new[key], old[key], f"{path}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list), path
        assert len(new) == len(old), f"{path}: length {len(new)} != {len(old)}"
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            _close(a, b, f"{path}[{i}]")
    else:
        assert new == old, f"{path}: {new!r} != {old!r}"


@pytest.mark.needs_r
@pytest.mark.slow
@pytest.mark.parametrize("script", list(SCRIPTS), ids=lambda p: p.name)
def test_script_reproduces_committed_fixtures(script, metafor_reruns):
    # The scripts run in one background Rscript started at collection (tests/conftest.py).
    _matches_fixtures(metafor_reruns.wait_for(script, timeout=900), SCRIPTS[script])


@pytest.mark.needs_r
@pytest.mark.slow
def test_genqm_script_reproduces_committed_fixtures(tmp_path):
    # metafor's GENQM needs the R package CompQuadForm, which Debian does not package; CI installs its vendored
    # CRAN source (tools/vendor), so there the rerun always runs.
    probe = subprocess.run(["Rscript", "-e", "library(CompQuadForm)"], capture_output=True, check=False, timeout=60)
    if probe.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("R package CompQuadForm is not installed (.ci/run installs tools/vendor/CompQuadForm_*)")
        pytest.skip("R package CompQuadForm is not installed: R CMD INSTALL tools/vendor/CompQuadForm_1.4.3.tar.gz")
    script = SCRIPT.with_name("metafor_reference_genqm.R")
    subprocess.run(["Rscript", str(script), str(tmp_path)], check=True, capture_output=True, text=True, timeout=300)
    _matches_fixtures(tmp_path, ("genqm.json",))


def _matches_fixtures(folder: Path, names: tuple[str, ...]) -> None:
    for name in names:
        new, old = json.loads((folder / name).read_text()), json.loads((FIXTURES / name).read_text())
        assert new["versions"] == old["versions"], f"{name}: made with {old['versions']}, this R has {new['versions']}"
        _close(new["cases"], old["cases"], name)
