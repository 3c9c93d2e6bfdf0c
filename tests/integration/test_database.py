"""majlis/database.py, migrate.py and demo.py against a real database: the SQLite file, or
PostgreSQL with ``--database=postgresql`` (``make test`` runs both)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import Connection, func, inspect, select, text

import accounts.tables
import audit.log
import casework.tables
import foundation.tables
import rooms.tables
import scheduler.tables
from devices import tables as device_tables
from foundation.tables import centres, devices, staff_accounts
from majlis.database import DatabaseNotMigrated, create_engine
from majlis.demo import seed_demo
from majlis.migrate import (
    current_revisions,
    downgrade_to,
    head_revisions,
    require_migrated,
    upgrade_to_head,
)
from majlis.settings import Settings

# What the code declares: the modules above add their tables to the foundation's metadata; the
# audit log keeps its own. A table the migrations make that no module declares shows up as a
# difference in the test below.
TABLE_MODULES = (accounts.tables, casework.tables, device_tables, rooms.tables, scheduler.tables)
DECLARED = [foundation.tables.metadata, audit.log.metadata]

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


async def test_every_migration_downgrades_to_an_empty_schema_and_upgrades_again(
    settings: Settings,
) -> None:
    engine = create_engine(settings.effective_database_url)
    try:
        await upgrade_to_head(engine)
        await downgrade_to(engine, "base")
        async with engine.connect() as connection:
            left = await connection.run_sync(schema_objects)
        await upgrade_to_head(engine)
        assert await current_revisions(engine) == head_revisions()
    finally:
        await engine.dispose()
    assert left == {"tables": ["alembic_version"], "sequences": [], "types": []}


def schema_objects(connection: Connection) -> dict[str, list[str]]:
    """The tables, and on PostgreSQL the sequences and named types, in the database."""
    inspector = inspect(connection)
    postgresql = connection.dialect.name == "postgresql"
    return {
        "tables": sorted(inspector.get_table_names()),
        "sequences": sorted(inspector.get_sequence_names()) if postgresql else [],
        "types": sorted(enum["name"] for enum in inspector.get_enums()) if postgresql else [],  # type: ignore[attr-defined]
    }


async def test_the_migrated_schema_is_what_the_code_declares(
    migrated_settings: Settings,
) -> None:
    """Tables, columns, types, nullability and indexes (partial ones on PostgreSQL) of the
    migrations match the table modules, so the code runs on the schema it was written for."""

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, DECLARED))  # type: ignore[arg-type]

    engine = create_engine(migrated_settings.effective_database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert found == []


async def test_sqlite_file_runs_in_wal_mode_with_foreign_keys(
    migrated_settings: Settings, database_url: str | None
) -> None:
    if database_url is not None:
        pytest.skip("SQLite only: PostgreSQL has no journal mode, and enforces foreign keys")
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
