"""The tables the web workbench adds to the evidence store (schema revision 0004).

::

    study 1──* study_facet        (facet, value): one row per value a study has on a filter axis
          1──1 study_index        what the study list sorts and searches on, and the document's digest
    account 1──* login_session    a signed-in browser: the SHA-256 of its cookie token, never the token
    login_attempt                 every sign-in attempt, for rate limiting by user name and address
    audit_event                   who changed what and when (web edits, undos, accounts, sign-ins)

``study_facet`` and ``study_index`` are derived from ``study.document`` by
:func:`~secretome.evidence.sync_facets` and can always be rebuilt from it; they exist so that the
study list filters and pages 10,000 studies with indexed SQL instead of parsing every document.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from secretome.evidence._models import Base

__all__ = ["Account", "AuditEvent", "LoginAttempt", "LoginSession", "StudyFacet", "StudyIndex"]


class StudyFacet(Base):
    """One value of one filter axis of a study (``facet`` names the axis: design, species, ...)."""

    __tablename__ = "study_facet"
    __table_args__ = (sa.Index("ix_study_facet_facet_value", "facet", "value"),)

    study_id: Mapped[str] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(60), primary_key=True)


class StudyIndex(Base):
    """The sort keys and search text of a study, and the SHA-256 of the document they came from."""

    __tablename__ = "study_index"

    study_id: Mapped[str] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.Text)
    first_author: Mapped[str | None] = mapped_column(sa.Text)
    year: Mapped[int | None] = mapped_column(index=True)
    design: Mapped[str] = mapped_column(sa.String(40))
    n_results: Mapped[int]
    # Lower-cased id, title, authors, journal, DOI and PMID: what the text search matches.
    search_text: Mapped[str] = mapped_column(sa.Text)


class Account(Base):
    """A member of a review team: user name, argon2id password hash and role (reader, reviewer, admin)."""

    __tablename__ = "account"
    __table_args__ = (sa.CheckConstraint("role IN ('reader', 'reviewer', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(default=False)


class LoginSession(Base):
    """A signed-in browser; the cookie holds a random token and the store only its SHA-256."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class LoginAttempt(Base):
    """One sign-in attempt, kept to limit the rate of attempts per user name and per address."""

    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ok: Mapped[bool]


class AuditEvent(Base):
    """Who did what to which object and when; ``detail`` keeps what is needed to show or reverse it."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(40))
    target: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[dict] = mapped_column(sa.JSON)
