"""Her safety and her choice (issue 16, branch i16-safety): the booth's discreet safeguarding
alerts, with how each was handled (sealed like request text). Voice only needs no column: it
is a room event (``voice_only``/``video_back`` in ``room_events``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safeguarding_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("centre", sa.String(32), nullable=True),
        sa.Column("room", sa.String(64), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(64), nullable=True),
        sa.Column("handling_note", sa.Text(), nullable=False),
    )
    op.create_index("ix_safeguarding_alerts_centre", "safeguarding_alerts", ["centre"])
    op.create_index("ix_safeguarding_alerts_raised_at", "safeguarding_alerts", ["raised_at"])


def downgrade() -> None:
    op.drop_index("ix_safeguarding_alerts_raised_at", "safeguarding_alerts")
    op.drop_index("ix_safeguarding_alerts_centre", "safeguarding_alerts")
    op.drop_table("safeguarding_alerts")
