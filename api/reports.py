"""Statistics and their CSV export."""

from __future__ import annotations

from aiohttp import web

from api.edge import (
    Route,
    audit,
    caller_of,
    json_answer,
    services_of,
)
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


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/statistics", Permission.STATISTICS_READ, figures),
    Route("GET", "/api/statistics.csv", Permission.STATISTICS_READ, figures_csv),
)
