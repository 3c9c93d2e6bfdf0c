"""The retention job (``retention_job``, what ``majlis retention run`` and the server's periodic
job run) purges used join-token ids once their tokens have expired, and keeps the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis.components import audit_log, retention_job
from majlis.database import create_engine
from majlis.settings import Settings
from rooms.errors import TokenReused
from rooms.store import RoomStore
from rooms.tables import used_tokens

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


@pytest.fixture
async def engine(migrated_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_settings.effective_database_url)
    yield engine
    await engine.dispose()


async def used_token_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(used_tokens.c.token_id).order_by("token_id"))
        return list(rows.scalars())


async def test_retention_forgets_expired_token_ids_and_keeps_unexpired_ones(
    migrated_settings: Settings, engine: AsyncEngine
) -> None:
    store = RoomStore(engine)
    await store.use_token(
        "expired-yesterday", NOW - timedelta(days=1, hours=1), NOW - timedelta(days=1)
    )
    await store.use_token(
        "expired-a-minute-ago", NOW - timedelta(hours=1), NOW - timedelta(minutes=1)
    )
    await store.use_token("still-valid", NOW - timedelta(minutes=5), NOW + timedelta(hours=1))

    job = retention_job(migrated_settings, engine, audit_log(migrated_settings, engine))
    counts = await job.run(NOW)

    assert counts["used_tokens_deleted"] == 2
    assert await used_token_ids(engine) == ["still-valid"]
    with pytest.raises(TokenReused):  # the kept id still refuses a replay
        await store.use_token("still-valid", NOW, NOW + timedelta(hours=1))
