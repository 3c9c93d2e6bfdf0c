"""A device credential's public key: device calls prove possession of its private key.

Credentials enrolled before have none; they are refused (``proof_required``) until the
device enrolls again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("device_credentials", sa.Column("public_key", sa.String(128)))


def downgrade() -> None:
    op.drop_column("device_credentials", "public_key")
