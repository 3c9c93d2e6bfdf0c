"""Reception (issue 14, branch i14-reception): the walk-in visits the coordination team
receives (a booth check-in is one, of purpose *audience*) and the enquiry calls it handles.
Counts and durations feed the ministry's figures; a note is sealed like the request text.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

VISIT_PURPOSES = "'new_request', 'follow_up', 'audience', 'enquiry'"
CALL_DIRECTIONS = "'in', 'out'"
CALL_PURPOSES = "'enquiry', 'follow_up', 'appointment', 'complaint'"
CALL_OUTCOMES = "'answered', 'call_back', 'referred', 'no_answer'"


def upgrade() -> None:
    op.create_table(
        "reception_visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("centre", sa.String(32), nullable=False, index=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), index=True),
        sa.Column("appointment_id", sa.Integer(), sa.ForeignKey("appointments.id"), unique=True),
        sa.Column("served_by", sa.String(64), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(f"purpose IN ({VISIT_PURPOSES})", name="purpose"),
    )
    op.create_table(
        "enquiry_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("centre", sa.String(32), nullable=False, index=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), index=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("handled_by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(f"direction IN ({CALL_DIRECTIONS})", name="direction"),
        sa.CheckConstraint(f"purpose IN ({CALL_PURPOSES})", name="purpose"),
        sa.CheckConstraint(f"outcome IN ({CALL_OUTCOMES})", name="outcome"),
        sa.CheckConstraint("duration_seconds >= 0", name="duration"),
    )


def downgrade() -> None:
    op.drop_table("enquiry_calls")
    op.drop_table("reception_visits")
