"""Tables of staff sign-in (migrations 0005, 0008); ``staff_accounts`` belongs to the foundation."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
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

# An admin's or supervisor's TOTP factor (``accounts.second_factor``): one row per account,
# pending (shown, not yet confirmed by a code) until ``enrolled_at`` is set.
staff_second_factors = Table(
    "staff_second_factors",
    metadata,
    Column("account_id", Integer, ForeignKey("staff_accounts.id"), primary_key=True),
    Column("secret", Text, nullable=False),  # sealed, bound to this row (casework.pii)
    Column("enrolled_at", UtcDateTime(), nullable=True),
    Column("pending_until", UtcDateTime(), nullable=True),
    Column("last_step", BigInteger, nullable=True),  # the last accepted 30 s step: no replay
)
