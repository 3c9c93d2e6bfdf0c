"""The casework tables as SQLAlchemy Core objects (created by migration 0003).

Personal data is never stored in clear: ``*_ct`` columns, notes and replies hold AES-GCM
ciphertext bound to their row (``casework.pii``; the ``SEALED`` places below) and ``*_index``
columns keyed HMAC blind indexes for lookups.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from casework.pii import SealedColumn
from foundation.columns import UtcDateTime
from foundation.tables import metadata

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
    Column("created_at", UtcDateTime(), nullable=False),
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
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Migration 0016: a confirmation call reached a wrong number; cleared by a contact update.
    Column("contact_check_since", UtcDateTime(), nullable=True),
)

request_versions = Table(
    "request_versions",
    metadata,
    Column("request_id", Integer, ForeignKey("requests.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("text_ct", Text, nullable=False),
    Column("author", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

request_history = Table(
    "request_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=False, index=True),
    Column("department", String(64), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("note", Text, nullable=False),
    Column("reply", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("replied_at", UtcDateTime(), nullable=True),
)

# Migration 0016: what the desk is reminded of (an overdue referral, once a day), per centre.
desk_notices = Table(
    "desk_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("centre", String(32), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    UniqueConstraint("kind", "subject", "day", name="uq_desk_notices_kind_subject_day"),
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
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", String(200), nullable=False),
    Column("provider_message_id", String(128), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Index("ix_sms_outbox_due", "status", "next_attempt_at"),
)

# Every place a ciphertext lives, with the associated data of values written before 0007.
APPLICANT_NAME = SealedColumn("applicants", "full_name_ct", legacy_field="full_name")
APPLICANT_NATIONAL_ID = SealedColumn("applicants", "national_id_ct", legacy_field="national_id")
APPLICANT_PHONE = SealedColumn("applicants", "phone_ct", legacy_field="phone")
REQUEST_TEXT = SealedColumn("request_versions", "text_ct", legacy_field="request_text")
HISTORY_NOTE = SealedColumn("request_history", "note", optional=True)
REFERRAL_NOTE = SealedColumn("referrals", "note", optional=True)
REFERRAL_REPLY = SealedColumn("referrals", "reply", optional=True)
OUTBOX_PHONE = SealedColumn("sms_outbox", "phone_ct", legacy_field="phone")
# Not an applicant's, but sealed and rotated with the same keys: a staff member's TOTP secret.
OTP_SECRET = SealedColumn("staff_second_factors", "secret")
# A coordinator's answer to a booth's help (``devices.help``), sealed by the same keys.
HELP_TEXT = SealedColumn("help_messages", "text", optional=True)
