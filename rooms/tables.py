"""The rooms tables as SQLAlchemy Core objects (created by migration 0002 only)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table

from foundation.columns import UtcDateTime
from foundation.tables import metadata

rooms = Table(
    "rooms",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("booth_device", String(64), nullable=False),
    Column("office_device", String(64), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False, index=True),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("next_slot_starts_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

room_events = Table(
    "room_events",
    metadata,
    Column("room_id", String(64), ForeignKey("rooms.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("actor", String(16), nullable=False),
    Column("detail", String(64), nullable=False),
    Column("push_next", Boolean, nullable=False),
    Column("state_after", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

used_tokens = Table(
    "used_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("used_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
