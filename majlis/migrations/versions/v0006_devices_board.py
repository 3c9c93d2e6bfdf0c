"""Device enrollment and credentials, heartbeats, alerts; check-in and rating of appointments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrollment_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "device_credentials",
        sa.Column("credential_hash", sa.String(64), primary_key=True),
        sa.Column("device", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "device_heartbeats",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("screen", sa.String(16), nullable=False),
        sa.Column("round_trip_ms", sa.Integer(), nullable=True),
    )
    op.create_index("ix_device_heartbeats_device_at", "device_heartbeats", ["device", "at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device", sa.String(64), nullable=False, index=True),
        sa.Column("room", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(64), nullable=True),
    )
    # Plain ADD COLUMN (no table rebuild): the partial unique indexes stay as they are.
    op.add_column("appointments", sa.Column("checked_in_at", sa.DateTime(timezone=True)))
    op.add_column("appointments", sa.Column("rating", sa.Integer()))


def downgrade() -> None:
    op.drop_column("appointments", "rating")
    op.drop_column("appointments", "checked_in_at")
    op.drop_table("alerts")
    op.drop_table("device_heartbeats")
    op.drop_table("device_credentials")
    op.drop_table("enrollment_codes")
