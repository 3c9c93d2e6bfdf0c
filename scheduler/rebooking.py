"""The priority rebooking list: applicants whose audience ended as a technical failure, to be
called and rebooked before anyone on a standby list. Derived, not stored: an appointment with
the ``tech_failure`` outcome whose request has had no appointment since and is still under
review is on it, oldest failure first — so nothing about her request can be lost, and booking
her again takes her off by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import alias

from casework.lifecycle import RequestStatus
from casework.tables import requests
from casework.tracking import format_tracking_number
from foundation.scope import CentreScope
from scheduler.status import AppointmentStatus
from scheduler.tables import appointments


@dataclass(frozen=True)
class PriorityEntry:
    request: int
    tracking_number: str  # formatted for people
    appointment: int  # the one that failed
    failed_audience_at: datetime


class PriorityRebooking:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def entries(self, *, scope: CentreScope) -> list[PriorityEntry]:
        async with self._engine.connect() as connection:
            return await priority_entries_in(connection, scope)


async def priority_entries_in(
    connection: AsyncConnection, scope: CentreScope
) -> list[PriorityEntry]:
    later = alias(appointments, "later")
    rebooked = exists().where(
        and_(later.c.request_id == appointments.c.request_id, later.c.id > appointments.c.id)
    )
    rows = await connection.execute(
        select(
            appointments.c.id,
            appointments.c.request_id,
            appointments.c.starts_at,
            requests.c.tracking_number,
        )
        .join(requests, requests.c.id == appointments.c.request_id)
        .where(
            appointments.c.status == AppointmentStatus.TECHNICAL_FAILURE.value,
            requests.c.status == RequestStatus.UNDER_REVIEW.value,
            ~rebooked,
            scope.where(requests.c.centre),
        )
        .order_by(appointments.c.starts_at, appointments.c.id)
    )
    return [
        PriorityEntry(r.request_id, format_tracking_number(r.tracking_number), r.id, r.starts_at)
        for r in rows
    ]
