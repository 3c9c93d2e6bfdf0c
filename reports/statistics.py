"""Figures for the coordination team: requests by status and centre, audiences held, average
audience duration, no-show rate, SMS sent; and the same as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.tables import outbox, requests
from scheduler.tables import appointments


async def statistics(engine: AsyncEngine, audience_minutes: dict[str, float]) -> dict[str, Any]:
    """``audience_minutes``: room id → minutes from admission to end, from the rooms' events
    (the rooms package owns them; the caller passes them in)."""
    async with engine.connect() as connection:
        by_status = {
            (r.centre, r.status): int(r.n)
            for r in await connection.execute(
                select(requests.c.centre, requests.c.status, func.count().label("n")).group_by(
                    requests.c.centre, requests.c.status
                )
            )
        }
        outcomes = {
            r.status: int(r.n)
            for r in await connection.execute(
                select(appointments.c.status, func.count().label("n")).group_by(
                    appointments.c.status
                )
            )
        }
        satisfaction, ratings = (
            await connection.execute(
                select(func.avg(appointments.c.rating), func.count(appointments.c.rating))
            )
        ).one()
        per_day = [
            {"day": str(r.day), "count": int(r.n)}
            for r in await connection.execute(
                select(func.date(appointments.c.starts_at).label("day"), func.count().label("n"))
                .where(appointments.c.status == "heard")
                .group_by(func.date(appointments.c.starts_at))
                .order_by(func.date(appointments.c.starts_at))
            )
        ]
        sms_sent, sms_segments = (
            await connection.execute(
                select(func.count(), func.coalesce(func.sum(outbox.c.segments), 0)).where(
                    outbox.c.status == "sent"
                )
            )
        ).one()
    heard, no_show = outcomes.get("heard", 0), outcomes.get("no_show", 0)
    durations = list(audience_minutes.values())
    return {
        "requests_by_centre_and_status": [
            {"centre": centre, "status": status, "count": count}
            for (centre, status), count in sorted(by_status.items())
        ],
        "audiences_held": heard,
        "no_show_rate": round(no_show / (heard + no_show), 3) if heard + no_show else None,
        "average_audience_minutes": round(sum(durations) / len(durations), 1)
        if durations
        else None,
        "audiences_per_day": per_day[-31:],
        "satisfaction_average": round(float(satisfaction), 2) if ratings else None,
        "ratings": int(ratings),
        "sms_sent": int(sms_sent),
        "sms_segments": int(sms_segments),
    }


def statistics_csv(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "centre", "status", "value"])
    for row in figures["requests_by_centre_and_status"]:
        writer.writerow(["requests", row["centre"], row["status"], row["count"]])
    for measure in (
        "audiences_held",
        "no_show_rate",
        "average_audience_minutes",
        "satisfaction_average",
        "sms_sent",
        "sms_segments",
    ):
        value = figures[measure]
        writer.writerow([measure, "", "", "" if value is None else value])
    return out.getvalue()
