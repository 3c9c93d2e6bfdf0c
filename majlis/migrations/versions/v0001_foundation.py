"""Foundation: centres, devices, staff accounts.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_centres"),
        sa.UniqueConstraint("code", name="uq_centres_code"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('booth', 'office')", name="ck_devices_kind"),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_devices_centre_id_centres"),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("centre_id", "label", name="uq_devices_centre_label"),
    )
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('coordinator', 'office', 'supervisor', 'admin')",
            name="ck_staff_accounts_role",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_accounts"),
        sa.UniqueConstraint("username", name="uq_staff_accounts_username"),
    )


def downgrade() -> None:
    op.drop_table("staff_accounts")
    op.drop_table("devices")
    op.drop_table("centres")
