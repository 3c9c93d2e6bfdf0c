"""The standby list of a sitting: applicants who would come at short notice, in the order the
desk sets. When a slot of the sitting is freed (an appointment cancelled), the first of them
is offered it; the desk books her with one action (``SchedulerCommands.fill_from_standby``).

Every list is read and changed through a ``CentreScope``: a coordinator sees and orders her
centres' applicants only (another centre's entry answers like one that does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.history import load_request_in
from casework.tables import requests
from casework.tracking import format_tracking_number
from foundation.scope import CentreScope
from scheduler.errors import InvalidSitting, NotOnStandby
from scheduler.rebooking import priority_entries_in
from scheduler.status import ACTIVE_APPOINTMENT, values
from scheduler.tables import appointments, sittings, slots, standby


@dataclass(frozen=True)
class StandbyEntry:
    request: int
    tracking_number: str  # formatted for people
    added_at: datetime


@dataclass(frozen=True)
class StandbyOffer:
    """A free slot and whom to call for it: the first on the priority rebooking list (an
    audience that failed technically, oldest first), else the first on the sitting's standby
    list."""

    slot: int
    sitting: int
    starts_at: datetime
    request: int
    tracking_number: str
    priority: bool = False  # from the priority rebooking list


class StandbyList:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def entries(self, sitting_id: int, *, scope: CentreScope) -> list[StandbyEntry]:
        async with self._engine.connect() as connection:
            return await entries_in(connection, sitting_id, scope)

    async def add(
        self, sitting_id: int, request_id: int, now: datetime, *, scope: CentreScope
    ) -> None:
        """Last on the list (already on it: unchanged)."""
        async with self._engine.begin() as connection:
            await load_request_in(connection, request_id, scope)
            await _require_sitting(connection, sitting_id)
            last = (
                await connection.execute(
                    select(func.max(standby.c.position)).where(standby.c.sitting_id == sitting_id)
                )
            ).scalar_one()
            on_list = await connection.execute(
                select(standby.c.request_id).where(
                    standby.c.sitting_id == sitting_id, standby.c.request_id == request_id
                )
            )
            if on_list.first() is not None:
                return
            try:
                await connection.execute(
                    insert(standby).values(
                        sitting_id=sitting_id,
                        request_id=request_id,
                        added_at=now,
                        position=(last or 0) + 1,
                    )
                )
            except IntegrityError:  # added by another coordinator a moment ago
                return  # already on the list

    async def remove(self, sitting_id: int, request_id: int, *, scope: CentreScope) -> None:
        async with self._engine.begin() as connection:
            await load_request_in(connection, request_id, scope)
            removed = await connection.execute(
                delete(standby).where(
                    standby.c.sitting_id == sitting_id, standby.c.request_id == request_id
                )
            )
            if removed.rowcount == 0:
                raise NotOnStandby(f"{request_id} is not on the standby list")

    async def reorder(self, sitting_id: int, request_ids: list[int], *, scope: CentreScope) -> None:
        """The list in this order: exactly the requests of ``scope`` on it, each once."""
        async with self._engine.begin() as connection:
            for request_id in set(request_ids):  # another centre's: as unknown as none
                await load_request_in(connection, request_id, scope)
            listed = [e.request for e in await entries_in(connection, sitting_id, scope)]
            if sorted(listed) != sorted(request_ids):
                raise NotOnStandby("the new order names exactly the requests on the list")
            positions = sorted(
                (
                    await connection.execute(
                        select(standby.c.position, standby.c.request_id).where(
                            standby.c.sitting_id == sitting_id,
                            standby.c.request_id.in_(listed),
                        )
                    )
                ).scalars()
            )
            if len(set(positions)) != len(positions):  # rows older than the order: ties
                positions = [positions[0] + i for i in range(len(positions))]
            # Her centres' entries take the places they held, in the new order: another
            # centre's entries keep theirs.
            for position, request_id in zip(positions, request_ids, strict=True):
                await connection.execute(
                    update(standby)
                    .where(standby.c.sitting_id == sitting_id, standby.c.request_id == request_id)
                    .values(position=position)
                )

    async def offer_for(self, slot_id: int, *, scope: CentreScope) -> StandbyOffer | None:
        """The first standby applicant of ``scope`` for the slot, if it is free."""
        async with self._engine.connect() as connection:
            slot = (await connection.execute(select(slots).where(slots.c.id == slot_id))).first()
            if slot is None:
                return None
            held = (
                await connection.execute(
                    select(appointments.c.id).where(
                        appointments.c.slot_id == slot_id,
                        appointments.c.status.in_(values(ACTIVE_APPOINTMENT)),
                    )
                )
            ).first()
            first_again = next(iter(await priority_entries_in(connection, scope)), None)
            waiting = await entries_in(connection, slot.sitting_id, scope)
        if held is not None:
            return None
        if first_again is not None:  # before every standby (issue 16: nothing of hers is lost)
            return StandbyOffer(
                slot_id,
                slot.sitting_id,
                slot.starts_at,
                first_again.request,
                first_again.tracking_number,
                priority=True,
            )
        if not waiting:
            return None
        first = waiting[0]
        return StandbyOffer(
            slot_id, slot.sitting_id, slot.starts_at, first.request, first.tracking_number
        )


async def entries_in(
    connection: AsyncConnection, sitting_id: int, scope: CentreScope
) -> list[StandbyEntry]:
    rows = await connection.execute(
        select(standby.c.request_id, standby.c.added_at, requests.c.tracking_number)
        .join(requests, requests.c.id == standby.c.request_id)
        .where(standby.c.sitting_id == sitting_id, scope.where(requests.c.centre))
        .order_by(standby.c.position, standby.c.added_at, standby.c.request_id)
    )
    return [
        StandbyEntry(r.request_id, format_tracking_number(r.tracking_number), r.added_at)
        for r in rows
    ]


async def take_off_in(connection: AsyncConnection, sitting_id: int, request_id: int) -> None:
    """Booked from the list: she is no longer waiting."""
    await connection.execute(
        delete(standby).where(
            standby.c.sitting_id == sitting_id, standby.c.request_id == request_id
        )
    )


async def _require_sitting(connection: AsyncConnection, sitting_id: int) -> None:
    found = await connection.execute(select(sittings.c.id).where(sittings.c.id == sitting_id))
    if found.first() is None:
        raise InvalidSitting(f"no sitting {sitting_id}")
