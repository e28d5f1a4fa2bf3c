"""Virtual subjects drawn from the priors of assumed parameters."""

from __future__ import annotations

import numpy as np
import pytest

from secretome.errors import InputError
from secretome.model import draw_subjects, preset, simulate


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
