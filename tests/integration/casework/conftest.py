"""Desk and scheduler use cases and views on a real migrated SQLite file, with a clock the
test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.commands import CaseworkCommands, Registration, StatusLookupLimiter
from casework.outbox import Dispatcher, SmsProvider
from casework.tables import outbox
from casework.tracking import TrackingNumbers
from casework.views import CaseworkViews
from foundation.scope import EVERY_CENTRE
from majlis.components import load_keyring, pii_cipher, room_timings
from majlis.database import create_engine
from majlis.demo import seed_demo
from majlis.settings import Settings
from rooms.service import DetachedMedia, RoomService
from rooms.state import EventKind, RoomEvent
from rooms.store import RoomStore
from scheduler.clock import AppointmentClock
from scheduler.commands import SchedulerCommands, SlotLengths
from scheduler.outcome import AudienceOutcomes
from scheduler.views import SchedulerViews
from tests.integration.signaling.conftest import ManualClock

# Tomorrow's sitting, seen from the day before: 09:00 UTC is 12:00 in Riyadh.
SITTING_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def valid_registration(**changes: str) -> Registration:
    fields = {
        "full_name": "Noura Al-Qahtani",
        "national_id": "1000000008",
        "phone": "0501234567",
        "language": "ar",
        "centre": "riyadh",
        "category": "housing",
        "text": "A request about housing support.",
    }
    fields.update(changes)
    return Registration(**fields)


@dataclass
class Office:
    """Everything the desk and the scheduler are built from, wired as ``majlis/app.py`` does."""

    settings: Settings
    engine: AsyncEngine
    clock: ManualClock
    rooms: RoomService
    desk: CaseworkCommands
    views: CaseworkViews
    scheduler: SchedulerCommands
    schedule: SchedulerViews
    appointment_clock: AppointmentClock
    outcomes: AudienceOutcomes

    @classmethod
    def build(
        cls, settings: Settings, engine: AsyncEngine, clock: ManualClock, rooms: RoomService
    ) -> Office:
        desk = new_desk(engine, settings)
        cipher = pii_cipher(settings)
        return cls(
            settings,
            engine,
            clock,
            rooms,
            desk,
            CaseworkViews(engine, cipher),
            SchedulerCommands(engine, rooms, SlotLengths(), cipher),
            SchedulerViews(engine, rooms),
            AppointmentClock(engine, rooms, cipher),
            AudienceOutcomes(engine, rooms, desk, cipher),
        )

    async def restart(self) -> None:
        """New service objects on the same database, as after a process restart."""
        rooms = new_rooms(self.settings, self.engine, self.clock)
        await rooms.load()
        restarted = Office.build(self.settings, self.engine, self.clock, rooms)
        self.__dict__.update(restarted.__dict__)

    def dispatcher(self, provider: SmsProvider) -> Dispatcher:
        return Dispatcher(self.engine, provider, pii_cipher(self.settings))

    async def outbox_kinds(self) -> list[str]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(outbox.c.kind).order_by(outbox.c.id))
            return [r.kind for r in rows]

    async def count(self, table: object) -> int:
        async with self.engine.connect() as connection:
            return int(
                (await connection.execute(select(func.count()).select_from(table))).scalar_one()  # type: ignore[arg-type]
            )


def new_rooms(settings: Settings, engine: AsyncEngine, clock: ManualClock) -> RoomService:
    return RoomService(
        RoomStore(engine),
        DetachedMedia(),
        load_keyring(settings),
        clock,
        room_timings(settings),
    )


def new_desk(engine: AsyncEngine, settings: Settings) -> CaseworkCommands:
    return CaseworkCommands(
        engine,
        TrackingNumbers(b"tracking key for the tests!!"),
        StatusLookupLimiter(),
        pii_cipher(settings),
    )


@pytest.fixture
async def office(migrated_settings: Settings) -> AsyncIterator[Office]:
    engine = create_engine(migrated_settings.effective_database_url)
    clock = ManualClock(SITTING_START - timedelta(days=1, hours=2))
    await seed_demo(engine, clock.now())
    office = Office.build(
        migrated_settings, engine, clock, new_rooms(migrated_settings, engine, clock)
    )
    try:
        yield office
    finally:
        await engine.dispose()


async def tomorrows_first_slot(office: Office) -> int:
    """A one-hour sitting of office-1 tomorrow; the id of its first slot."""
    from scheduler.tables import slots

    now = office.clock.now()
    sitting = await office.scheduler.create_sitting(
        "office-1", SITTING_START, SITTING_START + timedelta(hours=1), now
    )
    async with office.engine.connect() as connection:
        first = (
            (
                await connection.execute(
                    select(slots.c.id).where(slots.c.sitting_id == sitting).order_by(slots.c.id)
                )
            )
            .scalars()
            .first()
        )
    assert first is not None
    return int(first)


async def confirmed_appointment(office: Office) -> tuple[int, int]:
    """A confirmed appointment tomorrow: (request id, appointment id)."""
    now = office.clock.now
    registered = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    slot = await tomorrows_first_slot(office)
    appointment = await office.scheduler.book(
        registered.request_id, slot, "riyadh/booth-1", "c1", now(), scope=EVERY_CENTRE
    )
    await office.scheduler.record_call(appointment, "confirmed", "c1", now(), scope=EVERY_CENTRE)
    return registered.request_id, appointment


async def admitted(office: Office, appointment: int) -> str:
    """The appointment's audience under way: its room opened, the booth in, checked and
    admitted; the room's id."""
    room = f"appt-{appointment}"
    office.clock.set(SITTING_START - timedelta(minutes=5))
    await office.rooms.tick()  # opens it
    for kind in (EventKind.BOOTH_JOINED, EventKind.PREFLIGHT_PASSED, EventKind.ADMIT):
        await office.rooms.act(room, RoomEvent(kind, "office"))
    return room
