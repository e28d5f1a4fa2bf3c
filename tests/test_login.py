"""The login name that names who ran a command when nobody signed in."""

from __future__ import annotations

import getpass

from secretome._login import login_name


def test_the_login_name_is_the_processs_and_fits_the_audit_log(monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "kh")
    assert login_name() == "kh"
    monkeypatch.setattr(getpass, "getuser", lambda: "k" * 100)
    assert login_name() == "k" * 80  # the audit log's actor column holds 80 characters


def test_without_a_login_name_it_is_local(monkeypatch):
    def no_name() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_name)
    assert login_name() == "local"
    monkeypatch.setattr(getpass, "getuser", lambda: "")
    assert login_name() == "local"
