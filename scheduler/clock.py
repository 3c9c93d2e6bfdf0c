"""What time does to appointments: rooms for confirmed ones, reminders a day and an hour
before, and the outcome of a finished room taken into the appointment and its request.

Derived from database state on every tick (restart-safe): a reminder's SMS has a unique
idempotency key, so a second tick — or a restarted process — cannot send it twice; a room's
id comes from its appointment, so it is created once; an outcome is taken only from a
confirmed appointment, so it is taken once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.history import change_status_in
from casework.lifecycle import RequestStatus
from casework.pii import PiiCipher
from casework.sms import SmsKind
from rooms.degraded import TECHNICAL_FAILURE
from rooms.errors import UnknownRoom
from rooms.state import RoomState
from scheduler.appointment_rooms import RoomPort, ensure_room, room_id_for
from scheduler.appointments import Appointment, load_appointment, load_appointments, text_about
from scheduler.status import AppointmentStatus
from scheduler.tables import appointments

log = logging.getLogger(__name__)

DAY_BEFORE = timedelta(hours=24)
HOUR_BEFORE = timedelta(hours=1)
REMINDER_WINDOW = timedelta(minutes=30)  # a reminder later than this is not sent at all
LOOK_BACK = timedelta(hours=6)  # finished rooms whose outcome may still be waiting
OUTCOME_OF_ROOM = {
    RoomState.ENDED: AppointmentStatus.HEARD,
    RoomState.NO_SHOW: AppointmentStatus.NO_SHOW,
    RoomState.ABORTED: AppointmentStatus.ABORTED,
}


class AppointmentClock:
    def __init__(self, engine: AsyncEngine, rooms: RoomPort, cipher: PiiCipher) -> None:
        self._engine = engine
        self._rooms = rooms
        self._cipher = cipher

    async def tick(self, now: datetime) -> None:
        """Rooms for confirmed appointments, reminders, outcomes of finished rooms."""
        async with self._engine.connect() as connection:
            confirmed = await load_appointments(
                connection,
                appointments.c.status == AppointmentStatus.CONFIRMED.value,
                appointments.c.starts_at <= now + DAY_BEFORE,
                appointments.c.starts_at >= now - LOOK_BACK,
            )
        for appointment in confirmed:
            try:
                await ensure_room(self._engine, self._rooms, appointment.id)
                await self._remind(appointment, now)
                if room_outcome(self._rooms, appointment) is not None:
                    async with self._engine.begin() as connection:
                        await take_outcome_in(
                            connection, self._rooms, appointment, now, cipher=self._cipher
                        )
            except Exception:  # one bad appointment must not stop the others' reminders
                log.exception("scheduler tick failed for appointment %s", appointment.id)

    async def _remind(self, appointment: Appointment, now: datetime) -> None:
        for kind, before in (
            (SmsKind.REMINDER_DAY, DAY_BEFORE),
            (SmsKind.REMINDER_HOUR, HOUR_BEFORE),
        ):
            due_at = appointment.starts_at - before
            if not due_at <= now < due_at + REMINDER_WINDOW:
                continue
            try:
                async with self._engine.begin() as connection:
                    key = f"{kind.value}:{appointment.id}"
                    await text_about(connection, self._cipher, appointment, kind, key, now)
            except IntegrityError:
                continue  # sent on an earlier tick

    async def settle(self, appointment_id: int, now: datetime) -> Appointment:
        """Take a finished room's outcome now rather than at the next tick; the appointment
        as it is afterwards."""
        async with self._engine.begin() as connection:
            return await settle_in(
                connection, self._rooms, appointment_id, now, cipher=self._cipher
            )


def room_outcome(rooms: RoomPort, appointment: Appointment) -> AppointmentStatus | None:
    """The outcome the appointment's room has come to, if it has finished."""
    try:
        room = rooms.room(room_id_for(appointment.id))
    except UnknownRoom:
        return None  # not created yet: nothing to take
    if room.state is RoomState.ABORTED and room.reason == TECHNICAL_FAILURE:
        return AppointmentStatus.TECHNICAL_FAILURE
    return OUTCOME_OF_ROOM.get(room.state)


async def settle_in(
    connection: AsyncConnection,
    rooms: RoomPort,
    appointment_id: int,
    now: datetime,
    *,
    cipher: PiiCipher,
) -> Appointment:
    """``AppointmentClock.settle`` inside the caller's transaction. The appointment is read
    again afterwards whether or not this call took the outcome: the clock's own settle may
    have taken it between the first read and the update (the office's outcome then found the
    stale "confirmed" and was refused as not over, although the room had ended)."""
    appointment = await load_appointment(connection, appointment_id)
    await take_outcome_in(connection, rooms, appointment, now, cipher=cipher)
    return await load_appointment(connection, appointment_id)


async def take_outcome_in(
    connection: AsyncConnection,
    rooms: RoomPort,
    appointment: Appointment,
    now: datetime,
    *,
    cipher: PiiCipher,
) -> bool:
    """If the appointment's room has finished, write its outcome into the appointment and the
    request (heard, or back under review) with the request's SMS — after a technical failure,
    an apology saying she will be called to rebook. True if it did."""
    outcome = room_outcome(rooms, appointment)
    if outcome is None:
        return False
    changed = await connection.execute(
        update(appointments)
        .where(
            appointments.c.id == appointment.id,
            appointments.c.status == AppointmentStatus.CONFIRMED.value,
        )
        .values(status=outcome.value)
    )
    if changed.rowcount != 1:
        return False  # taken on an earlier tick
    heard = outcome is AppointmentStatus.HEARD
    failed = outcome is AppointmentStatus.TECHNICAL_FAILURE
    await change_status_in(
        connection,
        appointment.request_id,
        RequestStatus.HEARD if heard else RequestStatus.UNDER_REVIEW,
        "scheduler",
        now,
        note=outcome.value,
        cipher=cipher,
        sms_key=f"outcome:{appointment.id}",
        # Back under review and first on the priority rebooking list (``rebooking``).
        kind=SmsKind.TECHNICAL_FAILURE if failed else None,
    )
    return True
