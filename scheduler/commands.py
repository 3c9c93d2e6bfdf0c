"""Scheduling use cases: sittings, booking, rescheduling, cancelling, confirmation calls (a
wrong number flags the request for contact correction), a freed slot filled from the standby
list, check-in and check-out, the applicant's rating, and a request's status change (a
cancelled request takes its appointment with it). Each is one transaction that writes the
change, the request's history and its SMS together; rooms are created or cancelled after it
commits. Booking and check-in transactions are serial (``foundation.serial_transactions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.history import change_status_in, flag_contact_in, load_request_in, note_in_history
from casework.lifecycle import RequestStatus
from casework.pii import PiiCipher
from casework.sms import SmsKind
from foundation.scope import CentreScope
from foundation.serial_transactions import serial_engine
from reference.checks import is_office_terminal_in
from scheduler.appointment_rooms import RoomPort, ensure_room, room_id_for
from scheduler.appointments import (
    Appointment,
    load_appointment,
    load_appointment_in,
    load_appointments,
    retire,
    text_about,
)
from scheduler.booking import cut_slots
from scheduler.errors import NotConfirmable, NotOnStandby, UnknownOfficeTerminal
from scheduler.occupancy import check_in_in, check_out_in
from scheduler.rebooking import priority_entries_in
from scheduler.reservations import book_in
from scheduler.standby import entries_in, take_off_in
from scheduler.status import ACTIVE_APPOINTMENT, AppointmentStatus, CallOutcome, values
from scheduler.tables import appointments, confirmation_calls, sittings, slots

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
        self._serial = serial_engine(engine)  # booking and check-in: check and write as one
        self._rooms = rooms
        self._lengths = lengths
        self._cipher = cipher  # history notes and SMS phones are sealed

    async def create_sitting(
        self, office_device: str, starts_at: datetime, ends_at: datetime, now: datetime
    ) -> int:
        starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
        cut = cut_slots(starts_at, ends_at, self._lengths.slot, self._lengths.buffer)
        async with self._engine.begin() as connection:
            if not await is_office_terminal_in(connection, office_device):
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
        self,
        request_id: int,
        slot_id: int,
        booth: str,
        actor: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> int:
        async with self._serial.begin() as connection:
            appointment_id = await book_in(
                connection, request_id, slot_id, booth, now, ignoring=None, scope=scope
            )
            await _announce(
                connection, self._cipher, appointment_id, RequestStatus.AUDIENCE_BOOKED, actor, now
            )
            return appointment_id

    async def reschedule(
        self,
        appointment_id: int,
        slot_id: int,
        booth: str,
        actor: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> int:
        async with self._serial.begin() as connection:
            await load_appointment_in(connection, appointment_id, scope)
            old = await retire(connection, appointment_id, AppointmentStatus.RESCHEDULED)
            new_id = await book_in(
                connection,
                old.request_id,
                slot_id,
                booth,
                now,
                ignoring=appointment_id,
                scope=scope,
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

    async def cancel(
        self, appointment_id: int, actor: str, now: datetime, *, scope: CentreScope
    ) -> int:
        """Cancel the appointment; the slot it freed (offered to the standby list)."""
        async with self._engine.begin() as connection:
            await load_appointment_in(connection, appointment_id, scope)
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
        return old.slot_id

    async def change_request_status(
        self,
        request_id: int,
        wanted: RequestStatus,
        actor: str,
        now: datetime,
        note: str = "",
        *,
        scope: CentreScope,
    ) -> None:
        """A coordinator's change of a request's status. A cancelled request keeps no active
        appointment: it is cancelled with the request, and its room ended (its seat tokens
        are refused from then on)."""
        async with self._engine.begin() as connection:
            await load_request_in(connection, request_id, scope)
            retired: list[Appointment] = []
            if wanted is RequestStatus.CANCELLED:
                for active in await load_appointments(
                    connection,
                    appointments.c.request_id == request_id,
                    appointments.c.status.in_(values(ACTIVE_APPOINTMENT)),
                ):
                    retired.append(await retire(connection, active.id, AppointmentStatus.CANCELLED))
            await change_status_in(
                connection, request_id, wanted, actor, now, note, cipher=self._cipher
            )
        for appointment in retired:
            await self._cancel_room(appointment.room_id, AppointmentStatus.CANCELLED)

    async def _cancel_room(self, room_id: str | None, why: AppointmentStatus) -> None:
        if room_id:
            await self._rooms.cancel_room(room_id, RETIRED_BY[why])

    # -- confirmation and standby ------------------------------------------------------------

    async def record_call(
        self, appointment_id: int, outcome: str, actor: str, now: datetime, *, scope: CentreScope
    ) -> None:
        """Log a confirmation call; "confirmed" confirms the appointment and creates its room."""
        try:
            call = CallOutcome(outcome)
        except ValueError:
            raise NotConfirmable(f"unknown call outcome {outcome[:30]!r}") from None
        async with self._engine.begin() as connection:
            appointment = await load_appointment_in(connection, appointment_id, scope)
            await connection.execute(
                insert(confirmation_calls).values(
                    appointment_id=appointment_id, outcome=call.value, actor=actor[:64], at=now
                )
            )
            if call is CallOutcome.WRONG_NUMBER:
                await flag_contact_in(
                    connection, appointment.request_id, actor, now, cipher=self._cipher
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

    async def fill_from_standby(
        self,
        slot_id: int,
        request_id: int,
        booth: str,
        actor: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> int:
        """The desk called a standby applicant (or one on the priority rebooking list) and she
        takes the freed slot: booked, off the list, and the call noted in her request's history
        — one action, one transaction."""
        async with self._serial.begin() as connection:
            await load_request_in(connection, request_id, scope)
            sitting_id = (
                await connection.execute(select(slots.c.sitting_id).where(slots.c.id == slot_id))
            ).scalar_one_or_none()
            waiting = [] if sitting_id is None else await entries_in(connection, sitting_id, scope)
            on_standby = request_id in {e.request for e in waiting}
            again = request_id in {e.request for e in await priority_entries_in(connection, scope)}
            if sitting_id is None or not (on_standby or again):
                raise NotOnStandby(f"{request_id} is not on the slot's standby list")
            appointment_id = await book_in(
                connection, request_id, slot_id, booth, now, ignoring=None, scope=scope
            )
            await take_off_in(connection, sitting_id, request_id)
            await _announce(
                connection, self._cipher, appointment_id, RequestStatus.AUDIENCE_BOOKED, actor, now
            )
            await note_in_history(
                connection,
                request_id,
                actor,
                "standby call: took a freed slot"
                if on_standby
                else "priority rebooking call: took a freed slot",
                now,
                cipher=self._cipher,
            )
            return appointment_id

    # -- the booth -------------------------------------------------------------------------------

    async def check_in(
        self, appointment_id: int, now: datetime, *, scope: CentreScope, actor: str = "desk"
    ) -> None:
        """The coordinator (``actor``) seats the applicant: her confirmed appointment goes to
        the booth, unless another applicant is seated there (``BoothOccupied``)."""
        async with self._serial.begin() as connection:
            await check_in_in(connection, self._rooms, appointment_id, now, scope, actor)

    async def check_out(self, appointment_id: int, now: datetime, *, scope: CentreScope) -> None:
        """The applicant left the booth, which may take the next one."""
        async with self._serial.begin() as connection:
            await check_out_in(connection, self._rooms, appointment_id, now, scope)

    async def rate(self, appointment_id: int, stars: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment_id, appointments.c.rating.is_(None))
                .values(rating=stars)
            )


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
