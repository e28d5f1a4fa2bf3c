from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import secretome
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


_CLI_OPTION = re.compile(r"(?<![\w-])--[a-z]")


def _error_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of each string constant given to an error class (``...Error(...)``) in *tree*."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")).endswith("Error"):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for part in ast.walk(arg):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.append((node.lineno, part.value))
    return found


@pytest.mark.parametrize("layer", ["evidence", "meta", "model", "report", "serve"])
def test_engines_raise_errors_in_their_own_terms_not_the_clis_options(layer):
    # The CLI translates a parameter into the option that sets it (secretome.cli._OPTIONS); an engine
    # error that named '--robust' was wrong from Python and in the web workbench (issue 12).
    package = Path(secretome.__file__).parent / layer
    offending = [
        f"{path.relative_to(package.parent)}:{line}: {text!r}"
        for path in sorted(package.rglob("*.py"))
        for line, text in _error_texts(ast.parse(path.read_text(encoding="utf-8")))
        if _CLI_OPTION.search(text)
    ]
    assert offending == []
