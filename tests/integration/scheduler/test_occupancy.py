"""One booth holds one checked-in applicant at a time (issue 12, defect 4): the next one is
refused until the seated one's audience is over or she is checked out, and the booth's
assignment never switches to another applicant while she sits there."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from foundation.scope import EVERY_CENTRE
from rooms.state import EventKind, RoomEvent
from scheduler.errors import AudienceInProgress, BoothOccupied, NotCheckedIn, SchedulingError
from tests.integration.casework.conftest import (
    SITTING_START,
    Office,
    tomorrows_first_slot,
    valid_registration,
)

BOOTH = "riyadh/booth-1"
APPLICANTS = (
    {"national_id": "1000000008", "phone": "0501234567"},
    {"national_id": "1000000016", "phone": "0501234568"},
    {"national_id": "1000000024", "phone": "0501234569"},
)


async def two_confirmed_at_one_booth(office: Office, how_many: int = 2) -> list[int]:
    """Confirmed appointments in consecutive slots of tomorrow's sitting, all at ``BOOTH``."""
    now = office.clock.now
    first_slot = await tomorrows_first_slot(office)
    booked = []
    for n, applicant in enumerate(APPLICANTS[:how_many]):
        registered = await office.desk.register(
            valid_registration(**applicant), "c1", now(), scope=EVERY_CENTRE
        )
        appointment = await office.scheduler.book(
            registered.request_id, first_slot + n, BOOTH, "c1", now(), scope=EVERY_CENTRE
        )
        await office.scheduler.record_call(
            appointment, "confirmed", "c1", now(), scope=EVERY_CENTRE
        )
        booked.append(appointment)
    office.clock.set(SITTING_START - timedelta(minutes=20))
    return booked


async def seated(office: Office) -> int | None:
    found = await office.schedule.assignment_of(BOOTH, office.clock.now())
    return None if found is None else found.appointment


async def test_a_second_check_in_at_a_booth_is_refused_while_the_first_is_seated(
    office: Office,
) -> None:
    first, second = await two_confirmed_at_one_booth(office)
    await office.scheduler.check_in(first, office.clock.now(), scope=EVERY_CENTRE)

    with pytest.raises(BoothOccupied) as refused:
        await office.scheduler.check_in(second, office.clock.now(), scope=EVERY_CENTRE)

    assert refused.value.code == "booth_occupied"
    assert await seated(office) == first  # her screen, rating and join token stay hers


async def test_checking_her_out_frees_the_booth_for_the_next(office: Office) -> None:
    first, second = await two_confirmed_at_one_booth(office)
    await office.scheduler.check_in(first, office.clock.now(), scope=EVERY_CENTRE)

    await office.scheduler.check_out(first, office.clock.now(), scope=EVERY_CENTRE)
    assert await seated(office) is None
    await office.scheduler.check_in(second, office.clock.now(), scope=EVERY_CENTRE)

    assert await seated(office) == second
    with pytest.raises(BoothOccupied):  # she cannot be seated again over the next one
        await office.scheduler.check_in(first, office.clock.now(), scope=EVERY_CENTRE)


async def test_the_booth_is_free_once_her_audience_is_over(office: Office) -> None:
    first, second = await two_confirmed_at_one_booth(office)
    await office.scheduler.check_in(first, office.clock.now(), scope=EVERY_CENTRE)

    await office.rooms.act(f"appt-{first}", RoomEvent(EventKind.ABORT, "system", "test"))
    await office.scheduler.check_in(second, office.clock.now(), scope=EVERY_CENTRE)

    assert await seated(office) == second


async def test_checking_in_again_the_seated_one_is_allowed(office: Office) -> None:
    first, _ = await two_confirmed_at_one_booth(office)
    await office.scheduler.check_in(first, office.clock.now(), scope=EVERY_CENTRE)
    await office.scheduler.check_in(first, office.clock.now(), scope=EVERY_CENTRE)
    assert await seated(office) == first


async def test_check_out_is_refused_unless_she_is_seated_and_not_in_her_audience(
    office: Office,
) -> None:
    (first,) = await two_confirmed_at_one_booth(office, how_many=1)
    with pytest.raises(NotCheckedIn):
        await office.scheduler.check_out(first, office.clock.now(), scope=EVERY_CENTRE)
    await office.scheduler.check_in(first, office.clock.now(), scope=EVERY_CENTRE)
    office.clock.set(SITTING_START - timedelta(minutes=5))
    await office.rooms.tick()  # the room opens ten minutes before
    await office.rooms.act(f"appt-{first}", RoomEvent(EventKind.BOOTH_JOINED, "booth"))

    with pytest.raises(AudienceInProgress):
        await office.scheduler.check_out(first, office.clock.now(), scope=EVERY_CENTRE)
    assert await seated(office) == first


async def test_two_check_ins_at_one_booth_at_once_seat_one(office: Office) -> None:
    appointments = await two_confirmed_at_one_booth(office, how_many=3)
    results = await asyncio.gather(
        *(
            office.scheduler.check_in(a, office.clock.now(), scope=EVERY_CENTRE)
            for a in appointments
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, SchedulingError)]
    assert [r.code for r in refused] == ["booth_occupied"] * 2, results
    assert await seated(office) == appointments[results.index(None)]
