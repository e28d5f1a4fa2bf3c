"""Who is asking, what they may do, and whether a form really came from our page.

- Local mode (a SQLite store, bound to loopback): one user, no sign-in, acting as an admin under the
  reviewer name given to ``secretome serve``.
- Team mode (PostgreSQL): every page needs a signed-in account (:func:`~secretome.evidence.sign_in`);
  roles rank reader < reviewer < admin.
- Read-only mode: everyone reads, nobody writes (no write route exists at all).

CSRF: every browser gets a random ``secretome_csrf`` cookie; every form carries
HMAC-SHA256(server secret, that cookie) and a POST without the matching token is refused (the
"double-submit cookie" of the OWASP CSRF prevention cheat sheet, signed, so a token cannot be made
without the server's secret). Cookies are ``HttpOnly``, ``SameSite=Strict`` and ``Secure``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request

from secretome.evidence import AccountInfo

__all__ = [
    "CSRF_COOKIE",
    "RANKS",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "csrf_ok",
    "csrf_token",
    "may",
    "new_csrf_seed",
]

CSRF_COOKIE = "secretome_csrf"
SESSION_COOKIE = "secretome_session"
RANKS = {"reader": 0, "reviewer": 1, "admin": 2}

SECURITY_HEADERS = {
    # Scripts and styles only from our own files: an injected <script> or on* attribute cannot run.
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def new_csrf_seed() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def csrf_token(secret: bytes, seed: str) -> str:
    """The token forms carry for a browser whose CSRF cookie is *seed*."""
    return hmac.new(secret, seed.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, request: Request, submitted: object) -> bool:
    """Whether *submitted* is the token of this browser's CSRF cookie (compared in constant time)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(csrf_token(secret, seed), submitted)


def may(user: AccountInfo | None, role: str) -> bool:
    """Whether *user* holds *role* or a higher one."""
    return user is not None and RANKS[user.role] >= RANKS[role]
