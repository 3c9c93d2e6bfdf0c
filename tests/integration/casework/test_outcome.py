"""The office's outcome of an audience: one use case, one transaction (the room's outcome and
the office's decision are stored together, or neither is)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

import scheduler.clock
from casework.lifecycle import RequestStatus
from foundation.scope import EVERY_CENTRE
from majlis.components import pii_cipher
from reference.errors import UnknownDepartment
from rooms.state import EventKind, RoomEvent
from scheduler.appointments import Appointment
from scheduler.errors import AudienceNotHeld
from scheduler.outcome import OfficeOutcome, OutcomeRecorded
from scheduler.status import AppointmentStatus
from tests.integration.casework.conftest import (
    SITTING_START,
    Office,
    admitted,
    confirmed_appointment,
)


async def record(
    office: Office,
    appointment: int,
    outcome: OfficeOutcome,
    department: str | None = None,
    note: str = "",
) -> OutcomeRecorded:
    """The office terminal's outcome of the appointment, now."""
    return await office.outcomes.record_outcome(
        appointment, outcome, department, note, "office1", office.clock.now(), scope=EVERY_CENTRE
    )


async def hold_the_audience(office: Office, appointment: int) -> None:
    room = await admitted(office, appointment)
    await office.rooms.act(room, RoomEvent(EventKind.END, "office"))


async def test_a_resolved_audience_is_heard_and_closed_at_once(office: Office) -> None:
    request_id, appointment = await confirmed_appointment(office)
    await hold_the_audience(office, appointment)

    recorded = await record(office, appointment, OfficeOutcome.RESOLVED, note="done")

    assert recorded.request_id == request_id
    assert (
        await office.schedule.appointment(appointment, scope=EVERY_CENTRE)
    ).status is AppointmentStatus.HEARD
    details = await office.views.details(request_id, scope=EVERY_CENTRE)
    assert [h["to"] for h in details.history][-2:] == ["heard", "closed"]


async def test_the_outcome_stands_when_the_clock_settles_the_room_at_the_same_moment(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen in a browser test: the office's outcome read the appointment "confirmed", the
    clock (told the room ended) took the room's outcome before the office's update, and the
    office was refused "not over yet" for an audience that had ended."""
    request_id, appointment = await confirmed_appointment(office)
    await hold_the_audience(office, appointment)
    read = scheduler.clock.load_appointment
    reads = 0

    async def clock_between(connection: AsyncConnection, appointment_id: int) -> Appointment:
        nonlocal reads
        reads += 1
        found = await read(connection, appointment_id)
        if reads == 1:  # the clock's settle, in its own transaction, before the office writes
            async with office.engine.begin() as other:
                cipher = pii_cipher(office.settings)
                now = office.clock.now()
                settle = scheduler.clock.take_outcome_in
                await settle(other, office.rooms, found, now, cipher=cipher)
        return found

    monkeypatch.setattr(scheduler.clock, "load_appointment", clock_between)
    recorded = await record(office, appointment, OfficeOutcome.FOLLOW_UP, note="call her")
    assert recorded.request_id == request_id
    assert (
        await office.schedule.appointment(appointment, scope=EVERY_CENTRE)
    ).status is AppointmentStatus.HEARD


async def test_a_referral_to_an_unknown_department_stores_nothing(office: Office) -> None:
    request_id, appointment = await confirmed_appointment(office)
    await hold_the_audience(office, appointment)
    sms_before = await office.outbox_kinds()

    with pytest.raises(UnknownDepartment):
        await record(office, appointment, OfficeOutcome.REFERRED, department="space_agency")

    # Not even the room's outcome: the clock's next tick takes it, the office can try again.
    assert (
        await office.schedule.appointment(appointment, scope=EVERY_CENTRE)
    ).status is AppointmentStatus.CONFIRMED
    assert (
        await office.views.details(request_id, scope=EVERY_CENTRE)
    ).status is RequestStatus.CONFIRMED
    assert await office.outbox_kinds() == sms_before
    await record(office, appointment, OfficeOutcome.REFERRED, department="housing")
    assert (
        await office.views.details(request_id, scope=EVERY_CENTRE)
    ).status is RequestStatus.REFERRED


async def test_an_audience_that_did_not_happen_has_no_office_outcome(office: Office) -> None:
    request_id, appointment = await confirmed_appointment(office)
    office.clock.set(SITTING_START - timedelta(minutes=5))
    await office.rooms.tick()  # opens it
    office.clock.set(SITTING_START + timedelta(minutes=6))
    await office.rooms.tick()  # the applicant never came
    assert office.rooms.room(f"appt-{appointment}").state.value == "no_show"

    with pytest.raises(AudienceNotHeld):
        await record(office, appointment, OfficeOutcome.FOLLOW_UP, note="call her")

    # The room's own outcome is kept, as the clock would keep it; the office's note is not.
    assert (
        await office.schedule.appointment(appointment, scope=EVERY_CENTRE)
    ).status is AppointmentStatus.NO_SHOW
    details = await office.views.details(request_id, scope=EVERY_CENTRE)
    assert [h["note"] for h in details.history][-1] == "no_show"
