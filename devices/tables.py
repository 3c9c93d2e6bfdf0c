"""Tables of devices (migration 0006); ``devices`` and ``centres`` belong to the foundation."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

enrollment_codes = Table(
    "enrollment_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # SHA-256 of the one-time code
    Column("device", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

device_credentials = Table(
    "device_credentials",
    metadata,
    Column("credential_hash", String(64), primary_key=True),  # SHA-256 of the credential
    Column("device", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

device_heartbeats = Table(
    "device_heartbeats",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("screen", String(16), nullable=False),
    Column("round_trip_ms", Integer, nullable=True),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device", String(64), nullable=False, index=True),
    Column("room", String(64), nullable=True),
    Column("kind", String(24), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=True),
    Column("handled_by", String(64), nullable=True),
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
