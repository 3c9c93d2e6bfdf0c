"""Figures for the coordination team: requests by status and centre, audiences held, average
audience duration, no-show rate, SMS sent; and the same as CSV. Each caller's figures count
her centres' requests (and their appointments and SMS) only, or every centre's when her
account serves every centre."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.tables import outbox, requests
from foundation.scope import CentreScope
from scheduler.status import AppointmentStatus
from scheduler.tables import appointments


@dataclass(frozen=True)
class CentreStatusCount:
    centre: str
    status: str
    count: int


@dataclass(frozen=True)
class DayCount:
    day: str
    count: int


@dataclass(frozen=True)
class Figures:
    requests_by_centre_and_status: tuple[CentreStatusCount, ...]
    audiences_held: int
    no_show_rate: float | None
    average_audience_minutes: float | None
    audiences_per_day: tuple[DayCount, ...]  # the last 31 days with an audience
    satisfaction_average: float | None
    ratings: int
    sms_sent: int
    sms_segments: int


class StatisticsReport:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def figures(self, audience_minutes: dict[str, float], *, scope: CentreScope) -> Figures:
        """``audience_minutes``: room id → minutes from admission to end, from the rooms'
        events (the rooms package owns them; the caller passes them in)."""
        return await _figures(self._engine, audience_minutes, scope)


async def _figures(
    engine: AsyncEngine, audience_minutes: dict[str, float], scope: CentreScope
) -> Figures:
    heard_status = AppointmentStatus.HEARD.value
    her_requests = select(requests.c.id).where(scope.where(requests.c.centre))
    her_appointments = appointments.c.request_id.in_(her_requests)
    # Every centre's figures keep the SMS of no request (none today); a centre's, its own.
    her_sms = outbox.c.request_id.in_(her_requests) if not scope.everywhere else true()
    async with engine.connect() as connection:
        by_status = {
            (r.centre, r.status): int(r.n)
            for r in await connection.execute(
                select(requests.c.centre, requests.c.status, func.count().label("n"))
                .where(scope.where(requests.c.centre))
                .group_by(requests.c.centre, requests.c.status)
            )
        }
        outcomes = {
            r.status: int(r.n)
            for r in await connection.execute(
                select(appointments.c.status, func.count().label("n"))
                .where(her_appointments)
                .group_by(appointments.c.status)
            )
        }
        satisfaction, ratings = (
            await connection.execute(
                select(func.avg(appointments.c.rating), func.count(appointments.c.rating)).where(
                    her_appointments
                )
            )
        ).one()
        per_day = [
            DayCount(str(r.day), int(r.n))
            for r in await connection.execute(
                select(func.date(appointments.c.starts_at).label("day"), func.count().label("n"))
                .where(appointments.c.status == heard_status, her_appointments)
                .group_by(func.date(appointments.c.starts_at))
                .order_by(func.date(appointments.c.starts_at))
            )
        ]
        sms_sent, sms_segments = (
            await connection.execute(
                select(func.count(), func.coalesce(func.sum(outbox.c.segments), 0)).where(
                    outbox.c.status == "sent", her_sms
                )
            )
        ).one()
        her_rooms = (
            None
            if scope.everywhere
            else {
                r.room_id
                for r in await connection.execute(
                    select(appointments.c.room_id).where(
                        her_appointments, appointments.c.room_id.is_not(None)
                    )
                )
            }
        )
    heard = outcomes.get(heard_status, 0)
    no_show = outcomes.get(AppointmentStatus.NO_SHOW.value, 0)
    durations = [
        minutes
        for room, minutes in audience_minutes.items()
        if her_rooms is None or room in her_rooms
    ]
    return Figures(
        requests_by_centre_and_status=tuple(
            CentreStatusCount(centre, status, count)
            for (centre, status), count in sorted(by_status.items())
        ),
        audiences_held=heard,
        no_show_rate=round(no_show / (heard + no_show), 3) if heard + no_show else None,
        average_audience_minutes=round(sum(durations) / len(durations), 1) if durations else None,
        audiences_per_day=tuple(per_day[-31:]),
        satisfaction_average=round(float(satisfaction), 2) if ratings else None,
        ratings=int(ratings),
        sms_sent=int(sms_sent),
        sms_segments=int(sms_segments),
    )


# A spreadsheet runs a cell that starts like this as a formula (CSV injection); tab and
# carriage return too, as some strip them first and then see the formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(cell: str) -> str:
    """A text cell a spreadsheet shows as text: a leading apostrophe before a formula start."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def statistics_csv(figures: Figures) -> str:
    """Text cells are neutralised (``spreadsheet_text``); numbers are written as numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "centre", "status", "value"])
    for row in figures.requests_by_centre_and_status:
        centre, status = spreadsheet_text(row.centre), spreadsheet_text(row.status)
        writer.writerow(["requests", centre, status, row.count])
    for measure, value in (
        ("audiences_held", figures.audiences_held),
        ("no_show_rate", figures.no_show_rate),
        ("average_audience_minutes", figures.average_audience_minutes),
        ("satisfaction_average", figures.satisfaction_average),
        ("sms_sent", figures.sms_sent),
        ("sms_segments", figures.sms_segments),
    ):
        writer.writerow([measure, "", "", "" if value is None else value])
    return out.getvalue()
