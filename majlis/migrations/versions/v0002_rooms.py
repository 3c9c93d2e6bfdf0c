"""Rooms: scheduled audience rooms, their event log, and used single-use token ids.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("booth_device", sa.String(length=64), nullable=False),
        sa.Column("office_device", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_slot_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rooms"),
    )
    op.create_index("ix_rooms_starts_at", "rooms", ["starts_at"])
    op.create_table(
        "room_events",
        sa.Column("room_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=64), nullable=False),
        sa.Column("push_next", sa.Boolean(), nullable=False),
        sa.Column("state_after", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_room_events_room_id_rooms"),
        sa.PrimaryKeyConstraint("room_id", "seq", name="pk_room_events"),
    )
    op.create_table(
        "used_tokens",
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name="pk_used_tokens"),
    )


def downgrade() -> None:
    op.drop_table("used_tokens")
    op.drop_table("room_events")
    op.drop_index("ix_rooms_starts_at", table_name="rooms")
    op.drop_table("rooms")
