"""A staff account given a one-time password (the first administrator made by ``majlis init``,
``majlis staff add``, ``majlis staff reset-password``) must choose its own at its next sign-in.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("must_change_password")
