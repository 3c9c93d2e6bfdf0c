"""An enrolled device's own routes: its assignment, join tokens and heartbeats, and at the
booth the applicant's amendment of her wording and her rating."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from api import models
from api.edge import (
    Route,
    audit,
    caller_of,
    json_answer,
    now_of,
    read_body,
    services_of,
    staff_caller,
)
from rooms.errors import UnknownRoom
from rooms.permissions import Permission
from rooms.service import RoomService
from rooms.state import RoomState
from scheduler.status import AppointmentStatus
from scheduler.views import Assignment


async def _assignment(request: web.Request) -> Assignment:
    return await services_of(request).seats.assignment(caller_of(request), now_of(request))


# Where a booth page that (re)loads during her audience takes her back to, by the room's state:
# she had passed the device check (lobby, audience, pause), or had begun it and dropped.
RESUME_AT = {RoomState.LOBBY: "lobby", RoomState.LIVE: "audience", RoomState.PAUSED: "lobby"}


def resume_at(rooms: RoomService, room_id: str | None) -> str | None:
    """``lobby``, ``audience`` or ``device_check`` when the booth is to go straight back into
    its room (no greeting, review or consent again); None when her audience starts afresh or
    is over."""
    if room_id is None:
        return None
    try:
        room = rooms.room(room_id)
    except UnknownRoom:
        return None
    if room.state is RoomState.OPEN and room.booth_back_by is not None:
        return "device_check"
    return RESUME_AT.get(room.state)


def _still_to_be_heard(assignment: Assignment) -> bool:
    """Her name, wording and tracking number go to the booth until her audience is over (heard,
    ended otherwise, or rated): after it the booth is told nothing of her, whoever sits down
    next."""
    return assignment.status is AppointmentStatus.CONFIRMED and not assignment.rated


async def device_self(request: web.Request) -> web.Response:
    caller = caller_of(request)
    services = services_of(request)
    assignment: dict[str, object] | None = None
    in_service = True
    if caller.role == "booth":
        # Out of service, the booth says so and is told of no applicant (check-in and its
        # seat are refused there: scheduler.occupancy, scheduler.seats).
        in_service = await services.scheduler_views.booth_in_service(caller.name)
        found = await services.scheduler_views.assignment_of(caller.name, now_of(request))
        if found is not None and in_service:
            assignment = dataclasses.asdict(found)
            if _still_to_be_heard(found):
                greeting = await services.casework_views.greeting(found.request)
                assignment.update(dataclasses.asdict(greeting))
                assignment["resume_at"] = resume_at(services.rooms, found.room)
    return json_answer(
        {
            "device": caller.name,
            "kind": caller.role,
            "in_service": in_service,
            "assignment": assignment,
            "server_time": now_of(request).isoformat(),
        }
    )


async def device_join_token(request: web.Request) -> web.Response:
    """A single-use join token for this device's seat (scheduler.seats says whose)."""
    caller, services = caller_of(request), services_of(request)
    room, member = None, None
    if caller.role != "booth":  # an office terminal: the room it asks for, the person at it
        room = (await read_body(request, models.RoomChoice)).room
        member = await staff_caller(services, request.cookies)
    seat = await services.seats.join_token(caller, member, room, now_of(request))
    await audit(request, "device.join_token", f"room:{seat.room}")
    return json_answer(seat)


async def device_heartbeat(request: web.Request) -> web.Response:
    caller = caller_of(request)
    body = await read_body(request, models.HeartbeatBody)
    await services_of(request).devices.heartbeat(
        caller.name, body.screen, body.round_trip_ms, now_of(request)
    )
    return json_answer({"ok": True, "server_time": now_of(request).isoformat()})


async def device_amend(request: web.Request) -> web.Response:
    body = await read_body(request, models.Amendment)
    assignment = await _assignment(request)
    version = await services_of(request).casework.amend_text(
        assignment.request, body.text, "applicant", now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "request.amend", f"request:{assignment.request}", "at the booth")
    return json_answer({"version": version})


async def device_rating(request: web.Request) -> web.Response:
    body = await read_body(request, models.Rating)
    assignment = await _assignment(request)
    await services_of(request).scheduler.rate(assignment.appointment, body.stars)
    return json_answer({"ok": True})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/device", Permission.DEVICE_SELF, device_self),
    Route("POST", "/api/device/join-token", Permission.DEVICE_SELF, device_join_token),
    Route("POST", "/api/device/heartbeat", Permission.DEVICE_SELF, device_heartbeat),
    Route("POST", "/api/device/text", Permission.DEVICE_SELF, device_amend),
    Route("POST", "/api/device/rating", Permission.DEVICE_SELF, device_rating),
)
