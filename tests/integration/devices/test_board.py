"""The day board after a restart: a new DeviceService over the same database shows each
booth's last heartbeat (screen, round trip, time) without waiting for its next beat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from devices.service import BoothOnBoard, DeviceService
from foundation.scope import EVERY_CENTRE
from majlis.database import create_engine
from majlis.demo import seed_demo
from majlis.settings import Settings

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
BOOTH = "riyadh/booth-1"


@pytest.fixture
async def engine(migrated_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_settings.effective_database_url)
    await seed_demo(engine, NOW)
    yield engine
    await engine.dispose()


async def restarted(engine: AsyncEngine) -> DeviceService:
    service = DeviceService(engine)
    await service.load()
    return service


async def booths_on_the_board(service: DeviceService, now: datetime) -> dict[str, BoothOnBoard]:
    return {booth.device: booth for booth in (await service.board(now, scope=EVERY_CENTRE)).booths}


async def test_a_restarted_server_shows_each_booths_last_heartbeat(engine: AsyncEngine) -> None:
    before = await restarted(engine)
    await before.heartbeat(BOOTH, "idle", 40, NOW - timedelta(seconds=12))
    await before.heartbeat(BOOTH, "lobby", 35, NOW - timedelta(seconds=4))

    board = await booths_on_the_board(await restarted(engine), NOW)

    assert board[BOOTH] == BoothOnBoard(
        device=BOOTH,
        centre="riyadh",
        state="lobby",
        screen="lobby",
        round_trip_ms=35,
        last_seen=NOW - timedelta(seconds=4),
        revoked=False,
        device_id=(await before.by_name(BOOTH)).id,
    )
    assert board["riyadh/booth-2"].state == "offline"  # never beat
    assert board["riyadh/booth-2"].last_seen is None


async def test_a_booth_silent_since_before_the_restart_is_offline_with_its_last_screen(
    engine: AsyncEngine,
) -> None:
    await (await restarted(engine)).heartbeat(BOOTH, "live", 20, NOW - timedelta(minutes=5))

    booth = (await booths_on_the_board(await restarted(engine), NOW))[BOOTH]

    assert (booth.state, booth.screen) == ("offline", "live")
    assert booth.last_seen == NOW - timedelta(minutes=5)
