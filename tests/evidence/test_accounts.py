"""Accounts of a team store: argon2id password hashes, sign-in and its rate limit, sessions (both backends)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from secretome.evidence import (
    MAX_FAILURES,
    MAX_FAILURES_PER_ADDRESS,
    SignInError,
    add_account,
    session_account,
    sign_in,
)
from secretome.evidence._store import create_store
from secretome.evidence._workbench_models import Account, LoginAttempt

PASSWORD = "correct horse battery"


@pytest.fixture
def store(store_url):
    with create_store(store_url) as created:
        add_account(created, "kh", PASSWORD, role="reviewer")
        yield created


def test_a_password_is_stored_as_an_argon2id_hash_that_argon2_verifies(store):
    from argon2 import PasswordHasher

    with store.session() as session:
        stored = session.scalar(sa.select(Account.password_hash).where(Account.username == "kh"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)  # argon2-cffi itself reads the stored hash
    account, token = sign_in(store, "kh", PASSWORD, address="127.0.0.1")
    assert (account.username, account.role) == ("kh", "reviewer")
    assert session_account(store, token) == account
    assert session_account(store, token + "x") is None


def test_a_name_is_locked_after_its_failed_sign_ins_even_with_the_right_password(store):
    for attempt in range(MAX_FAILURES):  # from different addresses: the limit is the name's
        with pytest.raises(SignInError, match="wrong user name or password"):
            sign_in(store, "kh", "not the password", address=f"10.0.0.{attempt}")
    with pytest.raises(SignInError, match="too many failed sign-ins; try again in 15 minutes"):
        sign_in(store, "kh", PASSWORD, address="10.0.1.1")
    with store.session() as session:  # the refused attempt was not even checked, so not recorded
        assert session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == MAX_FAILURES


def test_an_address_is_locked_after_its_failed_sign_ins_under_any_names(store):
    for attempt in range(MAX_FAILURES_PER_ADDRESS):  # unknown names: each fails as a wrong password does
        with pytest.raises(SignInError, match="wrong user name or password"):
            sign_in(store, f"guess{attempt}", PASSWORD, address="10.0.0.7")
    with pytest.raises(SignInError, match="too many failed sign-ins"):
        sign_in(store, "kh", PASSWORD, address="10.0.0.7")
    account, _ = sign_in(store, "kh", PASSWORD, address="10.0.0.8")  # another address is let in
    assert account.username == "kh"
