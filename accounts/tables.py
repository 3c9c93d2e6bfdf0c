"""Tables of staff sign-in (migration 0005); ``staff_accounts`` belongs to the foundation."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from foundation.columns import UtcDateTime
from foundation.tables import metadata

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's token
    Column("account_id", Integer, ForeignKey("staff_accounts.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
)

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("client", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_sign_in_failures_username_at", "username", "at"),
    Index("ix_sign_in_failures_client_at", "client", "at"),
)
