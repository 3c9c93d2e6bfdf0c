"""The office terminal's screens: the day's queue, the pre-brief, the audience's outcome.

The office's data is read by a signed-in office member at an enrolled office terminal (both
credentials, ``rooms.permissions.AT_OWN_TERMINAL``), and only of that terminal's own sittings
on the service's current day: another terminal's appointment, or another day's, is one she
does not know (404)."""

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
    services_of,
)
from foundation.clock import service_day_start
from rooms.errors import NotPermitted
from rooms.permissions import Permission, allowed
from scheduler.appointments import Appointment
from scheduler.outcome import OfficeOutcome


async def day_queue(request: web.Request) -> web.Response:
    """An office member at her terminal gets that terminal's queue of today (the service's
    day), whatever day she names; nobody else reads an office's queue (the coordinators book
    on the calendar, which shows only their centres' applicants)."""
    query = models.QueueQuery.model_validate(dict(request.query))
    caller = caller_of(request)
    if caller.terminal != query.office:
        raise NotPermitted("an office terminal sees its own queue only")
    start = service_day_start(now_of(request))
    queue = await services_of(request).scheduler_views.day_queue(
        query.office, start, identified=allowed(caller.role, Permission.REQUEST_IDENTITY)
    )
    return json_answer({"queue": queue, "from": start.isoformat()})


async def _own_appointment(request: web.Request) -> Appointment:
    """The path's appointment, if it is one of today's on the caller's own terminal."""
    caller = caller_of(request)
    if caller.terminal is None:
        raise NotPermitted("an office member at her own terminal only")
    return await services_of(request).scheduler_views.on_terminal(
        path_id(request), caller.terminal, service_day_start(now_of(request))
    )


async def brief(request: web.Request) -> web.Response:
    appointment = await _own_appointment(request)
    body = await services_of(request).casework_views.brief(
        appointment.request_id, scope=caller_of(request).scope
    )
    await audit(request, "request.brief", f"request:{appointment.request_id}")
    return json_answer(body)


async def outcome(request: web.Request) -> web.Response:
    """The office's outcome form: resolved (closed), referred to a department, or follow-up."""
    body = await read_body(request, models.Outcome)
    appointment = await _own_appointment(request)
    recorded = await services_of(request).outcomes.record_outcome(
        appointment.id,
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
    Route("GET", "/api/queue", Permission.OFFICE_QUEUE, day_queue),
    Route("GET", "/api/appointments/{id}/brief", Permission.OUTCOME_WRITE, brief),
    Route("POST", "/api/appointments/{id}/outcome", Permission.OUTCOME_WRITE, outcome),
)
