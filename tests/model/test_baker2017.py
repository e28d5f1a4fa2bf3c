"""Baker, Brook & Owen (2017) encoded as published: Table 1 values and its documented behaviour.

Reference numbers are those of the project's research note (shared/research/model-anchors.md, section
1.1), which re-coded Eqs 5-8 independently: rest -> p about 0.013; pulse p(0) = 5 -> p about 0.16 and
a about 4.2 at t = 100 (BIOMD0000000928 initial condition).
"""

from __future__ import annotations

import pytest

from secretome.model import baker2017, simulate
from secretome.model._baker2017 import BAKER_SOURCE

TABLE_1 = {
    "Pbp": 0.01, "Ppp": 10, "Pfp": 10, "App": 10, "Aph": 1, "Afp": 10, "Afh": 1,
    "Mbp": 0.01, "Mpp": 10, "Mph": 1, "Fdam": 0, "gamma_p": 1, "gamma_m": 1, "gamma_f": 1, "n": 2,
}  # fmt: skip


def test_parameters_are_table_1_with_their_source():
    model = baker2017()
    assert {p.name: p.value for p in model.parameters} == TABLE_1
    assert all(p.source == f"{BAKER_SOURCE}, Table 1" and not p.assumed for p in model.parameters)


def test_initial_pulse_is_the_biomodels_one():
    assert {s.name: s.initial for s in baker2017().species} == {"p": 5.0, "a": 0.0, "m": 0.0, "f": 0.0}


def test_from_rest_it_stays_near_homeostasis():
    res = simulate(baker2017(p0=0.0), times=[0, 100, 200])
    assert res.species_series("p")[1:] == pytest.approx([0.013, 0.013], abs=5e-4)  # model-anchors.md 1.1


def test_after_the_pulse_inflammation_is_sustained():
    res = simulate(baker2017(), times=[0, 100])
    assert res.species_series("p")[-1] == pytest.approx(0.163, abs=1e-3)  # model-anchors.md 1.1: p about 0.16
    assert res.species_series("a")[-1] == pytest.approx(4.22, abs=1e-2)  # model-anchors.md 1.1: a about 4.2


def test_the_two_states_coexist():
    """Bistability (Baker 2017, Table 1 values with Fdam = 0): a pulse moves p up by more than tenfold."""
    rest = simulate(baker2017(p0=0.0), times=[0, 200]).species_series("p")[-1]
    inflamed = simulate(baker2017(), times=[0, 200]).species_series("p")[-1]
    assert inflamed > 10 * rest


def test_readouts_map_to_vocab_outcomes():
    from secretome.vocab import OUTCOMES

    assert all(r.outcome in OUTCOMES for r in baker2017().readouts)
