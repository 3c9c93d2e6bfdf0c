"""An enrolled device's own routes: its assignment, join tokens and heartbeats, and at the
booth the applicant's amendment of her wording and her rating."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from api import models
from api.edge import (
    SESSION_COOKIE,
    Route,
    audit,
    caller_of,
    json_answer,
    now_of,
    read_body,
    services_of,
)
from rooms.callers import Caller
from rooms.errors import NotPermitted, TokenError, UnknownRoom
from rooms.permissions import Permission, require
from scheduler.errors import UnknownAppointment
from scheduler.views import Assignment


async def _assignment(request: web.Request, caller: Caller) -> Assignment:
    if caller.role != "booth":
        raise NotPermitted("a booth only")
    found = await services_of(request).scheduler_views.assignment_of(caller.name, now_of(request))
    if found is None:
        raise UnknownAppointment("no applicant is checked in at this booth")
    return found


async def device_self(request: web.Request) -> web.Response:
    caller = caller_of(request)
    services, assignment = services_of(request), None
    if caller.role == "booth":
        found = await services.scheduler_views.assignment_of(caller.name, now_of(request))
        if found is not None:
            greeting = await services.views.greeting(found.request)
            assignment = {**dataclasses.asdict(found), **dataclasses.asdict(greeting)}
    return json_answer(
        {
            "device": caller.name,
            "kind": caller.role,
            "assignment": assignment,
            "server_time": now_of(request).isoformat(),
        }
    )


async def device_join_token(request: web.Request) -> web.Response:
    """A single-use join token for this device's seat. The booth's room is that of the
    applicant checked in at it; an office terminal names the room and needs a signed-in
    office staff member too (the terminal and the person, both)."""
    caller = caller_of(request)
    services = services_of(request)
    if caller.role == "booth":
        room = (await _assignment(request, caller)).room
    else:
        room = (await read_body(request, models.RoomChoice)).room
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is None:
            raise TokenError("an office member must be signed in at this terminal")
        session = await services.accounts.session(cookie, now_of(request))
        require(session.role, Permission.ADMIT)
    if room is None:
        raise UnknownRoom("no room named")
    if caller.role == "office" and services.rooms.seats(room).office_device != caller.name:
        raise NotPermitted("not this terminal's room")
    token = services.rooms.issue_join_token(room, caller.role)
    await audit(request, "device.join_token", f"room:{room}")
    return json_answer({"room": room, "token": token})


async def device_heartbeat(request: web.Request) -> web.Response:
    caller = caller_of(request)
    body = await read_body(request, models.HeartbeatBody)
    await services_of(request).devices.heartbeat(
        caller.name, body.screen, body.round_trip_ms, now_of(request)
    )
    return json_answer({"ok": True, "server_time": now_of(request).isoformat()})


async def device_amend(request: web.Request) -> web.Response:
    caller = caller_of(request)
    body = await read_body(request, models.Amendment)
    assignment = await _assignment(request, caller)
    version = await services_of(request).desk.amend_text(
        assignment.request, body.text, "applicant", now_of(request)
    )
    await audit(request, "request.amend", f"request:{assignment.request}", "at the booth")
    return json_answer({"version": version})


async def device_rating(request: web.Request) -> web.Response:
    caller = caller_of(request)
    body = await read_body(request, models.Rating)
    assignment = await _assignment(request, caller)
    await services_of(request).scheduler.rate(assignment.appointment, body.stars)
    return json_answer({"ok": True})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/device", Permission.DEVICE_SELF, device_self),
    Route("POST", "/api/device/join-token", Permission.DEVICE_SELF, device_join_token),
    Route("POST", "/api/device/heartbeat", Permission.DEVICE_SELF, device_heartbeat),
    Route("POST", "/api/device/text", Permission.DEVICE_SELF, device_amend),
    Route("POST", "/api/device/rating", Permission.DEVICE_SELF, device_rating),
)
