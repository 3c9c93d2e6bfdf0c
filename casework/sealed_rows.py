"""Inserting a row whose ciphertexts are bound to its own id (``casework.pii``).

The id is known only once the row exists, so the row is inserted with its sealed columns
empty and sealed by an update in the same transaction: the clear value never reaches the
database, and a reader never sees the empty row (the caller's transaction commits both).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Table, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.pii import PiiCipher, SealedColumn


async def insert_sealed(
    connection: AsyncConnection,
    cipher: PiiCipher,
    table: Table,
    values: Mapping[str, object],
    sealed: Mapping[SealedColumn, str],
) -> int:
    """The new row's id; an optional column (a note) left "" stays "" (nothing to hide)."""
    if any(where.table != table.name for where in sealed):
        raise ValueError(f"a sealed column is not in {table.name}")
    empty = {where.column: "" for where in sealed}
    row_id = int(
        (
            await connection.execute(insert(table).values(**values, **empty).returning(table.c.id))
        ).scalar_one()
    )
    filled = {
        where.column: cipher.seal(value, where, row_id)
        for where, value in sealed.items()
        if value or not where.optional
    }
    if filled:
        await connection.execute(update(table).where(table.c.id == row_id).values(**filled))
    return row_id
