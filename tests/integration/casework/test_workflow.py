"""One tracking number from registration to a no-show, with the clock driven by the test and
a restart in the middle: rooms open once, reminders go once, nothing is repeated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from casework.tables import requests
from foundation.scope import EVERY_CENTRE
from scheduler.tables import appointments
from tests.integration.casework.conftest import (
    SITTING_START,
    Office,
    confirmed_appointment,
    tomorrows_first_slot,
    valid_registration,
)


async def test_a_confirmed_appointment_opens_reminds_once_and_is_marked_no_show(
    office: Office,
) -> None:
    now = office.clock.now
    registered = await office.desk.register(
        valid_registration(), "coordinator1", now(), scope=EVERY_CENTRE
    )
    assert len(registered.tracking_number) == 10
    slot = await tomorrows_first_slot(office)
    appointment = await office.scheduler.book(
        registered.request_id, slot, "riyadh/booth-1", "coordinator1", now(), scope=EVERY_CENTRE
    )
    await office.scheduler.record_call(
        appointment, "no_answer", "coordinator1", now(), scope=EVERY_CENTRE
    )
    await office.scheduler.record_call(
        appointment, "confirmed", "coordinator1", now(), scope=EVERY_CENTRE
    )
    assert office.rooms.room(f"appt-{appointment}").state.value == "scheduled"
    assert await office.outbox_kinds() == ["registered", "booked", "confirmed"]

    office.clock.set(SITTING_START - timedelta(hours=24))
    await office.appointment_clock.tick(now())
    await office.appointment_clock.tick(now())
    await office.restart()
    await office.appointment_clock.tick(now())
    assert await office.outbox_kinds() == ["registered", "booked", "confirmed", "reminder_day"]

    office.clock.set(SITTING_START - timedelta(minutes=50))
    await office.appointment_clock.tick(now())
    await office.appointment_clock.tick(now())
    assert (await office.outbox_kinds())[-1] == "reminder_hour"

    office.clock.set(SITTING_START - timedelta(minutes=10))
    await office.rooms.tick()
    assert office.rooms.room(f"appt-{appointment}").state.value == "open"
    await office.restart()
    await office.rooms.tick()
    assert office.rooms.room(f"appt-{appointment}").state.value == "open"

    office.clock.set(SITTING_START + timedelta(minutes=5))
    await office.rooms.tick()
    assert office.rooms.room(f"appt-{appointment}").state.value == "no_show"
    await office.appointment_clock.tick(now())
    await office.restart()
    await office.appointment_clock.tick(now())
    await office.rooms.tick()
    async with office.engine.connect() as connection:
        status = (
            await connection.execute(
                select(appointments.c.status).where(appointments.c.id == appointment)
            )
        ).scalar_one()
        request_status = (
            await connection.execute(
                select(requests.c.status).where(requests.c.id == registered.request_id)
            )
        ).scalar_one()
    assert (status, request_status) == ("no_show", "under_review")
    assert await office.outbox_kinds() == [
        "registered",
        "booked",
        "confirmed",
        "reminder_day",
        "reminder_hour",
        "status_changed",
    ]
    details = await office.views.details(registered.request_id, scope=EVERY_CENTRE)
    assert [h["to"] for h in details.history] == [
        "registered",
        "audience_booked",
        "confirmed",
        "under_review",
    ]


async def test_a_late_reminder_is_not_sent(office: Office) -> None:
    now = office.clock.now
    await confirmed_appointment(office)
    office.clock.set(SITTING_START - timedelta(hours=20))  # the server was down at T-24 h
    await office.appointment_clock.tick(now())
    assert "reminder_day" not in await office.outbox_kinds()


async def test_a_referral_goes_to_a_known_department_and_its_reply_is_recorded(
    office: Office,
) -> None:
    from datetime import date

    import pytest

    from casework.lifecycle import RequestStatus
    from reference.errors import UnknownDepartment

    now = office.clock.now
    registered = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    await office.desk.change_status(
        registered.request_id, RequestStatus.UNDER_REVIEW, "c1", now(), scope=EVERY_CENTRE
    )
    with pytest.raises(UnknownDepartment):
        await office.desk.refer(
            registered.request_id,
            "space_agency",
            date(2026, 12, 20),
            "",
            "c1",
            now(),
            scope=EVERY_CENTRE,
        )
    referral = await office.desk.refer(
        registered.request_id,
        "housing",
        date(2026, 12, 20),
        "please advise",
        "c1",
        now(),
        scope=EVERY_CENTRE,
    )
    await office.desk.record_reply(referral, "support approved", "c1", now(), scope=EVERY_CENTRE)
    await office.desk.change_status(
        registered.request_id, RequestStatus.CLOSED, "c1", now(), scope=EVERY_CENTRE
    )
    details = await office.views.details(registered.request_id, scope=EVERY_CENTRE)
    assert [h["to"] for h in details.history] == [
        "registered",
        "under_review",
        "referred",
        "department_replied",
        "closed",
    ]
    assert [s.kind for s in details.sms][-1] == "closed"
    version = await office.desk.amend_text(
        registered.request_id, "Amended wording.", "booth", now(), scope=EVERY_CENTRE
    )
    assert version == 2


async def test_two_coordinators_booking_the_same_slot_at_once_get_one_booking(
    office: Office,
) -> None:
    import asyncio

    from scheduler.errors import SchedulingError

    now = office.clock.now
    first = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    second = await office.desk.register(
        valid_registration(national_id="1000000016", phone="0501234568", centre="jeddah"),
        "c2",
        now(),
        scope=EVERY_CENTRE,
    )
    slot = await tomorrows_first_slot(office)
    results = await asyncio.gather(
        office.scheduler.book(
            first.request_id, slot, "riyadh/booth-1", "c1", now(), scope=EVERY_CENTRE
        ),
        office.scheduler.book(
            second.request_id, slot, "jeddah/booth-1", "c2", now(), scope=EVERY_CENTRE
        ),
        return_exceptions=True,
    )
    booked = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, SchedulingError)]
    assert (len(booked), len(refused)) == (1, 1), results
    assert refused[0].code == "slot_taken"
    assert await office.count(appointments) == 1


async def test_a_reschedule_is_kept_in_the_history_and_texted(office: Office) -> None:
    now = office.clock.now
    registered = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    slot = await tomorrows_first_slot(office)
    appointment = await office.scheduler.book(
        registered.request_id, slot, "riyadh/booth-1", "c1", now(), scope=EVERY_CENTRE
    )
    moved = await office.scheduler.reschedule(
        appointment, slot + 1, "riyadh/booth-2", "c1", now(), scope=EVERY_CENTRE
    )
    assert moved != appointment
    details = await office.views.details(registered.request_id, scope=EVERY_CENTRE)
    assert [h["to"] for h in details.history][-1] == "audience_booked"
    assert [s.kind for s in details.sms] == ["registered", "booked", "rescheduled"]
    await office.scheduler.cancel(moved, "c1", now(), scope=EVERY_CENTRE)
    details = await office.views.details(registered.request_id, scope=EVERY_CENTRE)
    assert [s.kind for s in details.sms][-1] == "cancelled"
    assert details.status == "under_review"


async def test_cancelling_a_confirmed_appointment_ends_its_room(office: Office) -> None:
    now = office.clock.now
    registered = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    slot = await tomorrows_first_slot(office)
    appointment = await office.scheduler.book(
        registered.request_id, slot, "riyadh/booth-1", "c1", now(), scope=EVERY_CENTRE
    )
    await office.scheduler.record_call(appointment, "confirmed", "c1", now(), scope=EVERY_CENTRE)
    moved = await office.scheduler.reschedule(
        appointment, slot + 1, "riyadh/booth-1", "c1", now(), scope=EVERY_CENTRE
    )
    old_room = office.rooms.room(f"appt-{appointment}")
    assert (old_room.state.value, old_room.reason) == ("aborted", "appointment_moved")
    await office.scheduler.record_call(moved, "confirmed", "c1", now(), scope=EVERY_CENTRE)
    await office.scheduler.cancel(moved, "c1", now(), scope=EVERY_CENTRE)
    new_room = office.rooms.room(f"appt-{moved}")
    assert (new_room.state.value, new_room.reason) == ("aborted", "appointment_cancelled")
