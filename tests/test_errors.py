from __future__ import annotations

import pytest

from secretome.errors import ConvergenceError, InputError, NumericalError, SecretomeError, StoreError, check_choice


def test_input_error_names_every_location_part_in_order():
    err = InputError("must be > 0", file="data.csv", row=3, field="vi", value=-0.5)
    assert str(err) == "file 'data.csv', row 3, field 'vi': must be > 0 (got -0.5)"
    assert (err.file, err.row, err.field, err.value) == ("data.csv", 3, "vi", -0.5)


def test_input_error_can_name_a_record_and_a_missing_value():
    err = InputError("missing", record="chen-2019-cm", field="reference.year", value=None)
    assert str(err) == "record 'chen-2019-cm', field 'reference.year': missing (got None)"


def test_the_tree_lets_callers_catch_by_kind():
    assert issubclass(InputError, ValueError)
    assert issubclass(StoreError, InputError)
    assert issubclass(ConvergenceError, NumericalError)
    assert issubclass(NumericalError, ArithmeticError)
    assert all(issubclass(e, SecretomeError) for e in (InputError, StoreError, ConvergenceError))


def test_check_choice_lists_the_allowed_values():
    with pytest.raises(InputError, match=r"field 'test': must be one of 'z', 'knha' \(got 't'\)"):
        check_choice("test", "t", ["z", "knha"])
