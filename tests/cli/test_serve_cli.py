"""``secretome serve`` and ``secretome user add``: parse, call one function, print; bad input exits 2."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from secretome.cli import main

SYNTHETIC_CORPUS = Path(__file__).parents[1] / "evidence" / "data" / "corpus"


@pytest.fixture
def db(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'evidence.db'}"
    assert main(["evidence", "init", "--db", url, "--corpus", str(SYNTHETIC_CORPUS)]) == 0
    capsys.readouterr()
    return url


@pytest.fixture
def served(monkeypatch) -> list:
    """The settings each `secretome serve` would have served (the server itself is not started)."""
    import secretome.serve

    started: list = []
    monkeypatch.setattr(secretome.serve, "run_server", started.append)
    return started


def test_serve_binds_loopback_on_port_8000_and_passes_its_options(served, db):
    assert main(["serve"]) == 0
    assert main(["serve", "--db", db, "--port", "8123", "--reviewer", "kh", "--order", "store"]) == 0
    assert main(["serve", "--db", db, "--read-only"]) == 0
    bundled, local, read_only = served
    assert (bundled.host, bundled.port, bundled.db, bundled.mode) == ("127.0.0.1", 8000, None, "read_only")
    assert (local.host, local.port, local.db, local.reviewer, local.order, local.mode) == (
        "127.0.0.1", 8123, db, "kh", "store", "local"
    )  # fmt: skip
    assert read_only.mode == "read_only"


def test_a_sqlite_store_served_beyond_loopback_is_exit_2(served, db, capsys):
    assert main(["serve", "--db", db, "--host", "0.0.0.0"]) == 2
    assert "field '--host': a SQLite store has no sign-in, so it is served on loopback only" in capsys.readouterr().err
    assert main(["serve", "--port", "0"]) == 2
    assert served == []


def test_user_add_reads_the_password_from_stdin_and_the_account_signs_in(db, monkeypatch, capsys):
    from secretome.evidence import audit_log, open_store, sign_in

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "add", "kh", "--db", db, "--role", "admin"]) == 0
    assert capsys.readouterr().out.startswith("account kh (admin) saved in sqlite:///")
    with open_store(db) as store:
        account, _ = sign_in(store, "kh", "correct horse battery", address="127.0.0.1")
        (event,) = [e for e in audit_log(store).entries if e.action == "account.add"]
    assert (account.role, event.actor, event.target) == ("admin", "secretome user add", "account kh")
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "rs", "--db", db]) == 2
    assert "field 'password': at least" in capsys.readouterr().err
