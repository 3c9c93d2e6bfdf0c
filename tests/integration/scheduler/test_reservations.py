"""Overlapping bookings do not race (issue 12, defect 9): coordinators booking at the same
moment — each through her own engine and connection to the one SQLite file, as separate
server processes would — into slots that overlap but start at different times get one
booking; the others are refused with a typed error and nothing of theirs is stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from foundation.scope import EVERY_CENTRE
from majlis.components import pii_cipher
from majlis.database import create_engine
from scheduler.commands import SchedulerCommands, SlotLengths
from scheduler.errors import SchedulingError
from scheduler.tables import appointments, slots
from tests.integration.casework.conftest import SITTING_START, Office, valid_registration

COORDINATORS = 3


@pytest.fixture
async def coordinators(office: Office) -> AsyncIterator[list[SchedulerCommands]]:
    """One scheduler per coordinator, each on an engine (and connections) of its own."""
    engines = [create_engine(office.settings.effective_database_url) for _ in range(COORDINATORS)]
    cipher = pii_cipher(office.settings)
    yield [SchedulerCommands(e, office.rooms, SlotLengths(), cipher) for e in engines]
    for engine in engines:
        await engine.dispose()


async def overlapping_slots(office: Office) -> list[int]:
    """The first slot of sittings starting two minutes apart: each overlaps the others."""
    found = []
    for n in range(COORDINATORS):
        starts_at = SITTING_START + timedelta(minutes=2 * n)
        sitting = await office.scheduler.create_sitting(
            "office-1", starts_at, starts_at + timedelta(hours=1), office.clock.now()
        )
        async with office.engine.connect() as connection:
            found.append(
                (
                    await connection.execute(
                        select(slots.c.id)
                        .where(slots.c.sitting_id == sitting)
                        .order_by(slots.c.starts_at)
                        .limit(1)
                    )
                ).scalar_one()
            )
    return found


async def booked_at_once(
    coordinators: list[SchedulerCommands], bookings: list[tuple[int, int, str]], office: Office
) -> tuple[list[int], list[str]]:
    now = office.clock.now()
    results = await asyncio.gather(
        *(
            scheduler.book(request, slot, booth, f"c{n}", now, scope=EVERY_CENTRE)
            for n, (scheduler, (request, slot, booth)) in enumerate(
                zip(coordinators, bookings, strict=True)
            )
        ),
        return_exceptions=True,
    )
    booked = [r for r in results if isinstance(r, int)]
    refused = [r.code for r in results if isinstance(r, SchedulingError)]
    assert len(booked) + len(refused) == len(results), results  # nothing untyped
    return booked, refused


async def stored_bookings(office: Office) -> int:
    async with office.engine.connect() as connection:
        return len((await connection.execute(select(appointments.c.id))).all())


async def test_one_booth_booked_at_once_into_overlapping_slots_gets_one_booking(
    office: Office, coordinators: list[SchedulerCommands]
) -> None:
    requests = [
        (
            await office.desk.register(
                valid_registration(national_id=national_id, phone=f"050123456{n}"),
                "c1",
                office.clock.now(),
                scope=EVERY_CENTRE,
            )
        ).request_id
        for n, national_id in enumerate(("1000000008", "1000000016", "1000000024"))
    ]
    bookings = [
        (request, slot, "riyadh/booth-1")
        for request, slot in zip(requests, await overlapping_slots(office), strict=True)
    ]

    booked, refused = await booked_at_once(coordinators, bookings, office)

    assert (len(booked), refused) == (1, ["booth_taken"] * (COORDINATORS - 1))
    assert await stored_bookings(office) == 1


async def test_one_applicant_booked_at_once_into_overlapping_audiences_gets_one(
    office: Office, coordinators: list[SchedulerCommands]
) -> None:
    booths = ("riyadh/booth-1", "riyadh/booth-2", "jeddah/booth-1")
    her_requests = [  # each for the centre of the booth it is booked at
        (
            await office.desk.register(
                valid_registration(text=f"Request number {n}.", centre=booths[n].split("/")[0]),
                "c1",
                office.clock.now(),
                scope=EVERY_CENTRE,
            )
        ).request_id
        for n in range(COORDINATORS)
    ]
    bookings = list(zip(her_requests, await overlapping_slots(office), booths, strict=True))

    booked, refused = await booked_at_once(coordinators, bookings, office)

    assert (len(booked), refused) == (1, ["applicant_already_booked"] * (COORDINATORS - 1))
    assert await stored_bookings(office) == 1
