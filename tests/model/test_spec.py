"""Declarations validate themselves: provenance, names, rates and doses."""

from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.model import Dose, Model, Parameter, Process, Readout, Species


def _model(**changes):
    base = {
        "name": "decay",
        "description": "x decays",
        "time_unit": "day",
        "species": [Species("x", 1.0, "au", "a thing")],
        "parameters": [Parameter("k", 0.5, "1/day", "decay rate", assumed=True, prior=(0.1, 1.0))],
        "processes": [Process("x_decay", "k*x", {"x": -1})],
        "t_end": 10.0,
    }
    base.update(changes)
    return Model(**base)


def test_a_sourced_parameter_needs_no_prior():
    p = Parameter("n", 2.0, "dimensionless", "Hill coefficient", source="doi:10.1007/s00285-017-1104-y, Table 1")
    assert not p.assumed
    assert p.prior is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "source"),  # neither source nor assumed
        ({"source": "x", "assumed": True, "prior": (0.0, 2.0)}, "source"),
        ({"assumed": True}, "prior"),
        ({"assumed": True, "prior": (2.0, 3.0)}, "prior"),  # prior does not contain the value
        ({"assumed": True, "prior": (3.0, 0.5)}, "prior"),
        ({"source": "x", "prior": (0.0, 2.0)}, "prior"),
    ],
)
def test_parameter_provenance_is_checked(kwargs, field):
    with pytest.raises(InputError) as info:
        Parameter("k", 1.0, "1/day", "a rate", **kwargs)
    assert info.value.field == field
    assert info.value.record == "k"


def test_negative_rate_constant_is_an_input_error():
    with pytest.raises(InputError, match="must be >= 0") as info:
        Parameter("k", -1.0, "1/day", "a rate", assumed=True, prior=(-2.0, 1.0))
    assert info.value.field == "value"


@pytest.mark.parametrize("rate", ["k*y", "k*x**2", "log(x)", "exp(x, 2)", "k*x if x else 0", "'a'", "k*("])
def test_bad_rate_expressions_are_rejected(rate):
    with pytest.raises(InputError) as info:
        _model(processes=[Process("x_decay", rate, {"x": -1})])
    assert info.value.field == "rate"


def test_process_must_change_a_known_species():
    with pytest.raises(InputError, match="not a species"):
        _model(processes=[Process("x_decay", "k*x", {"y": -1})])


def test_duplicate_names_are_rejected():
    with pytest.raises(InputError, match="duplicate"):
        _model(processes=[Process("k", "k*x", {"x": -1})])


def test_dose_after_end_time_names_the_field():
    with pytest.raises(InputError, match="dose after the end time") as info:
        _model(doses=[Dose(11.0, "x", 1.0)])
    assert info.value.field == "time"
    assert info.value.row == 1


@pytest.mark.parametrize(("kwargs", "field"), [({"time": -1.0}, "time"), ({"amount": -2.0}, "amount")])
def test_dose_values_are_checked(kwargs, field):
    with pytest.raises(InputError) as info:
        Dose(**{"time": 1.0, "species": "x", "amount": 1.0, **kwargs})
    assert info.value.field == field


def test_readout_names_must_exist():
    with pytest.raises(InputError, match="unknown name in readout"):
        _model(readouts=[Readout("r", "100*z", "%", "gag_content", "")])


def test_with_values_validates_and_keeps_provenance():
    model = _model()
    assert model.with_values(k=0.2).parameter("k").value == 0.2
    with pytest.raises(InputError, match="a rate constant must be >= 0") as info:
        model.with_values(k=-0.2)
    assert info.value.record == "k"
    with pytest.raises(InputError, match="unknown parameter"):
        model.with_values(q=1.0)


def test_with_values_outside_the_prior_widens_it():
    assert _model().with_values(k=5.0).parameter("k").prior == (0.1, 5.0)


def test_with_initial_and_doses():
    model = _model().with_initial(x=2.0).with_doses([Dose(1.0, "x", 1.0)], t_end=5.0)
    assert model.species[0].initial == 2.0
    assert model.t_end == 5.0
    with pytest.raises(InputError, match="unknown species"):
        model.with_initial(z=1.0)


def test_products_are_checked_against_the_vocabulary_and_the_species():
    from secretome.model import Product

    with pytest.raises(InputError, match="vocabulary product") as info:
        Product("x", "pills", "mL/kg", {"x": 1.0}, "")
    assert info.value.field == "product"
    with pytest.raises(InputError, match="vocabulary dose unit"):
        Product("x", "conditioned_medium", "spoons", {"x": 1.0}, "")
    with pytest.raises(InputError, match="positive amounts"):
        Product("x", "conditioned_medium", "mL/kg", {"x": 0.0}, "")
    with pytest.raises(InputError, match="not a species") as info:
        _model(products=[Product("cm", "conditioned_medium", "mL/kg", {"cm": 1.0}, "")])
    assert info.value.field == "composition"
    model = _model(products=[Product("cm", "conditioned_medium", "mL/kg", {"x": 2.0}, "")])
    assert model.product("cm").doses(1.0, 3.0) == (Dose(1.0, "x", 6.0),)
    with pytest.raises(InputError, match="unknown product"):
        model.product("ev")


def test_overriding_a_sourced_value_says_so():
    from secretome.model import baker2017

    p = baker2017().with_values(Fdam=0.5, n=2.0)
    assert p.parameter("Fdam").source.endswith("; overridden (published value 0)")
    assert "overridden" not in p.parameter("n").source  # same value: still the published one
