"""Re-encrypting every stored personal value under the current data key (``majlis keys
rotate``), in small transactions, while the service keeps running.

The same pass turns what was written before migration 0007 into row-bound ciphertext:
``pii1`` values (bound to a field name only) and notes or replies still in plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, ColumnElement, Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.tables import staff_second_factors
from casework.pii import PREFIX, PiiCipher, RowKey, SealedColumn
from casework.tables import (
    APPLICANT_NAME,
    APPLICANT_NATIONAL_ID,
    APPLICANT_PHONE,
    HELP_TEXT,
    HISTORY_NOTE,
    OTP_SECRET,
    OUTBOX_PHONE,
    REFERRAL_NOTE,
    REFERRAL_REPLY,
    REQUEST_TEXT,
    applicants,
    outbox,
    referrals,
    request_history,
    request_versions,
)
from devices.tables import help_messages

# (table, primary key columns, the sealed places of its rows)
SealedRows = tuple[Table, tuple[str, ...], tuple[SealedColumn, ...]]
ENCRYPTED: list[SealedRows] = [
    (applicants, ("id",), (APPLICANT_NAME, APPLICANT_NATIONAL_ID, APPLICANT_PHONE)),
    (request_versions, ("request_id", "version"), (REQUEST_TEXT,)),
    (request_history, ("id",), (HISTORY_NOTE,)),
    (referrals, ("id",), (REFERRAL_NOTE, REFERRAL_REPLY)),
    (outbox, ("id",), (OUTBOX_PHONE,)),
    (staff_second_factors, ("account_id",), (OTP_SECRET,)),
    (help_messages, ("id",), (HELP_TEXT,)),
]
BATCH = 500


def _stale(column: Column[str], where: SealedColumn, current: str) -> ColumnElement[bool]:
    """Not yet sealed row-bound under the current key ("" and NULL notes have nothing)."""
    if where.optional:
        return and_(column.is_not(None), column != "", column.not_like(current))
    return column.not_like(current)


def _resealed(
    cipher: PiiCipher, stored: str | None, where: SealedColumn, row: RowKey
) -> str | None:
    if stored is None or (where.optional and stored == ""):
        return stored
    return cipher.seal(cipher.unseal(stored, where, row), where, row)


async def reencrypt_all(
    engine: AsyncEngine, cipher: PiiCipher, more: Sequence[SealedRows] = ()
) -> dict[str, int]:
    """Rows re-encrypted per table (``ENCRYPTED``, and the sealed rows of packages above this
    one, ``more``); afterwards no row uses any key but the current one."""
    done: dict[str, int] = {}
    current = f"{PREFIX}.{cipher.current_key_id}.%"
    for table, keys, places in (*ENCRYPTED, *more):
        columns: list[Column[str]] = [table.c[where.column] for where in places]
        stale = or_(*(_stale(table.c[w.column], w, current) for w in places))
        count = 0
        while True:
            async with engine.begin() as connection:
                rows = (
                    await connection.execute(
                        select(*(table.c[k] for k in keys), *columns).where(stale).limit(BATCH)
                    )
                ).all()
                for row in rows:
                    key_values = tuple(int(getattr(row, k)) for k in keys)
                    row_key: RowKey = key_values[0] if len(key_values) == 1 else key_values
                    values = {
                        w.column: _resealed(cipher, getattr(row, w.column), w, row_key)
                        for w in places
                    }
                    where = [table.c[k] == getattr(row, k) for k in keys]
                    await connection.execute(update(table).where(*where).values(**values))
            count += len(rows)
            if len(rows) < BATCH:
                break
        done[table.name] = count
    return done
