"""Reference data is data (issue 13): request categories and departments become tables an
administrator edits; a centre gets its city and opening hours; a device can be out of service
with a reason and an expected return.

Existing installations keep every code already in use: each distinct ``requests.category`` and
``referrals.department`` becomes an active row labelled with its code (an administrator then
gives it its Arabic and English labels), so no existing request names an unknown code.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

REFERENCE_TABLES = (
    ("request_categories", "requests", "category"),
    ("departments", "referrals", "department"),
)


def upgrade() -> None:
    now = datetime.now(UTC)
    for table, used_in, column in REFERENCE_TABLES:
        created = op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("code", sa.String(64), nullable=False, unique=True),
            sa.Column("label_ar", sa.String(200), nullable=False),
            sa.Column("label_en", sa.String(200), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        )
        source = sa.table(used_in, sa.column(column))
        codes = op.get_bind().execute(sa.select(source.c[column]).distinct())
        rows = [
            {"code": c, "label_ar": c, "label_en": c, "active": True, "created_at": now}
            for (c,) in codes
        ]
        if rows:
            op.bulk_insert(created, rows)
    with op.batch_alter_table("centres") as batch:
        batch.add_column(sa.Column("city", sa.String(100), nullable=False, server_default=""))
        # Local time of the centre (Asia/Riyadh), "HH:MM"; bookings stay inside these hours.
        batch.add_column(
            sa.Column("opens_at", sa.String(5), nullable=False, server_default="08:00")
        )
        batch.add_column(
            sa.Column("closes_at", sa.String(5), nullable=False, server_default="16:00")
        )
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("out_of_service_reason", sa.String(200), nullable=True))
        batch.add_column(sa.Column("expected_back_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("expected_back_at")
        batch.drop_column("out_of_service_reason")
    with op.batch_alter_table("centres") as batch:
        batch.drop_column("closes_at")
        batch.drop_column("opens_at")
        batch.drop_column("city")
    for table, _used_in, _column in reversed(REFERENCE_TABLES):
        op.drop_table(table)
