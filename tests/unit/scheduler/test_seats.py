"""Who gets a join token for which seat (scheduler/seats.py), without a database or network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rooms.callers import Caller, CallerKind
from rooms.errors import NotPermitted, TokenError
from rooms.state import Room
from rooms.store import Seats
from scheduler.errors import BoothOutOfService, UnknownAppointment
from scheduler.seats import SeatTokens
from scheduler.status import AppointmentStatus
from scheduler.views import Assignment

NOW = datetime(2027, 1, 3, 9, 0, tzinfo=UTC)
BOOTH = Caller(CallerKind.DEVICE, "booth", "riyadh/booth-1")
TERMINAL = Caller(CallerKind.DEVICE, "office", "office-1")
OFFICE_MEMBER = Caller(CallerKind.PERSON, "office", "office", None, 3)
COORDINATOR = Caller(CallerKind.PERSON, "coordinator", "coordinator1", None, 1)


class Assignments:
    def __init__(self, by_booth: dict[str, Assignment], out_of_service: frozenset[str]) -> None:
        self.by_booth = by_booth
        self.out_of_service = out_of_service

    async def assignment_of(self, booth: str, now: datetime) -> Assignment | None:
        return self.by_booth.get(booth)

    async def booth_in_service(self, booth: str) -> bool:
        return booth not in self.out_of_service


class Rooms:
    def seats(self, room_id: str) -> Seats:
        return Seats(
            "riyadh/booth-1", "office-1" if room_id in ("appt-1", "appt-tomorrow") else "office-2"
        )

    def room(self, room_id: str) -> Room:
        starts_at = NOW + timedelta(days=1 if room_id == "appt-tomorrow" else 0)
        return Room(room_id, starts_at, starts_at + timedelta(minutes=6))

    def issue_join_token(self, room_id: str, role: str) -> str:
        return f"token:{room_id}:{role}"


def assignment(room: str | None) -> Assignment:
    return Assignment(
        1, 7, room, NOW, NOW + timedelta(minutes=6), AppointmentStatus.CONFIRMED, rated=False
    )


def seats(
    by_booth: dict[str, Assignment] | None = None, out_of_service: frozenset[str] = frozenset()
) -> SeatTokens:
    return SeatTokens(Assignments(by_booth or {}, out_of_service), Rooms())


async def test_a_booth_out_of_service_gets_no_seat_even_with_an_applicant_checked_in() -> None:
    tokens = seats({"riyadh/booth-1": assignment("appt-1")}, frozenset({"riyadh/booth-1"}))
    with pytest.raises(BoothOutOfService):
        await tokens.join_token(BOOTH, None, None, NOW)


async def test_a_booth_gets_the_room_of_the_applicant_checked_in_at_it() -> None:
    tokens = seats({"riyadh/booth-1": assignment("appt-1")})
    seat = await tokens.join_token(BOOTH, None, "appt-9", NOW)  # what it asks for is ignored
    assert (seat.room, seat.token) == ("appt-1", "token:appt-1:booth")


async def test_a_booth_with_nobody_checked_in_gets_no_token() -> None:
    with pytest.raises(UnknownAppointment):
        await seats().join_token(BOOTH, None, None, NOW)


async def test_an_office_terminal_needs_a_signed_in_office_member() -> None:
    with pytest.raises(TokenError):
        await seats().join_token(TERMINAL, None, "appt-1", NOW)
    with pytest.raises(NotPermitted):
        await seats().join_token(TERMINAL, COORDINATOR, "appt-1", NOW)


async def test_an_office_terminal_gets_only_its_own_rooms() -> None:
    with pytest.raises(NotPermitted):
        await seats().join_token(TERMINAL, OFFICE_MEMBER, "appt-2", NOW)
    seat = await seats().join_token(TERMINAL, OFFICE_MEMBER, "appt-1", NOW)
    assert seat.token == "token:appt-1:office"


async def test_an_office_terminal_gets_no_seat_in_another_days_room() -> None:
    with pytest.raises(NotPermitted):
        await seats().join_token(TERMINAL, OFFICE_MEMBER, "appt-tomorrow", NOW)
