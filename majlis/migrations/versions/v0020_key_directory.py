"""The key directory (issue 17): administrators' browsers' directory keys, and each device
key's endorsement by one of them (devices.directory). Public keys and signatures only.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_key", sa.String(128), nullable=False, unique=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("root", sa.Boolean(), nullable=False),
        sa.Column("endorsed_by", sa.Integer(), sa.ForeignKey("directory_keys.id"), nullable=True),
        sa.Column("endorsement", sa.String(128), nullable=True),
    )
    with op.batch_alter_table("device_credentials") as batch:
        batch.add_column(
            sa.Column(
                "endorsed_by",
                sa.Integer(),
                sa.ForeignKey("directory_keys.id", name="fk_device_credentials_endorsed_by"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("endorsement", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device_credentials") as batch:
        batch.drop_column("endorsement")
        batch.drop_column("endorsed_by")
    op.drop_table("directory_keys")
