"""Reading reported p-values: exact values, inequalities, signs."""

from __future__ import annotations

import numpy as np
import pytest

from secretome.errors import InputError
from secretome.meta import parse_p_value
from secretome.meta._p_values import one_sided, p_column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.012", (0.012, False)),
        ("P = 0.012", (0.012, False)),
        ("p=.012", (0.012, False)),
        ("P < 0.05", (0.05, True)),
        ("p<.001", (0.001, True)),
        ("P ≤ 0.01", (0.01, True)),
        ("<= 0.01", (0.01, True)),
        ("-0.03", (-0.03, False)),
        ("1e-4", (0.0001, False)),
        (0.2, (0.2, False)),
        (np.float64(0.2), (0.2, False)),
    ],
)
def test_reported_forms(text, expected):
    assert parse_p_value(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NS", "is not a p-value"),
        ("P > 0.05", "bounds the effect from above"),
        ("p = 1.3", r"must be in \[0, 1\]"),
        (True, "is not a p-value"),
    ],
)
def test_unusable_forms_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parse_p_value(text)


def test_column_keeps_missing_cells_and_names_bad_rows():
    p, bound = p_column(["0.04", None, "P < 0.01", float("nan"), ""], "pi", 5)
    assert np.isnan(p[[1, 3, 4]]).all()
    assert p[0] == 0.04
    assert bound.tolist() == [False, False, True, False, False]
    with pytest.raises(InputError, match=r"row 2, field 'pi': is not a p-value"):
        p_column(["0.04", "n.s."], "pi", 2)


def test_one_sided_keeps_the_direction():
    assert one_sided(np.array([0.04, 0.04]), np.array([1, -1])).tolist() == pytest.approx([0.02, 0.98])
