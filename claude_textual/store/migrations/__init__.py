"""Alembic migrations for the history database (run by ``store.engine``, never by hand)."""
