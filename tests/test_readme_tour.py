"""The README's tour runs as written: every command, in order, from a folder holding examples/."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from secretome.cli import main

ROOT = Path(__file__).parents[1]


def _tour() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A short tour\n\n```bash\n(.*?)```", text, re.DOTALL)
    assert block is not None, "README.md has no tour block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.startswith("secretome ")]


def test_the_tour_lists_every_command():
    commands = {" ".join(shlex.split(line)[1:3]) for line in _tour()}
    assert {"evidence import", "evidence screen", "model cohort", "report --out"} <= commands


@pytest.mark.slow
def test_the_readme_tour_runs_as_written(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    for line in _tour():
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(shlex.split(line)[1:])
        assert code == 0, f"{line}\n{err.getvalue()}"
    assert (tmp_path / "report" / "index.html").is_file()
    assert "duplicate records removed: 4" in out.getvalue()  # the last command: evidence prisma
    written_files = ("studies.json", "refs.ris", "map.csv", "forest.svg", "by-group.pdf", "time.svg", "model.xml")
    for written in (*written_files, "albatross.svg", "tau2.svg"):
        assert (tmp_path / written).stat().st_size > 0, written
