"""Virtual subjects drawn from the priors of assumed parameters."""

from __future__ import annotations

import numpy as np
import pytest

from secretome.errors import InputError
from secretome.model import Model, Parameter, Process, Readout, Species, draw_subjects, preset, simulate
from secretome.model._subjects import SubjectDraws


def test_draws_stay_in_the_priors_and_are_reproducible():
    model = preset("rat-mia")
    draws = draw_subjects(model, 50, seed=1)
    assumed = {p.name: p.prior for p in model.parameters if p.assumed}
    assert set(draws) == set(assumed)
    for name, (low, high) in assumed.items():
        assert np.all((draws[name] >= low) & (draws[name] <= high))
    again = draw_subjects(model, 50, seed=1)
    assert all(np.array_equal(draws[k], again[k]) for k in draws)


def test_subjects_simulate():
    model = preset("rat-mia").with_doses([], t_end=14.0)
    res = simulate(model, parameters=draw_subjects(model, 3), times=[0.0, 7.0, 14.0])
    assert res.values.shape == (3, 3, len(model.species))
    assert len(res.to_dict()["species"]["G"]) == 3


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_bad_subject_counts(n):
    with pytest.raises(InputError):
        draw_subjects(preset("rat-mia"), n)


def _priors_model() -> Model:
    """Three assumed parameters (log-uniform, uniform from 0, log-uniform) around a sourced one."""
    return Model(
        name="priors",
        description="draws only",
        time_unit="day",
        species=[Species("x", 1.0, "1", "amount")],
        parameters=[
            Parameter("a", 0.1, "1/day", "rate", assumed=True, prior=(0.01, 1.0)),
            Parameter("c", 2.0, "1", "sourced", source="test"),
            Parameter("b", 0.5, "1", "fraction", assumed=True, prior=(0.0, 1.0)),
            Parameter("k", 3.0, "1", "half-saturation", assumed=True, prior=(1.0, 30.0)),
        ],
        processes=[Process("grow", "a*x", {"x": 1})],
        readouts=[Readout("level", "x", "1", "gag_content", "x itself")],
        t_end=1.0,
    )


def _sequential(n: int, seed: int) -> dict[str, np.ndarray]:
    # The documented stream, written out: n uniform draws per assumed parameter, in model order, from
    # default_rng(seed); log-uniform on (0.01, 1) and (1, 30), uniform on (0, 1).
    rng = np.random.default_rng(seed)
    return {
        "a": np.exp(rng.uniform(np.log(0.01), np.log(1.0), size=n)),
        "b": rng.uniform(0.0, 1.0, size=n),
        "k": np.exp(rng.uniform(np.log(1.0), np.log(30.0), size=n)),
    }


def test_draws_are_the_documented_stream():
    expected = _sequential(500, seed=11)
    draws = draw_subjects(_priors_model(), 500, seed=11)
    assert list(draws) == ["a", "b", "k"]
    for name, values in expected.items():
        np.testing.assert_array_equal(draws[name], values)


@pytest.mark.parametrize("size", [1, 7, 64, 499, 500])
def test_chunks_drawn_alone_in_any_order_are_the_whole_draws_bit_for_bit(size):
    model = _priors_model()
    whole = draw_subjects(model, 500, seed=11)
    draws = SubjectDraws(model, 500, seed=11)
    starts = list(range(0, 500, size))[::-1]  # last chunk first: no chunk depends on another being drawn
    pieces = {start: draws.columns(start, min(start + size, 500)) for start in starts}
    for name in whole:
        np.testing.assert_array_equal(np.concatenate([pieces[s][name] for s in sorted(pieces)]), whole[name])


def test_a_chunk_of_a_million_subjects_is_drawn_alone_and_is_only_that_chunk():
    # The offsets j * n + start reach 2 * 10^6 here: the jump, not a draw of everything before it.
    n = 1_000_000
    expected = _sequential(n, seed=4)
    draws = SubjectDraws(_priors_model(), n, seed=4, maximum=n)
    for start, stop in [(0, 64), (500_032, 500_096), (999_936, n)]:
        chunk = draws.columns(start, stop)
        assert {name: values.shape for name, values in chunk.items()} == {"a": (64,), "b": (64,), "k": (64,)}
        for name, values in chunk.items():
            np.testing.assert_array_equal(values, expected[name][start:stop])
        matrix = draws[start:stop]
        assert matrix.shape == (64, 4)  # every parameter in model order, the sourced one at its value
        np.testing.assert_array_equal(matrix[:, 1], 2.0)
        np.testing.assert_array_equal(matrix[:, [0, 2, 3]], np.column_stack([chunk["a"], chunk["b"], chunk["k"]]))
    assert draws.shape == (n, 4)
    assert draws.names == ("a", "b", "k")


def test_a_model_without_assumed_parameters_gives_its_own_row_per_subject():
    draws = SubjectDraws(preset("baker2017"), 10)
    assert draws.names == ()
    assert draws[2:5].shape == (3, len(preset("baker2017").parameters))
