"""Talking to the booth (issue 14, branch i14-help): what a booth's help button said (sound,
picture, a coordinator, other) and the coordinator's answers (a short text or "on my way"),
kept with the alert and its audience room; a text is sealed like the request text.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SENDERS = "'booth', 'desk'"
KINDS = "'sound', 'picture', 'coordinator', 'something_else', 'text', 'on_my_way'"


def upgrade() -> None:
    op.create_table(
        "help_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id"), nullable=False, index=True),
        sa.Column("room", sa.String(64), nullable=True, index=True),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.CheckConstraint(f"sender IN ({SENDERS})", name="sender"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind"),
    )


def downgrade() -> None:
    op.drop_table("help_messages")
