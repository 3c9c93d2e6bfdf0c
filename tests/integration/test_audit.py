"""The audit log's chain: every edit, deletion, reordering or cut-off tail is caught and the
first bad row named."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit.log import AuditEntry, AuditLog, Checkpoint, audit_log, row_hash, verify
from majlis.database import create_engine
from majlis.settings import Settings

START = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


@pytest.fixture
async def chain(migrated_settings: Settings) -> AsyncIterator[tuple[AsyncEngine, Checkpoint]]:
    engine = create_engine(migrated_settings.effective_database_url)
    checkpoint = Checkpoint(migrated_settings.data_dir / "audit")
    log = AuditLog(engine, checkpoint)
    for n in range(1, 11):
        entry = AuditEntry(f"coordinator{n % 2}", "request.view", f"request:{n}", "")
        await log.record(entry, START + timedelta(minutes=n))
    yield engine, checkpoint
    await engine.dispose()


async def edit_row_4(connection: AsyncConnection) -> None:
    await connection.execute(update(audit_log).where(audit_log.c.seq == 4).values(actor="nobody"))


async def delete_row_6(connection: AsyncConnection) -> None:
    await connection.execute(delete(audit_log).where(audit_log.c.seq == 6))


async def swap_rows_3_and_7(connection: AsyncConnection) -> None:
    rows = {
        r.seq: r
        for r in await connection.execute(select(audit_log).where(audit_log.c.seq.in_([3, 7])))
    }
    for mine, theirs in ((3, 7), (7, 3)):
        other = rows[theirs]
        await connection.execute(
            update(audit_log)
            .where(audit_log.c.seq == mine)
            .values(
                actor=other.actor,
                subject=other.subject,
                at=other.at,
                hash=other.hash,
                prev_hash=other.prev_hash,
            )
        )


async def cut_off_the_tail(connection: AsyncConnection) -> None:
    await connection.execute(delete(audit_log).where(audit_log.c.seq >= 9))


async def rewrite_from_row_5_with_fresh_hashes(connection: AsyncConnection) -> None:
    rows = list(await connection.execute(select(audit_log).order_by(audit_log.c.seq)))
    prev = rows[3].hash
    for row in rows[4:]:
        entry = AuditEntry(
            row.actor, row.action, "request:999" if row.seq == 5 else row.subject, row.detail
        )
        digest = row_hash(row.seq, row.at, entry, prev)
        await connection.execute(
            update(audit_log)
            .where(audit_log.c.seq == row.seq)
            .values(subject=entry.subject, prev_hash=prev, hash=digest)
        )
        prev = digest


@pytest.mark.parametrize(
    ("tamper", "bad_row", "problem"),
    [
        (edit_row_4, 4, "content was changed"),
        (delete_row_6, 6, "row 6 is missing"),
        (swap_rows_3_and_7, 3, "link to the previous row is broken"),
        (cut_off_the_tail, 9, "were cut off"),
        (rewrite_from_row_5_with_fresh_hashes, 10, "rewritten"),
    ],
)
async def test_tampering_is_caught_and_the_row_named(
    chain: tuple[AsyncEngine, Checkpoint],
    tamper: Callable[[AsyncConnection], object],
    bad_row: int,
    problem: str,
) -> None:
    engine, checkpoint = chain
    assert (await verify(engine, checkpoint)).ok
    async with engine.begin() as connection:
        await tamper(connection)  # type: ignore[misc]
    verdict = await verify(engine, checkpoint)
    assert not verdict.ok
    assert verdict.first_bad_seq == bad_row
    assert problem in verdict.problem


async def test_an_intact_chain_verifies(chain: tuple[AsyncEngine, Checkpoint]) -> None:
    engine, checkpoint = chain
    verdict = await verify(engine, checkpoint)
    assert (verdict.ok, verdict.rows) == (True, 10)


async def test_a_forged_checkpoint_is_refused(
    chain: tuple[AsyncEngine, Checkpoint], migrated_settings: Settings
) -> None:
    engine, checkpoint = chain
    path = migrated_settings.data_dir / "audit" / "checkpoint.json"
    path.write_text(path.read_text().replace('"seq": 10', '"seq": 8'))
    with pytest.raises(ValueError, match="signature"):
        await verify(engine, checkpoint)
