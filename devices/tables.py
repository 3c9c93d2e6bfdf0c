"""Tables of devices (migrations 0006, 0012, 0017, 0020); ``devices`` and ``centres`` are the
foundation's."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, text

from foundation.columns import UtcDateTime
from foundation.tables import metadata

enrollment_codes = Table(
    "enrollment_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # SHA-256 of the one-time code
    Column("device", String(64), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

device_credentials = Table(
    "device_credentials",
    metadata,
    Column("credential_hash", String(64), primary_key=True),  # SHA-256 of the credential
    Column("device", String(64), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    # The device's P-256 public key (SPKI DER, base64url; migration 0012): every call proves
    # possession of its private key. NULL for a credential enrolled before: it must re-enroll.
    Column("public_key", String(128), nullable=True),
    # An administrator's endorsement of that key (migration 0020, devices.directory): the
    # directory key that signed it and the signature (base64url r‖s), or NULL: not endorsed.
    Column("endorsed_by", Integer, ForeignKey("directory_keys.id"), nullable=True),
    Column("endorsement", String(128), nullable=True),
)

# The administrators' browsers' directory keys (migration 0020, devices.directory): public
# halves only. The first registered is the root; another is trusted once a trusted key
# endorsed it (``endorsement``: base64url r‖s over devices.directory.key_statement).
directory_keys = Table(
    "directory_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_key", String(128), nullable=False, unique=True),  # SPKI DER, base64url
    Column("holder", String(64), nullable=False),  # the administrator who registered it
    Column("created_at", UtcDateTime(), nullable=False),
    Column("root", Boolean, nullable=False),
    Column("endorsed_by", Integer, ForeignKey("directory_keys.id"), nullable=True),
    Column("endorsement", String(128), nullable=True),
    # One root at most, even when two browsers register at once (migration 0021).
    Index(
        "uq_directory_keys_root",
        "root",
        unique=True,
        sqlite_where=text("root"),
        postgresql_where=text("root"),
    ),
)

device_heartbeats = Table(
    "device_heartbeats",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("screen", String(16), nullable=False),
    Column("round_trip_ms", Integer, nullable=True),
    Index("ix_device_heartbeats_device_at", "device", "at"),  # migration 0006
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device", String(64), nullable=False, index=True),
    Column("room", String(64), nullable=True),
    Column("kind", String(24), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("handled_at", UtcDateTime(), nullable=True),
    Column("handled_by", String(64), nullable=True),
)

# What a booth's help button said and the coordinators' answers (migration 0017): ``text`` is a
# coordinator's short answer sealed to its row (the composition root's sealer), or "".
help_messages = Table(
    "help_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("room", String(64), nullable=True, index=True),
    Column("sender", String(8), nullable=False),  # booth | desk
    Column("kind", String(16), nullable=False),  # devices.help: HelpReason or ReplyKind
    Column("author", String(64), nullable=False),  # the booth's device, or the coordinator
    Column("text", Text, nullable=False),
    Column("at", UtcDateTime(), nullable=False, index=True),
)
