"""The reference tools the cross-checks rely on are present and work (fails in CI if not)."""

from __future__ import annotations

import os
import subprocess

import pytest


@pytest.mark.needs_r
def test_r_runs_metafor():
    out = subprocess.run(
        ["Rscript", "-e", "library(metafor); cat(rma(yi=c(0.1,0.3,0.5), vi=c(0.01,0.02,0.03), method='EE')$k)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().endswith("3")


@pytest.mark.needs_postgres
def test_postgres_accepts_connections():
    import sqlalchemy as sa

    engine = sa.create_engine(os.environ["SECRETOME_TEST_POSTGRES_URL"])
    with engine.connect() as conn:
        assert conn.execute(sa.text("select 1 + 1")).scalar_one() == 2


@pytest.mark.needs_chromium
def test_chromium_prints_its_version():
    out = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--version"], capture_output=True, text=True, check=True
    )
    assert "Chromium" in out.stdout


@pytest.mark.needs_roadrunner
def test_roadrunner_simulates_decay():
    import roadrunner

    rr = roadrunner.RoadRunner(
        """<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" level="3" version="1">
  <model id="decay">
    <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
    <listOfSpecies><species id="x" compartment="c" initialAmount="1" hasOnlySubstanceUnits="true"
      boundaryCondition="false" constant="false"/></listOfSpecies>
    <listOfParameters><parameter id="k" value="0.5" constant="true"/></listOfParameters>
    <listOfRules><rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML">
      <apply><times/><apply><minus/><ci>k</ci></apply><ci>x</ci></apply></math></rateRule></listOfRules>
  </model>
</sbml>"""
    )
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    result = rr.simulate(0, 2, 3)
    # x(t) = exp(-k t): exp(-1) at t = 2
    assert result[-1, 1] == pytest.approx(0.36787944117144233, rel=1e-7)
