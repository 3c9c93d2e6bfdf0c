"""Alembic migrations of the Majlis schema (the only way the schema changes)."""
