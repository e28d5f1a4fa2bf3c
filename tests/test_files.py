from __future__ import annotations

import pytest

from secretome import atomic_write_text
from secretome.errors import StoreError


def test_atomic_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old content that is longer")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_missing_folder_is_a_store_error_naming_the_file(tmp_path):
    with pytest.raises(StoreError, match=r"file '.*nowhere/out.csv': the folder does not exist"):
        atomic_write_text(tmp_path / "nowhere" / "out.csv", "x")
