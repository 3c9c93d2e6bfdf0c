"""The desk's and scheduler's tables as SQLAlchemy Core objects (created by migration 0003).

Personal data is never stored in clear: ``*_ct`` columns hold AES-GCM ciphertext
(``desk.pii``) and ``*_index`` columns keyed HMAC blind indexes for lookups.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

applicants = Table(
    "applicants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("full_name_ct", Text, nullable=False),
    Column("national_id_ct", Text, nullable=False),
    Column("national_id_index", String(64), nullable=False, unique=True),
    Column("phone_ct", Text, nullable=False),
    Column("phone_index", String(64), nullable=False, index=True),
    Column("language", String(2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

requests = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tracking_number", String(10), nullable=True, unique=True),
    Column("applicant_id", Integer, ForeignKey("applicants.id"), nullable=False, index=True),
    Column("centre", String(32), nullable=False),
    Column("category", String(64), nullable=False),
    Column("status", String(24), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

request_versions = Table(
    "request_versions",
    metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("text_ct", Text, nullable=False),
    Column("author", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

request_history = Table(
    "request_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("note", String(500), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("department", String(64), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("note", String(1000), nullable=False),
    Column("reply", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("replied_at", DateTime(timezone=True), nullable=True),
)

outbox = Table(
    "sms_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(96), nullable=False, unique=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=True, index=True),
    Column("phone_ct", Text, nullable=False),
    Column("language", String(2), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("body", Text, nullable=False),
    Column("encoding", String(8), nullable=False),
    Column("segments", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", String(200), nullable=False),
    Column("provider_message_id", String(128), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_sms_outbox_due", "status", "next_attempt_at"),
)

sittings = Table(
    "sittings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_device", String(64), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

slots = Table(
    "slots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sitting_id", Integer, ForeignKey("sittings.id"), nullable=False, index=True),
    Column("starts_at", DateTime(timezone=True), nullable=False, index=True),
    Column("ends_at", DateTime(timezone=True), nullable=False),
)

ACTIVE = "status IN ('booked', 'confirmed')"

appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("slot_id", Integer, ForeignKey("slots.id"), nullable=False),
    Column("booth_device", String(64), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("room_id", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("checked_in_at", DateTime(timezone=True), nullable=True),  # migration 0006
    Column("rating", Integer, nullable=True),  # the applicant's 1-5 at the booth
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
    Column("at", DateTime(timezone=True), nullable=False),
)

standby = Table(
    "standby",
    metadata,
    Column("sitting_id", Integer, ForeignKey("sittings.id"), primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

# Read-only views of the foundation's tables (owned by majlis/schema.py).
centres = Table(
    "centres",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("name_ar", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("centre_id", Integer, ForeignKey("centres.id"), nullable=True),
    Column("label", String(64), nullable=False),
    Column("in_service", Boolean, nullable=False),
)
