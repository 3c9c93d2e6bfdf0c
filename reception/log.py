"""The reception log: a walk-in visit recorded in a few taps (arrival now, served by the
signed-in coordinator) and finished when she has been served (its service time); an enquiry
call with its direction, purpose, outcome and duration. Either may name the applicant's request
by its tracking number (one of the same centre). Every row belongs to a centre: a coordinator
records and sees her centres' only. A note is sealed like the request text; retention empties
it (``empty_notes_before``).

A booth check-in is a visit too, of purpose *audience* (``audience_visit_in``, called inside
the check-in's transaction), finished at the check-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.errors import CentreNotServed, InvalidTrackingNumber
from casework.pii import PiiCipher
from casework.sealed_rows import insert_sealed
from casework.tables import requests
from casework.tracking import format_tracking_number, parse_tracking_number
from foundation.scope import CentreScope
from reception.errors import UnknownLinkedRequest, UnknownVisit, VisitAlreadyFinished
from reception.kinds import CallDirection, CallOutcome, CallPurpose, VisitPurpose
from reception.tables import CALL_NOTE, VISIT_NOTE, enquiry_calls, visits
from reference.checks import require_centre_in


@dataclass(frozen=True)
class NewVisit:
    centre: str
    purpose: VisitPurpose
    tracking_number: str | None = None
    note: str = ""


@dataclass(frozen=True)
class NewCall:
    centre: str
    direction: CallDirection
    purpose: CallPurpose
    outcome: CallOutcome
    duration_seconds: int
    tracking_number: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Visit:
    id: int
    centre: str
    purpose: str
    tracking_number: str | None  # formatted for people
    served_by: str
    arrived_at: datetime
    finished_at: datetime | None
    service_seconds: int | None
    note: str


@dataclass(frozen=True)
class Call:
    id: int
    centre: str
    direction: str
    purpose: str
    outcome: str
    tracking_number: str | None
    duration_seconds: int
    handled_by: str
    at: datetime
    note: str


class ReceptionLog:
    def __init__(self, engine: AsyncEngine, cipher: PiiCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    async def record_visit(
        self, visit: NewVisit, served_by: str, now: datetime, *, scope: CentreScope
    ) -> Visit:
        async with self._engine.begin() as connection:
            request_id = await _linked_request_in(
                connection, visit.centre, visit.tracking_number, scope
            )
            values = {
                "centre": visit.centre,
                "purpose": visit.purpose.value,
                "request_id": request_id,
                "served_by": served_by,
                "arrived_at": now,
            }
            visit_id = await insert_sealed(
                connection, self._cipher, visits, values, {VISIT_NOTE: visit.note}
            )
            return await self._visit_in(connection, visit_id, scope)

    async def finish_visit(self, visit_id: int, now: datetime, *, scope: CentreScope) -> Visit:
        async with self._engine.begin() as connection:
            found = await self._visit_in(connection, visit_id, scope)
            if found.finished_at is not None:
                raise VisitAlreadyFinished(f"visit {visit_id}")
            await connection.execute(
                update(visits).where(visits.c.id == visit_id).values(finished_at=now)
            )
            return await self._visit_in(connection, visit_id, scope)

    async def visits_since(self, since: datetime, *, scope: CentreScope) -> list[Visit]:
        """Her centres' visits that arrived from ``since`` on (the day's), or are still open."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                _visit_query()
                .where(
                    scope.where(visits.c.centre),
                    (visits.c.arrived_at >= since) | visits.c.finished_at.is_(None),
                )
                .order_by(visits.c.arrived_at.desc(), visits.c.id.desc())
            )
            return [self._visit_of(row) for row in rows]

    async def record_call(
        self, call: NewCall, handled_by: str, now: datetime, *, scope: CentreScope
    ) -> Call:
        async with self._engine.begin() as connection:
            request_id = await _linked_request_in(
                connection, call.centre, call.tracking_number, scope
            )
            values = {
                "centre": call.centre,
                "direction": call.direction.value,
                "purpose": call.purpose.value,
                "outcome": call.outcome.value,
                "request_id": request_id,
                "duration_seconds": call.duration_seconds,
                "handled_by": handled_by,
                "at": now,
            }
            call_id = await insert_sealed(
                connection, self._cipher, enquiry_calls, values, {CALL_NOTE: call.note}
            )
            row = (
                await connection.execute(_call_query().where(enquiry_calls.c.id == call_id))
            ).one()
            return self._call_of(row)

    async def calls_since(self, since: datetime, *, scope: CentreScope) -> list[Call]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                _call_query()
                .where(scope.where(enquiry_calls.c.centre), enquiry_calls.c.at >= since)
                .order_by(enquiry_calls.c.at.desc(), enquiry_calls.c.id.desc())
            )
            return [self._call_of(row) for row in rows]

    async def _visit_in(
        self, connection: AsyncConnection, visit_id: int, scope: CentreScope
    ) -> Visit:
        row = (
            await connection.execute(
                _visit_query().where(visits.c.id == visit_id, scope.where(visits.c.centre))
            )
        ).first()
        if row is None:
            raise UnknownVisit(f"visit {visit_id}")
        return self._visit_of(row)

    def _visit_of(self, row: Row[Any]) -> Visit:
        finished: datetime | None = row.finished_at
        arrived: datetime = row.arrived_at
        return Visit(
            id=row.id,
            centre=row.centre,
            purpose=row.purpose,
            tracking_number=_formatted(row.tracking_number),
            served_by=row.served_by,
            arrived_at=arrived,
            finished_at=finished,
            service_seconds=None if finished is None else int((finished - arrived).total_seconds()),
            note=self._cipher.unseal(row.note, VISIT_NOTE, row.id),
        )

    def _call_of(self, row: Row[Any]) -> Call:
        return Call(
            id=row.id,
            centre=row.centre,
            direction=row.direction,
            purpose=row.purpose,
            outcome=row.outcome,
            tracking_number=_formatted(row.tracking_number),
            duration_seconds=row.duration_seconds,
            handled_by=row.handled_by,
            at=row.at,
            note=self._cipher.unseal(row.note, CALL_NOTE, row.id),
        )


async def empty_notes_before(engine: AsyncEngine, cutoff: datetime) -> int:
    """Retention: the notes of visits and calls older than ``cutoff`` become "" (the counts
    and durations stay for the figures)."""
    async with engine.begin() as connection:
        emptied = await connection.execute(
            update(visits).where(visits.c.arrived_at < cutoff, visits.c.note != "").values(note="")
        )
        calls = await connection.execute(
            update(enquiry_calls)
            .where(enquiry_calls.c.at < cutoff, enquiry_calls.c.note != "")
            .values(note="")
        )
        return int(emptied.rowcount or 0) + int(calls.rowcount or 0)


async def audience_visit_in(
    connection: AsyncConnection,
    appointment_id: int,
    request_id: int,
    centre: str,
    served_by: str,
    now: datetime,
) -> None:
    """A booth check-in's visit (purpose *audience*), once per appointment: checking her in
    again after a check-out counts no second visit."""
    exists = await connection.execute(
        select(visits.c.id).where(visits.c.appointment_id == appointment_id)
    )
    if exists.first() is not None:
        return
    try:
        async with connection.begin_nested():
            await connection.execute(
                insert(visits).values(
                    centre=centre,
                    purpose=VisitPurpose.AUDIENCE.value,
                    request_id=request_id,
                    appointment_id=appointment_id,
                    served_by=served_by,
                    arrived_at=now,
                    note="",
                )
            )
    except IntegrityError:
        return  # recorded by a check-in at the same moment


async def finish_audience_visit_in(
    connection: AsyncConnection, appointment_id: int, now: datetime
) -> None:
    """The check-out ends her visit (its service time: from check-in to check-out)."""
    await connection.execute(
        update(visits)
        .where(visits.c.appointment_id == appointment_id, visits.c.finished_at.is_(None))
        .values(finished_at=now)
    )


async def _linked_request_in(
    connection: AsyncConnection, centre: str, tracking_number: str | None, scope: CentreScope
) -> int | None:
    """The id of the request a tracking number names (typed with or without spaces), which
    must be of the visit's centre; the centre must exist and be hers."""
    await require_centre_in(connection, centre)
    if not scope.covers(centre):
        raise CentreNotServed(centre[:32])
    if not tracking_number or not tracking_number.strip():
        return None
    try:
        digits = parse_tracking_number(tracking_number)
    except InvalidTrackingNumber:
        raise UnknownLinkedRequest("not a tracking number") from None
    found = await connection.execute(
        select(requests.c.id).where(
            requests.c.tracking_number == digits, requests.c.centre == centre
        )
    )
    request_id = found.scalar_one_or_none()
    if request_id is None:
        raise UnknownLinkedRequest("no request of this centre has that number")
    return int(request_id)


def _visit_query() -> Select[Any]:
    return select(
        visits.c.id,
        visits.c.centre,
        visits.c.purpose,
        requests.c.tracking_number,
        visits.c.served_by,
        visits.c.arrived_at,
        visits.c.finished_at,
        visits.c.note,
    ).select_from(visits.outerjoin(requests, requests.c.id == visits.c.request_id))


def _call_query() -> Select[Any]:
    c = enquiry_calls.c
    return select(
        c.id,
        c.centre,
        c.direction,
        c.purpose,
        c.outcome,
        requests.c.tracking_number,
        c.duration_seconds,
        c.handled_by,
        c.at,
        c.note,
    ).select_from(enquiry_calls.outerjoin(requests, requests.c.id == c.request_id))


def _formatted(tracking_number: str | None) -> str | None:
    return None if tracking_number is None else format_tracking_number(tracking_number)
