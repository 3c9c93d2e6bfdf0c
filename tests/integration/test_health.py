"""``/healthz`` (alive) and ``/readyz`` (ready for traffic) of the real app over TLS: ready
only while the database answers at this code's schema and the media server runs."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from majlis.app import DB_ENGINE, MEDIA, create_app
from majlis.database import create_engine
from majlis.serve import ssl_context_for
from majlis.settings import Settings
from tests.integration.conftest import wait_for


@pytest.fixture
async def app(migrated_settings: Settings) -> AsyncIterator[web.Application]:
    application = create_app(migrated_settings)
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(
        runner, "127.0.0.1", migrated_settings.port, ssl_context=ssl_context_for(migrated_settings)
    )
    await site.start()
    try:
        yield application
    finally:
        await runner.cleanup()


async def probe(settings: Settings, path: str) -> tuple[int, dict[str, Any]]:
    trust = ssl.create_default_context(cafile=str(settings.certs_dir / "ca.pem"))
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{settings.base_url}{path}", ssl=trust) as response,
    ):
        return response.status, await response.json()


def database_file(settings: Settings) -> Path:
    return settings.data_dir / "majlis.db"


def overwrite_with_garbage(database: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database.write_bytes(b"not a database" * 512)


async def test_a_started_server_is_ready(app: web.Application, migrated_settings: Settings) -> None:
    status, body = await probe(migrated_settings, "/readyz")

    assert status == 200
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "schema": "ok", "media": "ok"}


async def test_a_database_behind_the_code_is_alive_but_not_ready(
    app: web.Application, migrated_settings: Settings
) -> None:
    # Another process put the database back to an older revision (a restore gone wrong).
    other = create_engine(migrated_settings.effective_database_url)
    try:
        async with other.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0013'"))
    finally:
        await other.dispose()

    ready, body = await probe(migrated_settings, "/readyz")
    alive, _ = await probe(migrated_settings, "/healthz")

    assert ready == 503
    assert body["status"] == "not_ready"
    assert body["reasons"] == ["schema"]
    assert body["checks"]["schema"] == "not_migrated"
    assert alive == 200


async def test_an_unreadable_database_is_not_ready(
    app: web.Application, migrated_settings: Settings, database_url: str | None
) -> None:
    if database_url is not None:
        pytest.skip("spoils a SQLite file")
    engine = app[DB_ENGINE]
    await wait_for(lambda: engine.pool.checkedout() == 0, 5, "the server's queries to end")
    await engine.dispose()  # the next probe opens the file afresh
    await asyncio.to_thread(overwrite_with_garbage, database_file(migrated_settings))

    status, body = await probe(migrated_settings, "/readyz")

    assert status == 503
    assert body["reasons"] == ["database", "schema"]
    assert body["checks"]["database"] == "unreachable"


async def test_a_stopped_media_server_is_not_ready(
    app: web.Application, migrated_settings: Settings
) -> None:
    await app[MEDIA].close()

    status, body = await probe(migrated_settings, "/readyz")

    assert status == 503
    assert body["reasons"] == ["media"]
    assert body["checks"]["database"] == "ok"
