"""The office terminal's screens: the day's queue, the pre-brief, the audience's outcome."""

from __future__ import annotations

from datetime import UTC, datetime, time

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
    services_of,
)
from rooms.callers import CallerKind
from rooms.errors import NotPermitted
from rooms.permissions import Permission
from scheduler.outcome import OfficeOutcome


async def day_queue(request: web.Request) -> web.Response:
    query = models.QueueQuery.model_validate(dict(request.query))
    caller = caller_of(request)
    if caller.role == "office" and caller.kind != CallerKind.PERSON and caller.name != query.office:
        raise NotPermitted("an office terminal sees its own queue only")
    now = now_of(request)
    start = query.day_start or datetime.combine(now.date(), time(0), tzinfo=UTC)
    queue = await services_of(request).scheduler_views.day_queue(query.office, start)
    return json_answer({"queue": queue, "from": start.isoformat()})


async def brief(request: web.Request) -> web.Response:
    services = services_of(request)
    scope = caller_of(request).scope
    appointment = await services.scheduler_views.appointment(path_id(request), scope=scope)
    body = await services.casework_views.brief(appointment.request_id, scope=scope)
    await audit(request, "request.brief", f"request:{appointment.request_id}")
    return json_answer(body)


async def outcome(request: web.Request) -> web.Response:
    """The office's outcome form: resolved (closed), referred to a department, or follow-up."""
    body = await read_body(request, models.Outcome)
    recorded = await services_of(request).outcomes.record_outcome(
        path_id(request),
        OfficeOutcome(body.outcome),
        body.department,
        body.note,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "request.outcome", f"request:{recorded.request_id}", body.outcome)
    return json_answer({"ok": True, "outcome": body.outcome})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/queue", Permission.SCHEDULE_READ, day_queue),
    Route("GET", "/api/appointments/{id}/brief", Permission.OUTCOME_WRITE, brief),
    Route("POST", "/api/appointments/{id}/outcome", Permission.OUTCOME_WRITE, outcome),
)
