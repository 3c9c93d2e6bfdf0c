"""The reception tables as SQLAlchemy Core objects (created by migration 0015).

``note`` columns hold AES-GCM ciphertext bound to their row (``casework.pii``; the ``SEALED``
places below), or "" for no note. ``appointment_id`` points at ``appointments.id``: the key
is declared by the table's name only (the one ``metadata`` resolves it), so this package does
not import the scheduler above it.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text

import casework.tables  # noqa: F401  (requests: the foreign keys below point there)
from casework.pii import SealedColumn
from foundation.columns import UtcDateTime
from foundation.tables import metadata
from reception.kinds import CallDirection, CallOutcome, CallPurpose, VisitPurpose, sql_list

visits = Table(
    "reception_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("centre", String(32), nullable=False, index=True),
    Column("purpose", String(16), nullable=False),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=True, index=True),
    # A booth check-in's visit: one per appointment, however often she is checked in.
    Column("appointment_id", Integer, ForeignKey("appointments.id"), nullable=True, unique=True),
    Column("served_by", String(64), nullable=False),
    Column("arrived_at", UtcDateTime(), nullable=False, index=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("note", Text, nullable=False),
    CheckConstraint(f"purpose IN ({sql_list(VisitPurpose)})", name="purpose"),
)

enquiry_calls = Table(
    "enquiry_calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("centre", String(32), nullable=False, index=True),
    Column("direction", String(3), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("request_id", Integer, ForeignKey("requests.id"), nullable=True, index=True),
    Column("duration_seconds", Integer, nullable=False),
    Column("handled_by", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("note", Text, nullable=False),
    CheckConstraint(f"direction IN ({sql_list(CallDirection)})", name="direction"),
    CheckConstraint(f"purpose IN ({sql_list(CallPurpose)})", name="purpose"),
    CheckConstraint(f"outcome IN ({sql_list(CallOutcome)})", name="outcome"),
    CheckConstraint("duration_seconds >= 0", name="duration"),
)

VISIT_NOTE = SealedColumn("reception_visits", "note", optional=True)
CALL_NOTE = SealedColumn("enquiry_calls", "note", optional=True)
# What ``majlis keys rotate`` re-encrypts here (``casework.rekey``): table, key, sealed places.
SEALED_ROWS = (
    (visits, ("id",), (VISIT_NOTE,)),
    (enquiry_calls, ("id",), (CALL_NOTE,)),
)
