"""majlis/database.py, migrate.py and demo.py against a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from foundation.tables import centres, devices, staff_accounts
from majlis.database import DatabaseNotMigrated, create_engine
from majlis.demo import seed_demo
from majlis.migrate import current_revisions, head_revisions, require_migrated, upgrade_to_head
from majlis.settings import Settings

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


async def test_fresh_database_is_refused_until_upgraded(settings: Settings) -> None:
    engine = create_engine(settings.effective_database_url)
    try:
        with pytest.raises(DatabaseNotMigrated, match="majlis db upgrade"):
            await require_migrated(engine)
        await upgrade_to_head(engine)
        await require_migrated(engine)
        assert await current_revisions(engine) == head_revisions()
    finally:
        await engine.dispose()


async def test_upgrade_twice_is_harmless(settings: Settings) -> None:
    engine = create_engine(settings.effective_database_url)
    try:
        await upgrade_to_head(engine)
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            count = (await connection.execute(select(func.count()).select_from(centres))).scalar()
        assert count == 0
    finally:
        await engine.dispose()


async def test_sqlite_file_runs_in_wal_mode_with_foreign_keys(
    migrated_settings: Settings,
) -> None:
    engine = create_engine(migrated_settings.effective_database_url)
    try:
        async with engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
    finally:
        await engine.dispose()
    assert mode == "wal"
    assert foreign_keys == 1
    assert (migrated_settings.data_dir / "majlis.db").exists()


async def test_demo_data_is_created_once_with_verifiable_passwords(
    migrated_settings: Settings,
) -> None:
    engine = create_engine(migrated_settings.effective_database_url)
    try:
        sign_ins = await seed_demo(engine, NOW)
        again = await seed_demo(engine, NOW)
        async with engine.connect() as connection:
            centre_codes = set((await connection.execute(select(centres.c.code))).scalars())
            device_rows = (await connection.execute(select(devices))).all()
            accounts = {
                row.username: row for row in (await connection.execute(select(staff_accounts)))
            }
    finally:
        await engine.dispose()

    assert again is None
    assert sign_ins is not None
    assert centre_codes == {"riyadh", "jeddah"}
    assert sorted(row.kind for row in device_rows) == ["booth"] * 4 + ["office"]
    roles = sorted(row.role for row in accounts.values())
    assert roles == ["admin", "coordinator", "coordinator", "office", "supervisor"]
    hasher = PasswordHasher()
    for sign_in in sign_ins:
        stored = accounts[sign_in.username].password_hash
        assert sign_in.password not in stored
        assert stored.startswith("$argon2id$")
        assert await asyncio.to_thread(hasher.verify, stored, sign_in.password)
