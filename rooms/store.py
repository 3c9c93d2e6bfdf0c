"""Persistence of rooms: the schedule row, the append-only event log, used token ids.

A room's state is never stored as such: it is the fold of its events through
``rooms.state.apply``, so a restarted server rebuilds every room exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from rooms.errors import TokenReused
from rooms.state import EventKind, Room, RoomEvent, RoomTimings, apply
from rooms.tables import room_events, rooms, used_tokens


@dataclass(frozen=True)
class Seats:
    """Which devices may sit in a room."""

    booth_device: str
    office_device: str


@dataclass(frozen=True)
class StoredRoom:
    room: Room
    seats: Seats
    events: int


class RoomStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(self, room: Room, seats: Seats, now: datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(rooms).values(
                    id=room.room_id,
                    booth_device=seats.booth_device,
                    office_device=seats.office_device,
                    starts_at=room.starts_at,
                    ends_at=room.ends_at,
                    next_slot_starts_at=room.next_slot_starts_at,
                    created_at=now,
                )
            )

    async def append(
        self, room_id: str, seq: int, event: RoomEvent, after: Room, at: datetime
    ) -> None:
        """Record one applied event; the primary key (room, seq) refuses a lost race."""
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(room_events).values(
                    room_id=room_id,
                    seq=seq,
                    kind=event.kind.value,
                    actor=event.actor,
                    detail=event.detail,
                    push_next=event.push_next,
                    state_after=after.state.value,
                    at=at,
                )
            )

    async def load_all(
        self, timings: RoomTimings, since: datetime, known: frozenset[str] = frozenset()
    ) -> list[StoredRoom]:
        """Every room whose slot ends after ``since`` (except ``known`` ones), rebuilt from
        its events."""
        async with self._engine.connect() as connection:
            query = select(rooms).where(rooms.c.ends_at >= since)
            if known:
                query = query.where(rooms.c.id.not_in(known))
            schedule = (await connection.execute(query)).all()
            loaded: list[StoredRoom] = []
            for row in schedule:
                events = (
                    await connection.execute(
                        select(room_events)
                        .where(room_events.c.room_id == row.id)
                        .order_by(room_events.c.seq)
                    )
                ).all()
                room = Room(
                    row.id,
                    row.starts_at,
                    row.ends_at,
                    row.next_slot_starts_at if row.next_slot_starts_at else None,
                )
                for event_row in events:
                    event = RoomEvent(
                        EventKind(event_row.kind),
                        event_row.actor,
                        event_row.detail,
                        event_row.push_next,
                    )
                    room = apply(room, event, event_row.at, timings)
                loaded.append(
                    StoredRoom(room, Seats(row.booth_device, row.office_device), len(events))
                )
            return loaded

    async def events_of(self, room_id: str) -> list[tuple[str, str, str]]:
        """(kind, actor, state after) of each event, in order: for audits and tests."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(room_events.c.kind, room_events.c.actor, room_events.c.state_after)
                .where(room_events.c.room_id == room_id)
                .order_by(room_events.c.seq)
            )
            return [(r.kind, r.actor, r.state_after) for r in rows]

    async def audience_minutes(self) -> dict[str, float]:
        """Room id → minutes from admission to the end, for audiences that ended."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(room_events.c.room_id, room_events.c.kind, room_events.c.at)
                .where(room_events.c.kind.in_(["admit", "end"]))
                .order_by(room_events.c.room_id, room_events.c.seq)
            )
            admitted: dict[str, datetime] = {}
            minutes: dict[str, float] = {}
            for row in rows:
                if row.kind == "admit":
                    admitted[row.room_id] = row.at
                elif row.room_id in admitted:
                    span = row.at - admitted[row.room_id]
                    minutes[row.room_id] = span.total_seconds() / 60
            return minutes

    async def use_token(self, token_id: str, now: datetime, expires_at: datetime) -> None:
        """Mark a single-use token id as used; raises ``TokenReused`` the second time."""
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(used_tokens).values(
                        token_id=token_id, used_at=now, expires_at=expires_at
                    )
                )
        except IntegrityError:
            raise TokenReused("this join token was already used") from None

    async def forget_expired_tokens(self, now: datetime) -> int:
        """Delete the ids of tokens expired before ``now`` (the expiry check refuses those)."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(used_tokens).where(used_tokens.c.expires_at < now)
            )
            return int(result.rowcount or 0)

    async def count_rooms(self) -> int:
        async with self._engine.connect() as connection:
            return int(
                (await connection.execute(select(func.count()).select_from(rooms))).scalar_one()
            )
