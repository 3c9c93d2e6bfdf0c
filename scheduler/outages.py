"""A booth out of service, and back: the appointments it affects and moving one of them to
another booth of the centre at the same time.

Setting a booth out of service records why and when it should be back (``devices``), and
answers the booth's active appointments from now on (booked or confirmed, not yet held): the
coordinator moves each (``move``) or reschedules it (``SchedulerCommands.reschedule``).
Booking and check-in refuse the booth while it is out (``booth_out_of_service``). A booth is
not set out of service while an audience runs at it (``booth_in_audience``): that audience is
ended first, or the booth waits until it has (the office's screen, not this one, ends it).

A move retires the appointment (``rescheduled``) and books its slot at the other booth in
one serial transaction, so the booking rules decide whether the booth is free then; a
confirmed appointment stays confirmed (same time: no new call), its room is replaced by the
new appointment's, and the applicant gets the SMS of the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.history import note_in_history
from casework.pii import PiiCipher
from casework.sms import SmsKind
from casework.tables import requests
from casework.tracking import format_tracking_number
from devices.errors import UnknownDevice
from devices.service import Device, DeviceService
from foundation.scope import CentreScope, centre_of_device
from foundation.serial_transactions import serial_engine
from foundation.tables import devices
from scheduler.appointment_rooms import RoomPort, audience_under_way, ensure_room, room_id_for
from scheduler.appointments import (
    load_appointment,
    load_appointment_in,
    load_appointments,
    retire,
    text_about,
)
from scheduler.errors import AudienceInProgress, BoothInAudience, NotABooth, SameBooth
from scheduler.reservations import book_in, booth_service_state
from scheduler.status import ACTIVE_APPOINTMENT, AppointmentStatus, values
from scheduler.tables import appointments, slots

# An audience can run past its slot (extensions): a booth's appointments this far back are
# asked whether their audience is still under way.
LONGEST_AUDIENCE = timedelta(hours=2)


@dataclass(frozen=True)
class AffectedAppointment:
    """An active appointment at a booth that is out of service."""

    appointment: int
    request: int | None  # None for a caller who may not see request identity (an admin)
    tracking_number: str | None
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus


@dataclass(frozen=True)
class Outage:
    device: Device
    affected: list[AffectedAppointment]


class BoothOutages:
    def __init__(
        self, engine: AsyncEngine, rooms: RoomPort, devices: DeviceService, cipher: PiiCipher
    ) -> None:
        self._engine = engine
        self._serial = serial_engine(engine)  # the audience check and the write as one step
        self._rooms = rooms
        self._devices = devices
        self._cipher = cipher  # history notes and SMS phones are sealed

    async def take_out(
        self,
        device_id: int,
        reason: str,
        expected_back_at: datetime | None,
        now: datetime,
        *,
        scope: CentreScope,
        identified: bool,
    ) -> Outage:
        """Set the booth out of service; its affected appointments (``identified``: with
        tracking numbers and request ids)."""
        booth = await self._booth(device_id, scope)
        async with self._serial.begin() as connection:
            for appointment in await load_appointments(
                connection,
                appointments.c.booth_device == booth.name,
                appointments.c.status == AppointmentStatus.CONFIRMED.value,
                appointments.c.starts_at > now - LONGEST_AUDIENCE,
            ):
                if audience_under_way(self._rooms, appointment.id):
                    raise BoothInAudience(f"appointment {appointment.id}'s audience is running")
            await _set_service(connection, device_id, False, reason, expected_back_at)
            affected = await _affected_in(connection, booth.name, now, identified)
        return Outage(await self._devices.by_id(device_id), affected)

    async def bring_back(self, device_id: int, *, scope: CentreScope) -> Device:
        """The booth in service again: its reason and expected return forgotten."""
        await self._booth(device_id, scope)
        async with self._engine.begin() as connection:
            await _set_service(connection, device_id, True, None, None)
        return await self._devices.by_id(device_id)

    async def affected(
        self, device_id: int, now: datetime, *, scope: CentreScope, identified: bool
    ) -> list[AffectedAppointment]:
        booth = await self._booth(device_id, scope)
        async with self._engine.connect() as connection:
            return await _affected_in(connection, booth.name, now, identified)

    async def _booth(self, device_id: int, scope: CentreScope) -> Device:
        """The booth, if it is one of ``scope``'s centres: another centre's device is as
        unknown as one that does not exist."""
        device = await self._devices.by_id(device_id)
        if not scope.covers(device.centre):
            raise UnknownDevice(str(device_id))
        if device.kind != "booth":
            raise NotABooth(device.name)
        return device

    async def move(
        self, appointment_id: int, booth: str, actor: str, now: datetime, *, scope: CentreScope
    ) -> int:
        """Move an active appointment to ``booth`` of its centre at the same time; the new
        appointment's id. Refused as booking refuses (``booth_out_of_service``,
        ``booth_taken``, ``slot_in_past``), and while her audience runs."""
        async with self._serial.begin() as connection:
            old = await load_appointment_in(connection, appointment_id, scope)
            other_centre = centre_of_device(booth) != old.centre
            if other_centre or await booth_service_state(connection, booth) is None:
                raise UnknownDevice("no such booth in the appointment's centre")
            if booth == old.booth_device:
                raise SameBooth(booth)
            if audience_under_way(self._rooms, appointment_id):
                raise AudienceInProgress(f"appointment {appointment_id}'s audience is under way")
            await retire(connection, appointment_id, AppointmentStatus.RESCHEDULED)
            new_id = await book_in(
                connection, old.request_id, old.slot_id, booth, now, ignoring=old.id, scope=scope
            )
            if old.status is AppointmentStatus.CONFIRMED:  # same time: no new call needed
                await connection.execute(
                    update(appointments)
                    .where(appointments.c.id == new_id)
                    .values(status=old.status.value, room_id=room_id_for(new_id))
                )
            await note_in_history(
                connection, old.request_id, actor, f"moved to {booth}", now, cipher=self._cipher
            )
            new = await load_appointment(connection, new_id)
            await text_about(connection, self._cipher, new, SmsKind.MOVED, f"moved:{new_id}", now)
        if old.status is AppointmentStatus.CONFIRMED:
            await ensure_room(self._engine, self._rooms, new_id)
        if old.room_id:
            await self._rooms.cancel_room(old.room_id, "appointment_moved")
        return new_id


async def _set_service(
    connection: AsyncConnection,
    device_id: int,
    in_service: bool,
    reason: str | None,
    expected_back_at: datetime | None,
) -> None:
    await connection.execute(
        update(devices)
        .where(devices.c.id == device_id)
        .values(
            in_service=in_service,
            out_of_service_reason=reason,
            expected_back_at=expected_back_at,
        )
    )


async def _affected_in(
    connection: AsyncConnection, booth: str, now: datetime, identified: bool
) -> list[AffectedAppointment]:
    """The booth's active appointments whose slot has not ended, earliest first."""
    rows = await connection.execute(
        select(
            appointments.c.id,
            appointments.c.request_id,
            appointments.c.starts_at,
            appointments.c.status,
            slots.c.ends_at,
            requests.c.tracking_number,
        )
        .join(slots, slots.c.id == appointments.c.slot_id)
        .join(requests, requests.c.id == appointments.c.request_id)
        .where(
            appointments.c.booth_device == booth,
            appointments.c.status.in_(values(ACTIVE_APPOINTMENT)),
            slots.c.ends_at > now,
        )
        .order_by(appointments.c.starts_at, appointments.c.id)
    )
    return [
        AffectedAppointment(
            appointment=r.id,
            request=r.request_id if identified else None,
            tracking_number=format_tracking_number(r.tracking_number) if identified else None,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            status=AppointmentStatus(r.status),
        )
        for r in rows
    ]
