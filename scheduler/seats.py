"""Seat tokens: the single-use join token a device gets for its seat in an audience room.

A booth's seat is the room of the applicant checked in at it; an office terminal names the
room, which must be one of its own terminal's rooms of the service's day, and needs a
signed-in office member at it too (the terminal and the person, both). The signed token
itself is the rooms' business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from foundation.clock import service_day_start
from rooms.callers import Caller
from rooms.errors import NotPermitted, TokenError, UnknownRoom
from rooms.permissions import Permission, require
from rooms.state import Room
from rooms.store import Seats
from scheduler.errors import BoothOutOfService, UnknownAppointment
from scheduler.views import Assignment


class BoothAssignments(Protocol):
    async def assignment_of(self, booth: str, now: datetime) -> Assignment | None: ...

    async def booth_in_service(self, booth: str) -> bool: ...


class SeatRooms(Protocol):
    def seats(self, room_id: str) -> Seats: ...

    def room(self, room_id: str) -> Room: ...

    def issue_join_token(self, room_id: str, role: str) -> str: ...


@dataclass(frozen=True)
class SeatToken:
    room: str
    token: str


class SeatTokens:
    def __init__(self, views: BoothAssignments, rooms: SeatRooms) -> None:
        self._views = views
        self._rooms = rooms

    async def assignment(self, booth: Caller, now: datetime) -> Assignment:
        """The appointment of the applicant checked in at this booth (refused otherwise, and
        while the booth is out of service)."""
        if booth.role != "booth":
            raise NotPermitted("a booth only")
        if not await self._views.booth_in_service(booth.name):
            raise BoothOutOfService(booth.name)
        found = await self._views.assignment_of(booth.name, now)
        if found is None:
            raise UnknownAppointment("no applicant is checked in at this booth")
        return found

    async def join_token(
        self, device: Caller, member: Caller | None, room: str | None, now: datetime
    ) -> SeatToken:
        """``member``: the staff member signed in at an office terminal (None: nobody);
        ``room``: the room an office terminal asks for (a booth's comes from its check-in)."""
        if device.role == "booth":
            room = (await self.assignment(device, now)).room
        else:
            if member is None:
                raise TokenError("an office member must be signed in at this terminal")
            require(member.role, Permission.ADMIT)
        if room is None:
            raise UnknownRoom("no room named")
        if device.role == "office":
            if self._rooms.seats(room).office_device != device.name:
                raise NotPermitted("not this terminal's room")
            day = service_day_start(now)
            if not day <= self._rooms.room(room).starts_at < day + timedelta(days=1):
                raise NotPermitted("not one of today's rooms")
        return SeatToken(room, self._rooms.issue_join_token(room, device.role))
