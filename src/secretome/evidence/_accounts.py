"""Accounts of a review team: argon2id password hashes, roles, sign-in sessions and rate-limited sign-in.

- Passwords are hashed with argon2id (Biryukov, Dinu & Khovratovich 2016; RFC 9106) by argon2-cffi's
  defaults; a password is never stored or logged.
- A session is a random 256-bit token in the browser's cookie; the store keeps only its SHA-256,
  so a copy of the database signs nobody in.
- Sign-in is limited to :data:`MAX_FAILURES` failed attempts per user name, and
  :data:`MAX_FAILURES_PER_ADDRESS` per network address, within :data:`FAILURE_WINDOW`; an unknown
  user name costs the same hash as a known one, so timing does not tell which names exist.

References
----------
.. [1] Biryukov A, Dinu D, Khovratovich D, Josefsson S (2021). Argon2 Memory-Hard Function for
   Password Hashing and Proof-of-Work Applications. RFC 9106. https://doi.org/10.17487/RFC9106
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from secretome.errors import InputError, SecretomeError, check_choice
from secretome.evidence._audit import record_event
from secretome.evidence._store import Store
from secretome.evidence._workbench_models import Account, LoginAttempt, LoginSession

__all__ = [
    "FAILURE_WINDOW",
    "MAX_FAILURES",
    "MAX_FAILURES_PER_ADDRESS",
    "ROLES",
    "SESSION_LIFETIME",
    "AccountInfo",
    "SignInError",
    "add_account",
    "end_session",
    "session_account",
    "sign_in",
]

ROLES = ("reader", "reviewer", "admin")
"""Readers read; reviewers also screen and extract; admins also manage accounts and undo anyone's change."""

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD = 12
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")


class SignInError(SecretomeError):
    """A sign-in was refused: wrong name or password, a disabled account, or too many attempts."""


@functools.cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """Who is signed in: account id, user name and role."""

    id: int
    username: str
    role: str


def add_account(
    store: Store, username: str, password: str, *, role: str = "reviewer", actor: str = "admin"
) -> AccountInfo:
    """Create an account (or give an existing one a new password and role).

    Raises
    ------
    InputError
        A user name that is not 1-80 letters, digits and ``._@-`` (starting with a letter or
        digit), a password shorter than :data:`MIN_PASSWORD` characters, an unknown role.
    """
    if not _USERNAME.fullmatch(username):
        raise InputError(
            "1-80 letters, digits and ._@- starting with a letter or digit", field="username", value=username
        )
    if len(password) < MIN_PASSWORD:
        raise InputError(f"at least {MIN_PASSWORD} characters", field="password", value="*" * len(password))
    check_choice("role", role, ROLES)
    hashed = _hasher().hash(password)
    with store.session() as session:
        account = session.scalar(sa.select(Account).where(Account.username == username))
        action = "account.update" if account is not None else "account.add"
        if account is None:
            account = Account(username=username, created_at=datetime.now(UTC), disabled=False)
            session.add(account)
        account.password_hash, account.role = hashed, role
        session.flush()
        record_event(session, actor, action, f"account {username}", {"role": role})
        return AccountInfo(account.id, username, role)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(store: Store, username: str, password: str, *, address: str) -> tuple[AccountInfo, str]:
    """Check a user name and password; return the account and a new session token for the cookie.

    Raises
    ------
    SignInError
        Wrong user name or password (one message for both), a disabled account, or too many failed
        attempts for this name or address in the last :data:`FAILURE_WINDOW`.
    """
    now = datetime.now(UTC)
    since = now - FAILURE_WINDOW
    username = username[:80]
    address = address[:64]
    with store.session() as session:
        failed = sa.select(sa.func.count()).where(LoginAttempt.ok.is_(False), LoginAttempt.at >= since)
        by_name = session.scalar(failed.where(LoginAttempt.username == username)) or 0
        by_address = session.scalar(failed.where(LoginAttempt.address == address)) or 0
        if by_name >= MAX_FAILURES or by_address >= MAX_FAILURES_PER_ADDRESS:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise SignInError(f"too many failed sign-ins; try again in {minutes} minutes")
        account = session.scalar(sa.select(Account).where(Account.username == username))
        ok = _verify(account.password_hash if account is not None else None, password)
        ok = ok and account is not None and not account.disabled
        session.add(LoginAttempt(username=username, address=address, at=now, ok=ok))
        if not ok or account is None:
            # Committed even though sign-in fails: the failure must count towards the limit.
            failure = SignInError("wrong user name or password")
        else:
            token = secrets.token_urlsafe(32)
            session.add(
                LoginSession(
                    token_sha256=_token_hash(token),
                    account_id=account.id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
            return AccountInfo(account.id, account.username, account.role), token
    raise failure


def _verify(hashed: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(hashed or _dummy_hash(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def session_account(store: Store, token: str | None) -> AccountInfo | None:
    """The account signed in with *token*, or ``None`` (no token, unknown, expired or disabled)."""
    if not token or len(token) > 100:
        return None
    now = datetime.now(UTC)
    with store.session() as session:
        row = session.execute(
            sa.select(Account, LoginSession.expires_at)
            .join(LoginSession, LoginSession.account_id == Account.id)
            .where(LoginSession.token_sha256 == _token_hash(token))
        ).first()
    if row is None:
        return None
    account, expires = row
    expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    if expires <= now or account.disabled:
        return None
    return AccountInfo(account.id, account.username, account.role)


def end_session(store: Store, token: str | None) -> None:
    """Sign out: forget the session of *token*."""
    if token:
        with store.session() as session:
            session.execute(sa.delete(LoginSession).where(LoginSession.token_sha256 == _token_hash(token)))
