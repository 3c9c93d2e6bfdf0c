"""The rooms clock now and then loads the rooms another process scheduled (``RoomService.load``).
A load that reads the store while this process schedules a room must not put a second entry of
that room in place of the one in use: the second one, with its own event count, appended the
same event numbers again and failed on them at every tick, and the room never opened (a gate's
failure under load: ``UNIQUE constraint failed: room_events.room_id, room_events.seq``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis.components import load_keyring, room_timings
from majlis.database import create_engine
from majlis.settings import Settings
from rooms.service import DetachedMedia, RoomService
from rooms.state import TERMINAL, RoomState, RoomTimings
from rooms.store import RoomStore, Seats, StoredRoom
from tests.integration.signaling.conftest import SLOT_START, ManualClock, minutes


class HeldStore(RoomStore):
    """The real store, whose ``load_all`` waits, once the test asks, until it is let go."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.hold = False
        self.reading = asyncio.Event()
        self.go_on = asyncio.Event()

    async def load_all(
        self, timings: RoomTimings, since: datetime, known: frozenset[str] = frozenset()
    ) -> list[StoredRoom]:
        if self.hold:
            self.reading.set()
            await self.go_on.wait()
        return await super().load_all(timings, since, known)


@pytest.fixture
async def engine(migrated_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_settings.effective_database_url)
    yield engine
    await engine.dispose()


async def test_a_load_during_scheduling_keeps_the_room_in_use_and_its_clock_runs(
    migrated_settings: Settings, engine: AsyncEngine
) -> None:
    store = HeldStore(engine)
    clock = ManualClock(minutes(-20))
    rooms = RoomService(
        store,
        DetachedMedia(),
        load_keyring(migrated_settings),
        clock,
        room_timings(migrated_settings),
    )
    store.hold = True
    loading = asyncio.create_task(rooms.load())  # knows no room yet; reads the store later
    await store.reading.wait()
    await rooms.schedule("room-1", Seats("riyadh/booth-1", "office-1"), SLOT_START, minutes(6))
    clock.set(minutes(-5))
    assert await rooms.tick() == 1  # the room opens: its event 1
    store.go_on.set()
    assert await loading == 0  # it found the room, in use already

    assert rooms.room("room-1").state is RoomState.OPEN
    clock.set(SLOT_START + timedelta(minutes=7))
    assert await rooms.tick() >= 1  # the next timed events append after event 1
    assert rooms.room("room-1").state in TERMINAL  # nobody came: no-show
    events = await RoomStore(engine).events_of("room-1")
    assert events[0] == ("open", "system", "open")
    assert events[-1][2] == rooms.room("room-1").state.value
