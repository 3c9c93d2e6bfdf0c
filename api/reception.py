"""Reception: a walk-in visit recorded and finished, an enquiry call logged, and the day's of
both for the desk's reception screen. The served-by / handled-by is the signed-in caller. The
audit row names the visit or call and its centre, never a note or an applicant."""

from __future__ import annotations

from aiohttp import web

from api import models
from api.edge import (
    Route,
    actor_of,
    audit,
    caller_of,
    json_answer,
    now_of,
    path_id,
    read_body,
    read_query,
    services_of,
)
from reception.log import NewCall, NewVisit
from rooms.permissions import Permission


async def record_visit(request: web.Request) -> web.Response:
    body = await read_body(request, models.NewVisit)
    visit = await services_of(request).reception.record_visit(
        NewVisit(**body.model_dump()),
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "reception.visit", f"visit:{visit.id}", f"{visit.centre}:{visit.purpose}")
    return json_answer({"visit": visit}, status=201)


async def finish_visit(request: web.Request) -> web.Response:
    visit = await services_of(request).reception.finish_visit(
        path_id(request), now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "reception.visit_finished", f"visit:{visit.id}", visit.centre)
    return json_answer({"visit": visit})


async def day_visits(request: web.Request) -> web.Response:
    query = read_query(request, models.ReceptionDayQuery)
    found = await services_of(request).reception.visits_since(
        query.since, scope=caller_of(request).scope
    )
    return json_answer({"visits": found})


async def record_call(request: web.Request) -> web.Response:
    body = await read_body(request, models.NewCall)
    call = await services_of(request).reception.record_call(
        NewCall(**body.model_dump()),
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "reception.call", f"call:{call.id}", f"{call.centre}:{call.purpose}")
    return json_answer({"call": call}, status=201)


async def day_calls(request: web.Request) -> web.Response:
    query = read_query(request, models.ReceptionDayQuery)
    found = await services_of(request).reception.calls_since(
        query.since, scope=caller_of(request).scope
    )
    return json_answer({"calls": found})


ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/visits", Permission.RECEPTION, record_visit),
    Route("GET", "/api/visits", Permission.RECEPTION, day_visits),
    Route("POST", "/api/visits/{id}/finish", Permission.RECEPTION, finish_visit),
    Route("POST", "/api/calls", Permission.RECEPTION, record_call),
    Route("GET", "/api/calls", Permission.RECEPTION, day_calls),
)
