"""One root in the key directory (issue 17): two administrators' browsers registering at once
both became roots. A unique partial index keeps one; where a directory already has more, the
first registered stays the root and the others wait for an endorsement like any later key.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = sa.table("directory_keys", sa.column("id", sa.Integer), sa.column("root", sa.Boolean))
    first = sa.select(sa.func.min(keys.c.id)).where(keys.c.root).scalar_subquery()
    op.execute(keys.update().where(keys.c.root, keys.c.id != first).values(root=False))
    op.create_index(
        "uq_directory_keys_root",
        "directory_keys",
        ["root"],
        unique=True,
        sqlite_where=sa.text("root"),
        postgresql_where=sa.text("root"),
    )


def downgrade() -> None:
    op.drop_index("uq_directory_keys_root", table_name="directory_keys")
