"""Read models of the scheduler's screens: a sitting's slots and standby list, the booking
calendar, an office terminal's day queue, a request's appointments with their calls, and the
appointment a booth serves. Frozen dataclasses whose field names are the JSON the web client
reads (``docs/API.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.history import load_request_in
from casework.tables import requests
from casework.tracking import format_tracking_number
from foundation.scope import CentreScope
from rooms.errors import UnknownRoom
from rooms.state import RoomState
from scheduler.appointment_rooms import RoomPort
from scheduler.appointments import (
    CHECK_IN_WINDOW,
    Appointment,
    load_appointment_in,
    load_appointments,
)
from scheduler.audience_quality import AudienceQuality, quality_of
from scheduler.errors import UnknownAppointment
from scheduler.reservations import booth_in_service
from scheduler.status import ACTIVE_APPOINTMENT, AppointmentStatus, values
from scheduler.tables import appointments, confirmation_calls, sittings, slots

AFTER_AUDIENCE = timedelta(minutes=15)  # the booth keeps her rating screen this long
IN_THE_QUEUE = frozenset(
    {
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.HEARD,
        AppointmentStatus.NO_SHOW,
    }
)
ON_THE_CALENDAR = ACTIVE_APPOINTMENT | {AppointmentStatus.HEARD}
AT_THE_BOOTH = frozenset({AppointmentStatus.CONFIRMED, AppointmentStatus.HEARD})


@dataclass(frozen=True)
class Slot:
    slot: int
    starts_at: datetime
    ends_at: datetime
    free: bool


@dataclass(frozen=True)
class SlotHolder:
    """The appointment that holds a slot of the calendar."""

    id: int
    request: int | None  # None for a caller who may not see request identity (a supervisor)
    tracking_number: str | None
    booth: str
    status: AppointmentStatus
    checked_in: bool  # seated at the booth: checked in and not checked out


@dataclass(frozen=True)
class CalendarSlot:
    slot: int
    starts_at: datetime
    ends_at: datetime
    free: bool
    appointment: SlotHolder | None


@dataclass(frozen=True)
class CalendarSitting:
    sitting: int
    office_device: str
    starts_at: datetime
    ends_at: datetime
    slots: tuple[CalendarSlot, ...]


@dataclass(frozen=True)
class LiveRoom:
    """The room of a queued appointment as it is now: "Jeddah · booth 2 · ready"."""

    state: RoomState
    booth_present: bool
    last_preflight: str


@dataclass(frozen=True)
class QueueEntry:
    appointment: int
    starts_at: datetime
    booth: str
    status: AppointmentStatus
    room: str | None
    tracking_number: str | None  # None for a caller who may not see request identity
    category: str
    room_state: LiveRoom | None


@dataclass(frozen=True)
class CallRecord:
    outcome: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class AppointmentCalls:
    appointment: int
    starts_at: datetime
    booth: str
    status: AppointmentStatus
    room: str | None
    rating: int | None
    checked_in: bool  # seated at the booth: checked in and not checked out
    calls: tuple[CallRecord, ...]
    quality: AudienceQuality | None  # kept when its audience was over; None if never measured


@dataclass(frozen=True)
class Assignment:
    """The checked-in appointment a booth serves."""

    appointment: int
    request: int
    room: str | None
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    rated: bool


class SchedulerViews:
    def __init__(self, engine: AsyncEngine, rooms: RoomPort) -> None:
        self._engine = engine
        self._rooms = rooms

    async def appointment(self, appointment_id: int, *, scope: CentreScope) -> Appointment:
        async with self._engine.connect() as connection:
            return await load_appointment_in(connection, appointment_id, scope)

    async def booth_in_service(self, booth: str) -> bool:
        """Whether ``booth`` (``<centre>/<label>``) is a booth in service."""
        async with self._engine.connect() as connection:
            return await booth_in_service(connection, booth)

    async def slots_of(self, sitting_id: int) -> list[Slot]:
        async with self._engine.connect() as connection:
            return await _slots_in(connection, sitting_id)

    async def on_terminal(
        self, appointment_id: int, office_device: str, day_start: datetime
    ) -> Appointment:
        """The appointment if it is booked on a sitting of ``office_device`` and starts in the
        24 hours from ``day_start``; any other is one this terminal does not know
        (``UnknownAppointment``: no existence oracle)."""
        day_start = day_start.astimezone(UTC)
        async with self._engine.connect() as connection:
            found = await load_appointments(
                connection,
                appointments.c.id == appointment_id,
                appointments.c.starts_at >= day_start,
                appointments.c.starts_at < day_start + timedelta(days=1),
                appointments.c.slot_id.in_(
                    select(slots.c.id)
                    .join(sittings, sittings.c.id == slots.c.sitting_id)
                    .where(sittings.c.office_device == office_device)
                ),
            )
        if not found:
            raise UnknownAppointment(str(appointment_id))
        return found[0]

    async def day_queue(
        self, office_device: str, day_start: datetime, identified: bool = True
    ) -> list[QueueEntry]:
        """One office terminal's appointments for the 24 hours from ``day_start``, each with
        its live room's state when the room exists; without ``identified``, no tracking
        numbers."""
        day_start = day_start.astimezone(UTC)
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(
                    appointments.c.id,
                    appointments.c.starts_at,
                    appointments.c.booth_device,
                    appointments.c.status,
                    appointments.c.room_id,
                    requests.c.tracking_number,
                    requests.c.category,
                )
                .join(slots, slots.c.id == appointments.c.slot_id)
                .join(sittings, sittings.c.id == slots.c.sitting_id)
                .join(requests, requests.c.id == appointments.c.request_id)
                .where(
                    sittings.c.office_device == office_device,
                    appointments.c.starts_at >= day_start,
                    appointments.c.starts_at < day_start + timedelta(days=1),
                    appointments.c.status.in_(values(IN_THE_QUEUE)),
                )
                .order_by(appointments.c.starts_at)
            )
            return [
                QueueEntry(
                    appointment=r.id,
                    starts_at=r.starts_at,
                    booth=r.booth_device,
                    status=AppointmentStatus(r.status),
                    room=r.room_id,
                    tracking_number=r.tracking_number if identified else None,
                    category=r.category,
                    room_state=self._live_room(r.room_id),
                )
                for r in rows
            ]

    def _live_room(self, room_id: str | None) -> LiveRoom | None:
        if not room_id:
            return None
        try:
            room = self._rooms.room(room_id)
        except UnknownRoom:
            return None
        return LiveRoom(room.state, room.booth_present, room.last_preflight)

    async def day_sittings(
        self, day_start: datetime, *, scope: CentreScope, identified: bool = True
    ) -> list[CalendarSitting]:
        """The booking calendar: each sitting of the day with its slots and who holds them.
        Sittings are the office's, shared by every centre: a slot held by another centre's
        appointment shows as taken, without its holder (and without ``identified``, no
        request ids or tracking numbers at all)."""
        day_start = day_start.astimezone(UTC)
        async with self._engine.connect() as connection:
            day = await connection.execute(
                select(sittings)
                .where(
                    sittings.c.starts_at >= day_start,
                    sittings.c.starts_at < day_start + timedelta(days=1),
                )
                .order_by(sittings.c.starts_at)
            )
            held = await connection.execute(
                select(
                    appointments.c.id,
                    appointments.c.slot_id,
                    appointments.c.booth_device,
                    appointments.c.status,
                    appointments.c.checked_in_at,
                    appointments.c.checked_out_at,
                    requests.c.tracking_number,
                    requests.c.id.label("request_id"),
                )
                .join(requests, requests.c.id == appointments.c.request_id)
                .join(slots, slots.c.id == appointments.c.slot_id)
                .where(
                    appointments.c.status.in_(values(ON_THE_CALENDAR)),
                    slots.c.starts_at >= day_start,
                    slots.c.starts_at < day_start + timedelta(days=2),
                    scope.where(requests.c.centre),
                )
            )
            holder = {
                h.slot_id: SlotHolder(
                    id=h.id,
                    request=h.request_id if identified else None,
                    tracking_number=format_tracking_number(h.tracking_number)
                    if identified
                    else None,
                    booth=h.booth_device,
                    status=AppointmentStatus(h.status),
                    checked_in=h.checked_in_at is not None and h.checked_out_at is None,
                )
                for h in held
            }
            return [
                CalendarSitting(
                    sitting=sitting.id,
                    office_device=sitting.office_device,
                    starts_at=sitting.starts_at,
                    ends_at=sitting.ends_at,
                    slots=tuple(
                        CalendarSlot(s.slot, s.starts_at, s.ends_at, s.free, holder.get(s.slot))
                        for s in await _slots_in(connection, sitting.id)
                    ),
                )
                for sitting in day.all()
            ]

    async def calls_of(self, request_id: int, *, scope: CentreScope) -> list[AppointmentCalls]:
        """Every appointment of a request with its confirmation-call log and, once its
        audience is over, its connection quality."""
        async with self._engine.connect() as connection:
            await load_request_in(connection, request_id, scope)  # UnknownRequest if not hers
            booked = (
                await connection.execute(
                    select(appointments)
                    .where(appointments.c.request_id == request_id)
                    .order_by(appointments.c.id)
                )
            ).all()
            calls = (
                await connection.execute(
                    select(confirmation_calls)
                    .join(appointments, appointments.c.id == confirmation_calls.c.appointment_id)
                    .where(appointments.c.request_id == request_id)
                    .order_by(confirmation_calls.c.id)
                )
            ).all()
            quality = await quality_of(connection, [a.id for a in booked])
        return [
            AppointmentCalls(
                appointment=a.id,
                starts_at=a.starts_at,
                booth=a.booth_device,
                status=AppointmentStatus(a.status),
                room=a.room_id,
                rating=a.rating,
                checked_in=a.checked_in_at is not None and a.checked_out_at is None,
                calls=tuple(
                    CallRecord(c.outcome, c.actor, c.at) for c in calls if c.appointment_id == a.id
                ),
                quality=quality.get(a.id),
            )
            for a in booked
        ]

    async def assignment_of(self, booth: str, now: datetime) -> Assignment | None:
        """The checked-in appointment this booth serves now (or just served), if any: the
        latest one checked in and not checked out. Check-in seats nobody while another
        applicant is seated (``scheduler.occupancy``), so the latest is the one in the booth."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(appointments, slots.c.ends_at)
                    .join(slots, slots.c.id == appointments.c.slot_id)
                    .where(
                        appointments.c.booth_device == booth,
                        appointments.c.checked_in_at.is_not(None),
                        appointments.c.checked_out_at.is_(None),
                        appointments.c.status.in_(values(AT_THE_BOOTH)),
                        slots.c.ends_at > now - AFTER_AUDIENCE,
                        appointments.c.starts_at < now + CHECK_IN_WINDOW,
                    )
                    .order_by(appointments.c.checked_in_at.desc(), appointments.c.id.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        return Assignment(
            appointment=row.id,
            request=row.request_id,
            room=row.room_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=AppointmentStatus(row.status),
            rated=row.rating is not None,
        )


async def _slots_in(connection: AsyncConnection, sitting_id: int) -> list[Slot]:
    rows = await connection.execute(
        select(slots.c.id, slots.c.starts_at, slots.c.ends_at, appointments.c.id.label("taken"))
        .outerjoin(
            appointments,
            and_(
                appointments.c.slot_id == slots.c.id,
                appointments.c.status.in_(values(ACTIVE_APPOINTMENT)),
            ),
        )
        .where(slots.c.sitting_id == sitting_id)
        .order_by(slots.c.starts_at)
    )
    return [Slot(r.id, r.starts_at, r.ends_at, r.taken is None) for r in rows]
