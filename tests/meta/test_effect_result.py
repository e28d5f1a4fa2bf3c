"""The EffectSizes result: its views, and the NA rules it applies for every measure."""

from __future__ import annotations

import json

import numpy as np
import pytest

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import escalc
from secretome.meta._effect_result import optional_column


def test_tidy_table_has_one_row_per_study_with_its_flags():
    with pytest.warns(SecretomeWarning):
        es = escalc("OR", ai=[0, 4, None], n1i=[10, 10, 10], ci=[2, 3, 3], n2i=[10, 10, 10], labels=["A", "B", "C"])
    frame = es.to_frame()
    assert frame.columns.tolist() == ["label", "measure", "yi", "vi", "source", "bound", "corrected", "na_reason"]
    assert frame["label"].tolist() == ["A", "B", "C"]
    assert (frame["measure"] == "OR").all()
    assert frame["corrected"].tolist() == [True, False, False]
    assert frame["na_reason"].tolist() == ["", "", "missing input"]
    assert frame["source"].tolist() == ["counts", "counts", ""]


def test_json_and_text_views():
    with pytest.warns(SecretomeWarning):
        es = escalc("SMD", pi=["P < 0.05", 0.3], direction=[1, -1], n1i=[10, 12], n2i=[10, 12])
    data = json.loads(json.dumps(es.to_dict()))
    assert data["bound"] == [True, False]
    assert data["measure"] == "SMD"
    text = es.summary()
    assert text.startswith("Effect sizes (measure: SMD; k = 2)")
    assert "bound" in text.splitlines()[3]


def test_arrays_are_read_only():
    es = escalc("MD", m1i=[2.0], sd1i=[1.0], n1i=[5], m2i=[1.0], sd2i=[1.0], n2i=[5])
    with pytest.raises(ValueError, match="read-only"):
        es.yi[0] = 0.0
    assert not es.bound.flags.writeable


def test_optional_column_reads_missing_cells_but_not_text():
    assert np.isnan(optional_column([1, None, "", float("nan")], "m1i", 4)[1:]).all()
    with pytest.raises(InputError, match=r"row 2, field 'm1i': is not a number \(got 'x'\)"):
        optional_column([1, "x"], "m1i", 2)
    with pytest.raises(InputError, match=r"row 1, field 'm1i': is not finite"):
        optional_column([float("inf")], "m1i", 1)
