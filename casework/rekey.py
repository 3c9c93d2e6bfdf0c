"""Re-encrypting every stored personal value under the current data key (``majlis keys
rotate``), in small transactions, while the service keeps running."""

from __future__ import annotations

from sqlalchemy import Column, Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.pii import PREFIX, PiiCipher
from casework.tables import applicants, outbox, request_versions

# (table, primary key columns, {ciphertext column: field name used as associated data})
ENCRYPTED: list[tuple[Table, tuple[str, ...], dict[str, str]]] = [
    (
        applicants,
        ("id",),
        {"full_name_ct": "full_name", "national_id_ct": "national_id", "phone_ct": "phone"},
    ),
    (request_versions, ("request_id", "version"), {"text_ct": "request_text"}),
    (outbox, ("id",), {"phone_ct": "phone"}),
]
BATCH = 500


async def reencrypt_all(engine: AsyncEngine, cipher: PiiCipher) -> dict[str, int]:
    """Rows re-encrypted per table; afterwards no row uses any key but the current one."""
    done: dict[str, int] = {}
    current = f"{PREFIX}.{cipher.current_key_id}.%"
    for table, keys, fields in ENCRYPTED:
        columns: list[Column[str]] = [table.c[name] for name in fields]
        stale = or_(*(column.not_like(current) for column in columns))
        count = 0
        while True:
            async with engine.begin() as connection:
                rows = (
                    await connection.execute(
                        select(*(table.c[k] for k in keys), *columns).where(stale).limit(BATCH)
                    )
                ).all()
                for row in rows:
                    values = {
                        name: cipher.encrypt(cipher.decrypt(getattr(row, name), field), field)
                        for name, field in fields.items()
                    }
                    where = [table.c[k] == getattr(row, k) for k in keys]
                    await connection.execute(update(table).where(*where).values(**values))
            count += len(rows)
            if len(rows) < BATCH:
                break
        done[table.name] = count
    return done
