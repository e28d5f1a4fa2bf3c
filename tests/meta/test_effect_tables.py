"""CSV tables to MH/Peto pooling, combined p-values and the change-score sensitivity: errors in the user's terms."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from secretome.errors import InputError
from secretome.meta import mantel_haenszel
from secretome.meta._effect_tables import change_sensitivity_from_csv, combine_p_from_csv, pool_counts_from_csv


def _csv(tmp_path: Path, columns: dict[str, list]) -> Path:
    path = tmp_path / "data.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def test_table_and_arrays_give_the_same_model(tmp_path):
    path = _csv(tmp_path, {"a": [4, 6, 3], "n1": [50, 60, 40], "c": [10, 12, 9], "n2": [50, 60, 40], "s": list("ABC")})
    columns = {"ai": "a", "n1i": "n1", "ci": "c", "n2i": "n2"}
    from_table = pool_counts_from_csv(path, method="MH", measure="RR", columns=columns, slab="s")
    direct = mantel_haenszel("RR", ai=[4, 6, 3], n1i=[50, 60, 40], ci=[10, 12, 9], n2i=[50, 60, 40])
    assert from_table.estimate == direct.estimate
    assert from_table.labels == ("A", "B", "C")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda p: pool_counts_from_csv(p, method="MH", measure="OR", columns={"ai": "a", "n1i": "nope"}),
            r"file '.*data.csv', field 'nope': no such column; the columns are 'a', 'n'",
        ),
        (
            lambda p: pool_counts_from_csv(p, method="MH", measure="OR", columns={"ai": "a", "n1i": "n", "ci": "a"}),
            r"file '.*data.csv', field 'di': 2x2 tables need di \(or n2i\)",
        ),
        (
            lambda p: combine_p_from_csv(p, columns={"pi": "a"}, albatross=p.with_suffix(".svg")),
            r"field 'ni': the albatross plot needs the sample sizes",
        ),
        (
            lambda p: change_sensitivity_from_csv(p, measure="SMCR", columns={"ai": "a"}, r=(0.5,)),
            r"field 'ai': is not a column of a change-score analysis",
        ),
    ],
)
def test_errors_name_file_and_column(tmp_path, call, message):
    path = _csv(tmp_path, {"a": [4, 6], "n": [50, 60]})
    with pytest.raises(InputError, match=message):
        call(path)


def test_bad_cell_is_located_in_the_users_column(tmp_path):
    path = _csv(tmp_path, {"a": [4, -1], "n": [50, 60], "c": [3, 2], "m": [50, 60]})
    columns = {"ai": "a", "n1i": "n", "ci": "c", "n2i": "m"}
    with pytest.raises(InputError, match=r"file '.*data.csv', row 2, field 'a': count must be >= 0"):
        pool_counts_from_csv(path, method="PETO", measure=None, columns=columns)
