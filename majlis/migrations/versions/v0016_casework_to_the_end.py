"""Requests to the end and slots never wasted (issue 14, branch i14-casework): the standby
list gets an order the desk sets; a request can be flagged for contact correction (a
confirmation call reached a wrong number); the desk's notices (an overdue referral's daily
reminder to the coordinators of its centre), one per subject and day.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("standby") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("requests") as batch:
        batch.add_column(
            sa.Column("contact_check_since", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "desk_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("centre", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "subject", "day", name="uq_desk_notices_kind_subject_day"),
    )


def downgrade() -> None:
    op.drop_table("desk_notices")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("contact_check_since")
    with op.batch_alter_table("standby") as batch:
        batch.drop_column("position")
