"""The office terminal's screens: the day's queue, the pre-brief, the audience's outcome."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

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
from desk.lifecycle import RequestStatus
from desk.service import UnknownDepartment
from rooms.callers import CallerKind
from rooms.errors import NotPermitted, UnknownRoom
from rooms.permissions import Permission
from scheduler.errors import NotConfirmable

REFERRAL_DUE = timedelta(days=14)


async def day_queue(request: web.Request) -> web.Response:
    query = models.QueueQuery.model_validate(dict(request.query))
    caller = caller_of(request)
    if caller.role == "office" and caller.kind != CallerKind.PERSON and caller.name != query.office:
        raise NotPermitted("an office terminal sees its own queue only")
    now = now_of(request)
    start = query.day_start or datetime.combine(now.date(), time(0), tzinfo=UTC)
    services = services_of(request)
    queue = await services.scheduler.day_queue(query.office, start)
    for item in queue:  # the live room's state, when it exists: "Jeddah · booth 2 · ready"
        item["room_state"] = None
        if item["room"]:
            try:
                room = services.rooms.room(item["room"])
            except UnknownRoom:
                continue
            item["room_state"] = {
                "state": room.state.value,
                "booth_present": room.booth_present,
                "last_preflight": room.last_preflight,
            }
    return json_answer({"queue": queue, "from": start.isoformat()})


async def brief(request: web.Request) -> web.Response:
    services = services_of(request)
    appointment = await services.scheduler.get(path_id(request))
    body = await services.views.brief(appointment.request_id)
    await audit(request, "request.brief", f"request:{appointment.request_id}")
    return json_answer(body)


async def outcome(request: web.Request) -> web.Response:
    """The office's outcome form: resolved (closed), referred to a department, or follow-up."""
    body = await read_body(request, models.Outcome)
    services, now = services_of(request), now_of(request)
    appointment = await services.scheduler.settle(path_id(request), now)
    if appointment.status != "heard":
        raise NotConfirmable("the audience has not ended yet")
    request_id, actor = appointment.request_id, actor_of(request)
    if body.outcome == "resolved":
        await services.desk.change_status(request_id, RequestStatus.CLOSED, actor, now, body.note)
    elif body.outcome == "referred":
        if body.department is None:
            raise UnknownDepartment("a referral names a department")
        due = (now + REFERRAL_DUE).date()
        await services.desk.refer(request_id, body.department, due, body.note, actor, now)
    else:
        await services.desk.note(request_id, actor, f"follow_up: {body.note}"[:500], now)
    await audit(request, "request.outcome", f"request:{request_id}", body.outcome)
    return json_answer({"ok": True, "outcome": body.outcome})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/queue", Permission.SCHEDULE_READ, day_queue),
    Route("GET", "/api/appointments/{id}/brief", Permission.OUTCOME_WRITE, brief),
    Route("POST", "/api/appointments/{id}/outcome", Permission.OUTCOME_WRITE, outcome),
)
