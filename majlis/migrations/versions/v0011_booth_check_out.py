"""An appointment's check-out: the applicant left the booth, which may take the next one.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild): the partial unique indexes stay as they are.
    op.add_column("appointments", sa.Column("checked_out_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("appointments", "checked_out_at")
