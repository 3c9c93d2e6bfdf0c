"""The centres each staff account serves: ``staff_centres`` (account × centre code), and
``staff_accounts.all_centres`` for the accounts that serve every centre by explicit choice.

Nothing is granted here: after this upgrade an existing account serves no centre (it sees no
request, appointment, booth or alert) until its centres, or ``all_centres``, are set.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as table:
        table.add_column(
            sa.Column("all_centres", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "staff_centres",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("staff_accounts.id"), primary_key=True),
        sa.Column("centre_code", sa.String(32), sa.ForeignKey("centres.code"), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("staff_centres")
    with op.batch_alter_table("staff_accounts") as table:
        table.drop_column("all_centres")
