"""Alembic migrations of the evidence store; run through :mod:`secretome.evidence._store`, not by hand."""
