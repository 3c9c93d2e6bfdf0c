"""A cancelled request keeps no audience (issue 12): its active appointment is cancelled with
it and its room ended, so a seat token issued before is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.errors import IllegalStatusChange
from casework.lifecycle import RequestStatus
from foundation.scope import EVERY_CENTRE
from rooms.errors import NotPermitted
from scheduler.tables import appointments
from tests.integration.casework.conftest import (
    SITTING_START,
    Office,
    confirmed_appointment,
    valid_registration,
)


async def appointment_status(office: Office, appointment: int) -> str:
    async with office.engine.connect() as connection:
        return str(
            (
                await connection.execute(
                    select(appointments.c.status).where(appointments.c.id == appointment)
                )
            ).scalar_one()
        )


async def test_cancelling_a_request_cancels_its_appointment_and_ends_its_room(
    office: Office,
) -> None:
    request, appointment = await confirmed_appointment(office)
    booth_token = office.rooms.issue_join_token(f"appt-{appointment}", "booth")
    office_token = office.rooms.issue_join_token(f"appt-{appointment}", "office")

    await office.scheduler.change_request_status(
        request,
        RequestStatus.CANCELLED,
        "c1",
        office.clock.now(),
        "she withdrew it",
        scope=EVERY_CENTRE,
    )

    assert (await office.views.details(request, scope=EVERY_CENTRE)).status == "cancelled"
    assert await appointment_status(office, appointment) == "cancelled"
    room = office.rooms.room(f"appt-{appointment}")
    assert (room.state.value, room.reason) == ("aborted", "appointment_cancelled")
    office.clock.set(SITTING_START - timedelta(minutes=5))  # when the tokens would work
    for token, role in ((booth_token, "booth"), (office_token, "office")):
        with pytest.raises(NotPermitted):
            await office.rooms.admit_token(token, role)


async def test_a_cancelled_requests_slot_can_be_booked_by_another(office: Office) -> None:
    request, appointment = await confirmed_appointment(office)
    await office.scheduler.change_request_status(
        request, RequestStatus.CANCELLED, "c1", office.clock.now(), scope=EVERY_CENTRE
    )
    slot = (await office.schedule.appointment(appointment, scope=EVERY_CENTRE)).slot_id
    other = await office.desk.register(
        valid_registration(national_id="1000000016", phone="0501234568"),
        "c1",
        office.clock.now(),
        scope=EVERY_CENTRE,
    )
    taken = await office.scheduler.book(
        other.request_id, slot, "riyadh/booth-1", "c1", office.clock.now(), scope=EVERY_CENTRE
    )
    assert await appointment_status(office, taken) == "booked"


async def test_a_refused_status_change_cancels_nothing(office: Office) -> None:
    request, appointment = await confirmed_appointment(office)
    with pytest.raises(IllegalStatusChange):
        await office.scheduler.change_request_status(
            request, RequestStatus.CLOSED, "c1", office.clock.now(), scope=EVERY_CENTRE
        )
    assert await appointment_status(office, appointment) == "confirmed"
    assert office.rooms.room(f"appt-{appointment}").state.value == "scheduled"
