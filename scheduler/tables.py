"""The scheduler's tables as SQLAlchemy Core objects (created by migration 0003): sittings,
the slots cut from them, appointments, the confirmation call log and the standby list; and
each audience's connection quality, kept with its appointment (migration 0019).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, text

import casework.tables  # noqa: F401  (requests and applicants: the foreign keys below point there)
from foundation.columns import UtcDateTime
from foundation.tables import metadata

sittings = Table(
    "sittings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_device", String(64), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

slots = Table(
    "slots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sitting_id", Integer, ForeignKey("sittings.id"), nullable=False, index=True),
    Column("starts_at", UtcDateTime(), nullable=False, index=True),
    Column("ends_at", UtcDateTime(), nullable=False),
)

ACTIVE = "status IN ('booked', 'confirmed')"

appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("slot_id", Integer, ForeignKey("slots.id"), nullable=False),
    Column("booth_device", String(64), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("room_id", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("checked_in_at", UtcDateTime(), nullable=True),  # migration 0006
    Column("rating", Integer, nullable=True),  # the applicant's 1-5 at the booth
    Column("checked_out_at", UtcDateTime(), nullable=True),  # migration 0011
    # The database is the last line of the booking rules: one active booking per slot, and
    # one per booth at a time, even if two coordinators press "book" at once.
    Index(
        "uq_appointments_active_slot",
        "slot_id",
        unique=True,
        sqlite_where=text(ACTIVE),
        postgresql_where=text(ACTIVE),
    ),
    Index(
        "uq_appointments_active_booth_time",
        "booth_device",
        "starts_at",
        unique=True,
        sqlite_where=text(ACTIVE),
        postgresql_where=text(ACTIVE),
    ),
)

confirmation_calls = Table(
    "confirmation_calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("appointment_id", Integer, ForeignKey("appointments.id"), nullable=False, index=True),
    Column("outcome", String(24), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

standby = Table(
    "standby",
    metadata,
    Column("sitting_id", Integer, ForeignKey("sittings.id"), primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("added_at", UtcDateTime(), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),  # migration 0016
)

# Seconds and rates only (``scheduler.audience_quality``): nothing about who was in it.
audience_quality = Table(
    "audience_quality",
    metadata,
    Column("appointment_id", Integer, ForeignKey("appointments.id"), primary_key=True),
    Column("seconds", Integer, nullable=False),  # measured while live
    Column("poor_seconds", Integer, nullable=False),  # video or sound unusable
    Column("voice_only_seconds", Integer, nullable=False),
    Column("worst_start_s", Integer, nullable=True),  # where its worst 10 s began
    Column("worst_poor_s", Integer, nullable=False),
    Column("worst_min_booth_fps", Float, nullable=True),
    Column("worst_max_loss", Float, nullable=False),
)
