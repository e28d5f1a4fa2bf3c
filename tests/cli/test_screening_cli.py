"""``secretome evidence screen --next`` and ``secretome evidence simulate``: parse, call, print; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secretome.cli import main

TESTS = Path(__file__).parents[1]
SYNTHETIC_CORPUS = TESTS / "evidence" / "data" / "corpus"
DEDUPE_RIS = TESTS / "evidence" / "data" / "imports" / "dedupe.ris"


@pytest.fixture
def db(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'evidence.db'}"
    assert main(["evidence", "init", "--db", url, "--corpus", str(SYNTHETIC_CORPUS)]) == 0
    assert main(["evidence", "import", str(DEDUPE_RIS), "--db", url]) == 0
    assert main(["evidence", "dedupe", "--db", url]) == 0
    capsys.readouterr()
    return url


def _screen(db: str, record: int, decision: str) -> int:
    argv = ["evidence", "screen", "--db", db, "--record", str(record), "--decision", decision]
    return main([*argv, "--stage", "title-abstract", "--by", "KH", "--reason", "test"])


def test_next_lists_the_ranked_records_and_the_stopping_rules(db, capsys):
    assert _screen(db, 2, "include") == 0
    assert _screen(db, 1, "exclude") == 2  # record 1 is a duplicate of 2: screening it is refused
    assert _screen(db, 6, "exclude") == 0
    capsys.readouterr()
    assert main(["evidence", "screen", "--db", db, "--next", "2"]) == 0
    out = capsys.readouterr().out
    assert "trained on 1 included and 1 excluded records" in out
    assert "stopping rule knee: continue" in out
    assert "stopping rule hypergeometric: continue" in out
    assert main(["evidence", "screen", "--db", db, "--next", "2", "--format", "json"]) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in ranking["records"]] == [1, 2]
    assert {r["record_id"] for r in ranking["records"]}.isdisjoint({2, 6})


def test_next_before_any_decision_is_one_line_and_exit_2(db, capsys):
    assert main(["evidence", "screen", "--db", db, "--next", "5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "at least one included and one excluded record" in err


def test_simulate_prints_the_metrics_and_writes_the_outputs(tmp_path, capsys):
    rows = ["title,abstract,included"]
    rows += [f"mesenchymal secretome cartilage rat {i},exosomes knee osteoarthritis,1" for i in range(6)]
    rows += [f"tax reform policy {i},court ruling,0" for i in range(30)]
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "sim"
    assert main(["evidence", "simulate", str(labelled), "--seeds", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "36 records, 6 included; svm, query max; 2 seeds" in printed
    assert "WSS@95" in printed
    assert sorted(p.name for p in out.iterdir()) == ["recall.png", "runs.csv", "simulation.json"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title,abstract\na,b\nc,d\ne,f\n", "no label column"),
        ("title,included\na,1\nb,1\nc,1\n", "has 3 included, 0 excluded"),
        ("title,included\na,1\nb,maybe\nc,0\n", "row 3"),
    ],
)
def test_simulate_bad_input_is_one_line_and_exit_2(tmp_path, capsys, text, message):
    labelled = tmp_path / "labelled.csv"
    labelled.write_text(text, encoding="utf-8")
    assert main(["evidence", "simulate", str(labelled)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert message in err
