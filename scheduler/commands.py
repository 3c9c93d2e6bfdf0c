"""Scheduling use cases: sittings, booking, rescheduling, cancelling, confirmation calls,
standby, check-in and the applicant's rating. Each is one transaction that writes the change,
the request's history and its SMS together; rooms are created or cancelled after it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.history import change_status_in, note_in_history
from casework.lifecycle import BOOKABLE, RequestStatus
from casework.pii import PiiCipher
from casework.sms import SmsKind
from casework.tables import requests
from foundation.tables import centres, devices
from scheduler.appointment_rooms import RoomPort, ensure_room, room_id_for
from scheduler.appointments import CHECK_IN_WINDOW, load_appointment, retire, text_about
from scheduler.booking import Booking, SlotTimes, check_booking, cut_slots
from scheduler.errors import NotConfirmable, SchedulingError, SlotTaken, UnknownOfficeTerminal
from scheduler.status import ACTIVE_APPOINTMENT, AppointmentStatus, CallOutcome, values
from scheduler.tables import appointments, confirmation_calls, sittings, slots, standby

RETIRED_BY = {  # why a reschedule or cancellation ends the old appointment's room
    AppointmentStatus.RESCHEDULED: "appointment_moved",
    AppointmentStatus.CANCELLED: "appointment_cancelled",
}


@dataclass(frozen=True)
class SlotLengths:
    slot: timedelta = timedelta(minutes=6)
    buffer: timedelta = timedelta(minutes=2)


class SchedulerCommands:
    def __init__(
        self, engine: AsyncEngine, rooms: RoomPort, lengths: SlotLengths, cipher: PiiCipher
    ) -> None:
        self._engine = engine
        self._rooms = rooms
        self._lengths = lengths
        self._cipher = cipher  # history notes and SMS phones are sealed

    async def create_sitting(
        self, office_device: str, starts_at: datetime, ends_at: datetime, now: datetime
    ) -> int:
        starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
        cut = cut_slots(starts_at, ends_at, self._lengths.slot, self._lengths.buffer)
        async with self._engine.begin() as connection:
            if not await _is_office_terminal(connection, office_device):
                raise UnknownOfficeTerminal("no office terminal of that name")
            sitting_id = (
                await connection.execute(
                    insert(sittings)
                    .values(
                        office_device=office_device,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        created_at=now,
                    )
                    .returning(sittings.c.id)
                )
            ).scalar_one()
            await connection.execute(
                insert(slots),
                [
                    {"sitting_id": sitting_id, "starts_at": s.starts_at, "ends_at": s.ends_at}
                    for s in cut
                ],
            )
        return int(sitting_id)

    # -- booking -------------------------------------------------------------------------------

    async def book(
        self, request_id: int, slot_id: int, booth: str, actor: str, now: datetime
    ) -> int:
        async with self._engine.begin() as connection:
            appointment_id = await _book_in(
                connection, request_id, slot_id, booth, now, ignoring=None
            )
            await _announce(
                connection, self._cipher, appointment_id, RequestStatus.AUDIENCE_BOOKED, actor, now
            )
            return appointment_id

    async def reschedule(
        self, appointment_id: int, slot_id: int, booth: str, actor: str, now: datetime
    ) -> int:
        async with self._engine.begin() as connection:
            old = await retire(connection, appointment_id, AppointmentStatus.RESCHEDULED)
            new_id = await _book_in(
                connection, old.request_id, slot_id, booth, now, ignoring=appointment_id
            )
            if old.status is AppointmentStatus.CONFIRMED:  # the new time needs its own call
                await change_status_in(
                    connection,
                    old.request_id,
                    RequestStatus.AUDIENCE_BOOKED,
                    actor,
                    now,
                    note="rescheduled",
                    cipher=self._cipher,
                    announce=False,
                )
            else:
                await note_in_history(
                    connection, old.request_id, actor, "rescheduled", now, cipher=self._cipher
                )
            new = await load_appointment(connection, new_id)
            await text_about(
                connection, self._cipher, new, SmsKind.RESCHEDULED, f"rescheduled:{new_id}", now
            )
        await self._cancel_room(old.room_id, AppointmentStatus.RESCHEDULED)
        return new_id

    async def cancel(self, appointment_id: int, actor: str, now: datetime) -> None:
        async with self._engine.begin() as connection:
            old = await retire(connection, appointment_id, AppointmentStatus.CANCELLED)
            await change_status_in(
                connection,
                old.request_id,
                RequestStatus.UNDER_REVIEW,
                actor,
                now,
                note="appointment cancelled",
                cipher=self._cipher,
                announce=False,
            )
            await text_about(
                connection, self._cipher, old, SmsKind.CANCELLED, f"cancelled:{appointment_id}", now
            )
        await self._cancel_room(old.room_id, AppointmentStatus.CANCELLED)

    async def _cancel_room(self, room_id: str | None, why: AppointmentStatus) -> None:
        if room_id:
            await self._rooms.cancel_room(room_id, RETIRED_BY[why])

    # -- confirmation and standby ------------------------------------------------------------

    async def record_call(
        self, appointment_id: int, outcome: str, actor: str, now: datetime
    ) -> None:
        """Log a confirmation call; "confirmed" confirms the appointment and creates its room."""
        try:
            call = CallOutcome(outcome)
        except ValueError:
            raise NotConfirmable(f"unknown call outcome {outcome[:30]!r}") from None
        async with self._engine.begin() as connection:
            appointment = await load_appointment(connection, appointment_id)
            await connection.execute(
                insert(confirmation_calls).values(
                    appointment_id=appointment_id, outcome=call.value, actor=actor[:64], at=now
                )
            )
            if call is not CallOutcome.CONFIRMED:
                return
            if appointment.status is not AppointmentStatus.BOOKED:
                raise NotConfirmable("only a booked appointment can be confirmed")
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment_id)
                .values(
                    status=AppointmentStatus.CONFIRMED.value, room_id=room_id_for(appointment_id)
                )
            )
            await _announce(
                connection, self._cipher, appointment_id, RequestStatus.CONFIRMED, actor, now
            )
        await ensure_room(self._engine, self._rooms, appointment_id)

    async def add_standby(self, sitting_id: int, request_id: int, now: datetime) -> None:
        async with self._engine.begin() as connection:
            try:
                await connection.execute(
                    insert(standby).values(
                        sitting_id=sitting_id, request_id=request_id, added_at=now
                    )
                )
            except IntegrityError:
                return  # already on the list

    # -- the booth -------------------------------------------------------------------------------

    async def check_in(self, appointment_id: int, now: datetime) -> None:
        """The coordinator seats the applicant: her confirmed appointment goes to the booth."""
        async with self._engine.begin() as connection:
            appointment = await load_appointment(connection, appointment_id)
            if appointment.status is not AppointmentStatus.CONFIRMED:
                raise NotConfirmable("only a confirmed appointment can be checked in")
            if abs(appointment.starts_at - now) > CHECK_IN_WINDOW:
                raise NotConfirmable("check-in opens an hour before the appointment")
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment_id)
                .values(checked_in_at=now)
            )

    async def rate(self, appointment_id: int, stars: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment_id, appointments.c.rating.is_(None))
                .values(rating=stars)
            )


async def _book_in(
    connection: AsyncConnection,
    request_id: int,
    slot_id: int,
    booth: str,
    now: datetime,
    ignoring: int | None,
) -> int:
    slot = (await connection.execute(select(slots).where(slots.c.id == slot_id))).first()
    if slot is None:
        raise SlotTaken(f"no slot {slot_id}")
    request = (
        await connection.execute(
            select(requests.c.status, requests.c.applicant_id).where(requests.c.id == request_id)
        )
    ).first()
    if request is None:
        raise SchedulingError(f"no request {request_id}")
    times = SlotTimes(slot.starts_at, slot.ends_at)
    status = RequestStatus(request.status)
    bookable = status in BOOKABLE or (
        ignoring is not None and status in (RequestStatus.AUDIENCE_BOOKED, RequestStatus.CONFIRMED)
    )
    check_booking(
        slot_id=slot_id,
        slot=times,
        booth=booth,
        booth_in_service=await _booth_in_service(connection, booth),
        applicant_id=request.applicant_id,
        request_bookable=bookable,
        active=await _active_near(connection, times),
        now=now,
        ignoring=ignoring,
    )
    try:
        return int(
            (
                await connection.execute(
                    insert(appointments)
                    .values(
                        request_id=request_id,
                        slot_id=slot_id,
                        booth_device=booth,
                        starts_at=times.starts_at,
                        status=AppointmentStatus.BOOKED.value,
                        created_at=now,
                    )
                    .returning(appointments.c.id)
                )
            ).scalar_one()
        )
    except IntegrityError:  # another coordinator booked it a moment ago
        raise SlotTaken(f"slot {slot_id} or booth {booth} was just booked") from None


async def _announce(
    connection: AsyncConnection,
    cipher: PiiCipher,
    appointment_id: int,
    status: RequestStatus,
    actor: str,
    now: datetime,
) -> None:
    appointment = await load_appointment(connection, appointment_id)
    await change_status_in(
        connection,
        appointment.request_id,
        status,
        actor,
        now,
        cipher=cipher,
        sms_key=f"{status.value}:{appointment_id}",
        when=appointment.starts_at,
        centre=appointment.centre,
    )


async def _is_office_terminal(connection: AsyncConnection, name: str) -> bool:
    """An office terminal has no centre: its name is its label (``office-1``)."""
    found = await connection.execute(
        select(devices.c.id).where(
            devices.c.label == name,
            devices.c.centre_id.is_(None),
            devices.c.kind == "office",
        )
    )
    return found.first() is not None


async def _booth_in_service(connection: AsyncConnection, booth: str) -> bool:
    centre_code, _, label = booth.partition("/")
    row = (
        await connection.execute(
            select(devices.c.in_service)
            .join(centres, centres.c.id == devices.c.centre_id)
            .where(
                and_(
                    centres.c.code == centre_code,
                    devices.c.label == label,
                    devices.c.kind == "booth",
                )
            )
        )
    ).first()
    return bool(row and row.in_service)


async def _active_near(connection: AsyncConnection, slot: SlotTimes) -> list[Booking]:
    window = timedelta(hours=12)
    rows = await connection.execute(
        select(appointments, slots.c.ends_at, requests.c.applicant_id)
        .join(slots, slots.c.id == appointments.c.slot_id)
        .join(requests, requests.c.id == appointments.c.request_id)
        .where(
            appointments.c.status.in_(values(ACTIVE_APPOINTMENT)),
            appointments.c.starts_at > slot.starts_at - window,
            appointments.c.starts_at < slot.ends_at + window,
        )
    )
    return [
        Booking(r.id, r.slot_id, r.booth_device, r.starts_at, r.ends_at, r.applicant_id)
        for r in rows
    ]
