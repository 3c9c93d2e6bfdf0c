"""The room of a confirmed appointment: what the scheduler needs of the rooms (``RoomPort``),
the room's id (derived from the appointment, so it is created once however often the clock
ticks or the process restarts), and creating it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from rooms.errors import UnknownRoom
from rooms.state import Room, RoomState
from rooms.store import Seats
from scheduler.appointments import load_appointment
from scheduler.tables import sittings, slots


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


# The audience is under way: the booth is in it, or it has begun (the office admitted her).
UNDER_WAY = frozenset({RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED})


ROOM_PREFIX = "appt-"


def room_id_for(appointment_id: int) -> str:
    return f"{ROOM_PREFIX}{appointment_id}"


def appointment_of_room(room_id: str) -> int | None:
    """The appointment whose room this is; None for a room of no appointment (a demo's)."""
    number = room_id.removeprefix(ROOM_PREFIX)
    return int(number) if number != room_id and number.isascii() and number.isdigit() else None


def audience_over(rooms: RoomPort, appointment_id: int) -> bool:
    """The appointment's room has ended, was a no-show or was aborted (False while it does
    not exist: the audience is still to come)."""
    try:
        return rooms.room(room_id_for(appointment_id)).is_over
    except UnknownRoom:
        return False


def audience_under_way(rooms: RoomPort, appointment_id: int) -> bool:
    """The applicant is in her audience now: the booth sits in the room, or it has begun."""
    try:
        room = rooms.room(room_id_for(appointment_id))
    except UnknownRoom:
        return False
    return not room.is_over and (room.booth_present or room.state in UNDER_WAY)


async def ensure_room(engine: AsyncEngine, rooms: RoomPort, appointment_id: int) -> None:
    """The appointment's room, created unless it already exists."""
    async with engine.connect() as connection:
        appointment = await load_appointment(connection, appointment_id)
        slot = (
            await connection.execute(select(slots).where(slots.c.id == appointment.slot_id))
        ).one()
        sitting = (
            await connection.execute(select(sittings).where(sittings.c.id == slot.sitting_id))
        ).one()
        following = (
            await connection.execute(
                select(slots.c.starts_at)
                .where(slots.c.sitting_id == slot.sitting_id, slots.c.starts_at > slot.starts_at)
                .order_by(slots.c.starts_at)
                .limit(1)
            )
        ).scalar_one_or_none()
    room_id = room_id_for(appointment_id)
    try:
        rooms.room(room_id)
        return
    except UnknownRoom:
        pass
    try:
        await rooms.schedule(
            room_id,
            Seats(appointment.booth_device, sitting.office_device),
            slot.starts_at,
            slot.ends_at,
            following if following else None,
        )
    except IntegrityError:
        return  # created by an earlier run whose process stopped before it noted it
