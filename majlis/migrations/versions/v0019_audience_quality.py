"""Each audience's connection quality kept with its appointment (issue 16): seconds measured,
seconds in poor quality and in voice only, and its worst 10 seconds. No personal data.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audience_quality",
        sa.Column(
            "appointment_id",
            sa.Integer(),
            sa.ForeignKey("appointments.id"),
            primary_key=True,
        ),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("poor_seconds", sa.Integer(), nullable=False),
        sa.Column("voice_only_seconds", sa.Integer(), nullable=False),
        sa.Column("worst_start_s", sa.Integer(), nullable=True),
        sa.Column("worst_poor_s", sa.Integer(), nullable=False),
        sa.Column("worst_min_booth_fps", sa.Float(), nullable=True),
        sa.Column("worst_max_loss", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audience_quality")
