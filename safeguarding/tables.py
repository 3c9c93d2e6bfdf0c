"""The safeguarding table as a SQLAlchemy Core object (created by migration 0018).

``handling_note`` holds AES-GCM ciphertext bound to its row (``casework.pii``, ``SEALED_ROWS``
below), or "" before the alert is handled. Nothing here names the applicant: the booth, its
centre, the room and the moments.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from casework.pii import SealedColumn
from foundation.columns import UtcDateTime
from foundation.tables import metadata

safeguarding_alerts = Table(
    "safeguarding_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device", String(64), nullable=False),
    Column("centre", String(32), nullable=True, index=True),
    Column("room", String(64), nullable=True),
    Column("raised_at", UtcDateTime(), nullable=False, index=True),
    Column("withdrawn_at", UtcDateTime(), nullable=True),
    Column("acknowledged_at", UtcDateTime(), nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Column("paused_at", UtcDateTime(), nullable=True),
    Column("handled_at", UtcDateTime(), nullable=True),
    Column("handled_by", String(64), nullable=True),
    Column("handling_note", Text, nullable=False),
)

HANDLING_NOTE = SealedColumn("safeguarding_alerts", "handling_note", optional=True)
# What ``majlis keys rotate`` re-encrypts here (``casework.rekey``): table, key, sealed places.
SEALED_ROWS = ((safeguarding_alerts, ("id",), (HANDLING_NOTE,)),)
