"""Notes and replies are sealed like the rest of her data: their columns become Text.

History notes, referral notes and replies now hold row-bound AES-GCM ciphertext (``pii2``),
longer than the clear text the old String(500)/String(1000) columns were sized for. The
migration has no keys (they live outside the database), so it re-encrypts nothing: existing
``pii1`` values and clear notes stay readable (``casework.pii``) until ``majlis keys rotate``
rewrites them as ``pii2``; run it once after this upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request_history") as table:
        table.alter_column("note", type_=sa.Text(), existing_type=sa.String(500))
    with op.batch_alter_table("referrals") as table:
        table.alter_column("note", type_=sa.Text(), existing_type=sa.String(1000))


def downgrade() -> None:
    # Sealed notes are longer than the old widths: PostgreSQL refuses this while any is stored.
    with op.batch_alter_table("referrals") as table:
        table.alter_column("note", type_=sa.String(1000), existing_type=sa.Text())
    with op.batch_alter_table("request_history") as table:
        table.alter_column("note", type_=sa.String(500), existing_type=sa.Text())
