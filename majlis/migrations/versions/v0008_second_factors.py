"""Admins and supervisors sign in with a second factor (TOTP): ``staff_second_factors``.

The secret is sealed with the personal-data keys and bound to its row; the migration has no
keys and writes no row: the demo's accounts are enrolled by ``majlis init --demo``, every
other admin or supervisor at the first sign-in after this upgrade.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_second_factors",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("staff_accounts.id"), primary_key=True),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("staff_second_factors")
