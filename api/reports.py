"""Statistics and their CSV export; the ministry's figures for a period, as JSON and as an
Arabic spreadsheet."""

from __future__ import annotations

from aiohttp import web

from api import models
from api.edge import (
    Route,
    audit,
    caller_of,
    json_answer,
    now_of,
    read_query,
    services_of,
)
from reports.ministry import MinistryReport
from reports.ministry_csv import ministry_csv
from reports.statistics import Figures, statistics_csv
from rooms.permissions import Permission


async def _figures(request: web.Request) -> Figures:
    services = services_of(request)
    return await services.statistics.figures(
        await services.room_store.audience_minutes(), scope=caller_of(request).scope
    )


async def figures(request: web.Request) -> web.Response:
    return json_answer(await _figures(request))


async def figures_csv(request: web.Request) -> web.Response:
    await audit(request, "statistics.export", "statistics.csv")
    return web.Response(
        text=statistics_csv(await _figures(request)),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="majlis-statistics.csv"'},
    )


async def _ministry(request: web.Request) -> MinistryReport:
    services = services_of(request)
    period = read_query(request, models.ReportQuery).as_period()
    return await services.ministry.report(
        period,
        await services.room_store.audience_minutes(),
        scope=caller_of(request).scope,
        now=now_of(request),
    )


async def ministry(request: web.Request) -> web.Response:
    return json_answer(await _ministry(request))


async def ministry_export(request: web.Request) -> web.Response:
    report = await _ministry(request)
    names = {c.code: c.name_ar for c in await services_of(request).reference.centres()}
    period = report.period
    span = f"{period.first_day.isoformat()}_{period.last_day.isoformat()}"
    await audit(request, "report.export", "ministry.csv", span)
    return web.Response(
        text=ministry_csv(report, names),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="majlis-report-{span}.csv"'},
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/statistics", Permission.STATISTICS_READ, figures),
    Route("GET", "/api/statistics.csv", Permission.STATISTICS_READ, figures_csv),
    Route("GET", "/api/reports/ministry", Permission.STATISTICS_READ, ministry),
    Route("GET", "/api/reports/ministry.csv", Permission.STATISTICS_READ, ministry_export),
)
