"""Scheduling use cases (sittings, booking, rescheduling, cancelling, confirmation calls,
standby) and the clock tick: each a transaction that writes the change and its SMS together.

The tick is derived from database state each time (restart-safe): a reminder's SMS has a
unique idempotency key, so a second tick — or a restarted process — cannot send it twice; a
confirmed appointment's room is created once (its id is derived from the appointment).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.lifecycle import BOOKABLE, RequestStatus
from desk.outbox import enqueue
from desk.service import change_status_in, note_in_history
from desk.sms import SmsKind
from desk.tables import applicants, requests
from desk.tracking import format_tracking_number
from foundation.tables import centres, devices
from rooms.errors import UnknownRoom
from rooms.state import Room, RoomState
from rooms.store import Seats
from scheduler.booking import ACTIVE_APPOINTMENT, Booking, SlotTimes, check_booking, cut_slots
from scheduler.errors import (
    NotConfirmable,
    SchedulingError,
    SlotTaken,
    UnknownAppointment,
)
from scheduler.tables import appointments, confirmation_calls, sittings, slots, standby

log = logging.getLogger(__name__)

CALL_OUTCOMES = frozenset({"confirmed", "no_answer", "asked_to_reschedule", "wrong_number"})
DAY_BEFORE = timedelta(hours=24)
HOUR_BEFORE = timedelta(hours=1)
CHECK_IN_WINDOW = timedelta(hours=1)
AFTER_AUDIENCE = timedelta(minutes=15)  # the booth keeps her rating screen this long


class RoomPort(Protocol):
    """What the scheduler needs of the rooms: create one for a confirmed appointment, and
    read how it went."""

    async def schedule(
        self,
        room_id: str,
        seats: Seats,
        starts_at: datetime,
        ends_at: datetime,
        next_slot_starts_at: datetime | None = None,
    ) -> Room: ...

    def room(self, room_id: str) -> Room: ...

    async def cancel_room(self, room_id: str, reason: str) -> bool: ...


@dataclass(frozen=True)
class SlotLengths:
    slot: timedelta = timedelta(minutes=6)
    buffer: timedelta = timedelta(minutes=2)


def room_id_for(appointment_id: int) -> str:
    return f"appt-{appointment_id}"


class SchedulerService:
    def __init__(self, engine: AsyncEngine, rooms: RoomPort, lengths: SlotLengths) -> None:
        self._engine = engine
        self._rooms = rooms
        self._lengths = lengths

    # -- sittings ------------------------------------------------------------------------------

    async def create_sitting(
        self, office_device: str, starts_at: datetime, ends_at: datetime, now: datetime
    ) -> int:
        # Stored in UTC: SQLite keeps a datetime's wall time and drops its offset.
        starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
        cut = cut_slots(starts_at, ends_at, self._lengths.slot, self._lengths.buffer)
        async with self._engine.begin() as connection:
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

    async def slots_of(self, sitting_id: int) -> list[dict[str, Any]]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(
                    slots.c.id, slots.c.starts_at, slots.c.ends_at, appointments.c.id.label("taken")
                )
                .outerjoin(
                    appointments,
                    and_(
                        appointments.c.slot_id == slots.c.id,
                        appointments.c.status.in_(sorted(ACTIVE_APPOINTMENT)),
                    ),
                )
                .where(slots.c.sitting_id == sitting_id)
                .order_by(slots.c.starts_at)
            )
            return [
                {
                    "slot": r.id,
                    "starts_at": r.starts_at.isoformat(),
                    "ends_at": r.ends_at.isoformat(),
                    "free": r.taken is None,
                }
                for r in rows
            ]

    # -- booking -------------------------------------------------------------------------------

    async def book(
        self, request_id: int, slot_id: int, booth: str, actor: str, now: datetime
    ) -> int:
        async with self._engine.begin() as connection:
            appointment_id = await self._book_in(
                connection, request_id, slot_id, booth, now, ignoring=None
            )
            await self._announce(
                connection, appointment_id, RequestStatus.AUDIENCE_BOOKED, actor, now
            )
            return appointment_id

    async def reschedule(
        self, appointment_id: int, slot_id: int, booth: str, actor: str, now: datetime
    ) -> int:
        async with self._engine.begin() as connection:
            old = await _retire(connection, appointment_id, "rescheduled")
            new_id = await self._book_in(
                connection, old.request_id, slot_id, booth, now, ignoring=appointment_id
            )
            if old.status == "confirmed":  # the new time needs its own confirmation call
                await change_status_in(
                    connection,
                    old.request_id,
                    RequestStatus.AUDIENCE_BOOKED,
                    actor,
                    now,
                    note="rescheduled",
                    announce=False,
                )
            else:
                await note_in_history(connection, old.request_id, actor, "rescheduled", now)
            await self._rescheduled_sms(connection, new_id, now)
        if old.room_id:
            await self._rooms.cancel_room(old.room_id, "appointment_moved")
        return new_id

    async def cancel(self, appointment_id: int, actor: str, now: datetime) -> None:
        async with self._engine.begin() as connection:
            old = await _retire(connection, appointment_id, "cancelled")
            await change_status_in(
                connection,
                old.request_id,
                RequestStatus.UNDER_REVIEW,
                actor,
                now,
                note="appointment cancelled",
                announce=False,
            )
            await _sms_for_appointment(
                connection, old, SmsKind.CANCELLED, f"cancelled:{appointment_id}", now
            )
        if old.room_id:
            await self._rooms.cancel_room(old.room_id, "appointment_cancelled")

    async def _book_in(
        self,
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
            await connection.execute(select(requests).where(requests.c.id == request_id))
        ).first()
        if request is None:
            raise SchedulingError(f"no request {request_id}")
        times = SlotTimes(slot.starts_at, slot.ends_at)
        status = RequestStatus(request.status)
        bookable = status in BOOKABLE or (
            ignoring is not None
            and status in (RequestStatus.AUDIENCE_BOOKED, RequestStatus.CONFIRMED)
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
                            status="booked",
                            created_at=now,
                        )
                        .returning(appointments.c.id)
                    )
                ).scalar_one()
            )
        except IntegrityError:  # another coordinator booked it a moment ago
            raise SlotTaken(f"slot {slot_id} or booth {booth} was just booked") from None

    async def _announce(
        self,
        connection: AsyncConnection,
        appointment_id: int,
        status: RequestStatus,
        actor: str,
        now: datetime,
    ) -> None:
        appointment = await _appointment(connection, appointment_id)
        await change_status_in(
            connection,
            appointment.request_id,
            status,
            actor,
            now,
            sms_key=f"{status.value}:{appointment_id}",
            when=appointment.starts_at,
            centre=_centre_of(appointment.booth_device),
        )

    async def _rescheduled_sms(
        self, connection: AsyncConnection, appointment_id: int, now: datetime
    ) -> None:
        appointment = await _appointment(connection, appointment_id)
        await _sms_for_appointment(
            connection, appointment, SmsKind.RESCHEDULED, f"rescheduled:{appointment_id}", now
        )

    # -- confirmation and standby ------------------------------------------------------------

    async def record_call(
        self, appointment_id: int, outcome: str, actor: str, now: datetime
    ) -> None:
        """Log a confirmation call; "confirmed" confirms the appointment and creates its room."""
        if outcome not in CALL_OUTCOMES:
            raise NotConfirmable(f"unknown call outcome {outcome[:30]!r}")
        async with self._engine.begin() as connection:
            appointment = await _appointment(connection, appointment_id)
            await connection.execute(
                insert(confirmation_calls).values(
                    appointment_id=appointment_id, outcome=outcome, actor=actor[:64], at=now
                )
            )
            if outcome != "confirmed":
                return
            if appointment.status != "booked":
                raise NotConfirmable("only a booked appointment can be confirmed")
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment_id)
                .values(status="confirmed", room_id=room_id_for(appointment_id))
            )
            await self._announce(connection, appointment_id, RequestStatus.CONFIRMED, actor, now)
        await self._ensure_room(appointment_id)

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

    async def standby_list(self, sitting_id: int) -> list[int]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(standby.c.request_id)
                .where(standby.c.sitting_id == sitting_id)
                .order_by(standby.c.added_at)
            )
            return [int(r.request_id) for r in rows]

    # -- the clock -------------------------------------------------------------------------------

    async def tick(self, now: datetime) -> None:
        """Rooms for confirmed appointments, reminders, outcomes of finished rooms."""
        async with self._engine.connect() as connection:
            due = (
                await connection.execute(
                    select(appointments).where(
                        appointments.c.status == "confirmed",
                        appointments.c.starts_at <= now + DAY_BEFORE,
                        appointments.c.starts_at >= now - timedelta(hours=6),
                    )
                )
            ).all()
        for appointment in due:
            try:
                await self._ensure_room(appointment.id)
                await self._remind(appointment, now)
                await self._take_outcome(appointment, now)
            except Exception:  # one bad appointment must not stop the others' reminders
                log.exception("scheduler tick failed for appointment %s", appointment.id)

    async def _ensure_room(self, appointment_id: int) -> None:
        async with self._engine.connect() as connection:
            appointment = await _appointment(connection, appointment_id)
            slot = (
                await connection.execute(select(slots).where(slots.c.id == appointment.slot_id))
            ).one()
            sitting = (
                await connection.execute(select(sittings).where(sittings.c.id == slot.sitting_id))
            ).one()
            following = (
                await connection.execute(
                    select(slots.c.starts_at)
                    .where(
                        slots.c.sitting_id == slot.sitting_id, slots.c.starts_at > slot.starts_at
                    )
                    .order_by(slots.c.starts_at)
                    .limit(1)
                )
            ).scalar_one_or_none()
        room_id = room_id_for(appointment_id)
        try:
            self._rooms.room(room_id)
            return
        except UnknownRoom:
            pass
        try:
            await self._rooms.schedule(
                room_id,
                Seats(appointment.booth_device, sitting.office_device),
                slot.starts_at,
                slot.ends_at,
                following if following else None,
            )
        except IntegrityError:
            return  # created by an earlier run whose process stopped before it noted it

    async def _remind(self, appointment: Any, now: datetime) -> None:
        starts_at = appointment.starts_at
        for kind, before in (
            (SmsKind.REMINDER_DAY, DAY_BEFORE),
            (SmsKind.REMINDER_HOUR, HOUR_BEFORE),
        ):
            # Only inside its window: a reminder that is already late is not sent at all.
            if not starts_at - before <= now < starts_at - before + timedelta(minutes=30):
                continue
            try:
                async with self._engine.begin() as connection:
                    await _sms_for_appointment(
                        connection, appointment, kind, f"{kind.value}:{appointment.id}", now
                    )
            except IntegrityError:
                continue  # sent on an earlier tick

    async def _take_outcome(self, appointment: Any, now: datetime) -> None:
        try:
            room = self._rooms.room(room_id_for(appointment.id))
        except UnknownRoom:
            return  # not created yet: nothing to take
        if room.state not in (RoomState.ENDED, RoomState.NO_SHOW, RoomState.ABORTED):
            return
        outcome = {RoomState.ENDED: "heard", RoomState.NO_SHOW: "no_show"}.get(
            room.state, "aborted"
        )
        async with self._engine.begin() as connection:
            changed = await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment.id, appointments.c.status == "confirmed")
                .values(status=outcome)
            )
            if changed.rowcount != 1:
                return  # taken on an earlier tick
            wanted = RequestStatus.HEARD if outcome == "heard" else RequestStatus.UNDER_REVIEW
            await change_status_in(
                connection,
                appointment.request_id,
                wanted,
                "scheduler",
                now,
                note=outcome,
                sms_key=f"outcome:{appointment.id}",
            )

    # -- reading ---------------------------------------------------------------------------------

    async def day_queue(self, office_device: str, day_start: datetime) -> list[dict[str, Any]]:
        """One office terminal's appointments for the 24 hours from ``day_start``."""
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
                    appointments.c.status.in_(["booked", "confirmed", "heard", "no_show"]),
                )
                .order_by(appointments.c.starts_at)
            )
            return [
                {
                    "appointment": r.id,
                    "starts_at": r.starts_at.isoformat(),
                    "booth": r.booth_device,
                    "status": r.status,
                    "room": r.room_id,
                    "tracking_number": r.tracking_number,
                    "category": r.category,
                }
                for r in rows
            ]

    async def day_sittings(self, day_start: datetime) -> list[dict[str, Any]]:
        """The booking calendar: each sitting of the day with its slots and who holds them."""
        day_start = day_start.astimezone(UTC)
        async with self._engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(sittings)
                    .where(
                        sittings.c.starts_at >= day_start,
                        sittings.c.starts_at < day_start + timedelta(days=1),
                    )
                    .order_by(sittings.c.starts_at)
                )
            ).all()
            taken = (
                await connection.execute(
                    select(
                        appointments.c.id,
                        appointments.c.slot_id,
                        appointments.c.booth_device,
                        appointments.c.status,
                        appointments.c.checked_in_at,
                        requests.c.tracking_number,
                        requests.c.id.label("request_id"),
                    )
                    .join(requests, requests.c.id == appointments.c.request_id)
                    .join(slots, slots.c.id == appointments.c.slot_id)
                    .where(
                        appointments.c.status.in_(sorted(ACTIVE_APPOINTMENT | {"heard"})),
                        slots.c.starts_at >= day_start,
                        slots.c.starts_at < day_start + timedelta(days=2),
                    )
                )
            ).all()
        holder = {t.slot_id: t for t in taken}
        result = []
        for sitting in rows:
            slot_list = []
            for slot in await self.slots_of(sitting.id):
                held = holder.get(slot["slot"])
                slot["appointment"] = None
                if held is not None:
                    slot["appointment"] = {
                        "id": held.id,
                        "request": held.request_id,
                        "tracking_number": format_tracking_number(held.tracking_number),
                        "booth": held.booth_device,
                        "status": held.status,
                        "checked_in": held.checked_in_at is not None,
                    }
                slot_list.append(slot)
            result.append(
                {
                    "sitting": sitting.id,
                    "office_device": sitting.office_device,
                    "starts_at": sitting.starts_at.isoformat(),
                    "ends_at": sitting.ends_at.isoformat(),
                    "slots": slot_list,
                }
            )
        return result

    async def calls_of(self, request_id: int) -> list[dict[str, Any]]:
        """Every appointment of a request with its confirmation-call log."""
        async with self._engine.connect() as connection:
            rows = (
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
        return [
            {
                "appointment": a.id,
                "starts_at": a.starts_at.isoformat(),
                "booth": a.booth_device,
                "status": a.status,
                "room": a.room_id,
                "rating": a.rating,
                "calls": [
                    {"outcome": c.outcome, "actor": c.actor, "at": c.at.isoformat()}
                    for c in calls
                    if c.appointment_id == a.id
                ],
            }
            for a in rows
        ]

    # -- the booth -------------------------------------------------------------------------------

    async def check_in(self, appointment_id: int, now: datetime) -> None:
        """The coordinator seats the applicant: her confirmed appointment goes to the booth."""
        async with self._engine.begin() as connection:
            appointment = await _appointment(connection, appointment_id)
            if appointment.status != "confirmed":
                raise NotConfirmable("only a confirmed appointment can be checked in")
            if abs(appointment.starts_at - now) > CHECK_IN_WINDOW:
                raise NotConfirmable("check-in opens an hour before the appointment")
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment_id)
                .values(checked_in_at=now)
            )

    async def assignment_of(self, booth: str, now: datetime) -> dict[str, Any] | None:
        """The checked-in appointment this booth serves now (or just served), if any."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(appointments, slots.c.ends_at)
                    .join(slots, slots.c.id == appointments.c.slot_id)
                    .where(
                        appointments.c.booth_device == booth,
                        appointments.c.checked_in_at.is_not(None),
                        appointments.c.status.in_(["confirmed", "heard"]),
                        slots.c.ends_at > now - AFTER_AUDIENCE,
                        appointments.c.starts_at < now + CHECK_IN_WINDOW,
                    )
                    .order_by(appointments.c.starts_at.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        return {
            "appointment": row.id,
            "request": row.request_id,
            "room": row.room_id,
            "starts_at": row.starts_at.isoformat(),
            "ends_at": row.ends_at.isoformat(),
            "status": row.status,
            "rated": row.rating is not None,
        }

    async def rate(self, appointment_id: int, stars: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == appointment_id, appointments.c.rating.is_(None))
                .values(rating=stars)
            )

    async def get(self, appointment_id: int) -> Any:
        async with self._engine.connect() as connection:
            return await _appointment(connection, appointment_id)

    async def settle(self, appointment_id: int, now: datetime) -> Any:
        """Take a finished room's outcome now (the office records hers right after the end)."""
        async with self._engine.connect() as connection:
            appointment = await _appointment(connection, appointment_id)
        await self._take_outcome(appointment, now)
        async with self._engine.connect() as connection:
            return await _appointment(connection, appointment_id)


def _centre_of(booth: str) -> str:
    return booth.split("/", 1)[0]


async def _appointment(connection: AsyncConnection, appointment_id: int) -> Any:
    row = (
        await connection.execute(select(appointments).where(appointments.c.id == appointment_id))
    ).first()
    if row is None:
        raise UnknownAppointment(str(appointment_id))
    return row


async def _retire(connection: AsyncConnection, appointment_id: int, status: str) -> Any:
    """Take an active appointment out of use (moved or cancelled); returns it as it was."""
    old = await _appointment(connection, appointment_id)
    if old.status not in ACTIVE_APPOINTMENT:
        raise NotConfirmable("the appointment is not active")
    await connection.execute(
        update(appointments).where(appointments.c.id == appointment_id).values(status=status)
    )
    return old


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
            appointments.c.status.in_(sorted(ACTIVE_APPOINTMENT)),
            appointments.c.starts_at > slot.starts_at - window,
            appointments.c.starts_at < slot.ends_at + window,
        )
    )
    return [
        Booking(r.id, r.slot_id, r.booth_device, r.starts_at, r.ends_at, r.applicant_id)
        for r in rows
    ]


async def _sms_for_appointment(
    connection: AsyncConnection, appointment: Any, kind: SmsKind, key: str, now: datetime
) -> None:
    row = (
        await connection.execute(
            select(requests.c.tracking_number, applicants.c.phone_ct, applicants.c.language)
            .join(applicants, applicants.c.id == requests.c.applicant_id)
            .where(requests.c.id == appointment.request_id)
        )
    ).one()
    await enqueue(
        connection,
        key=key,
        kind=kind,
        phone_ct=row.phone_ct,
        language=row.language,
        tracking=format_tracking_number(row.tracking_number),
        now=now,
        request_id=appointment.request_id,
        when=appointment.starts_at,
        centre=_centre_of(appointment.booth_device),
    )
