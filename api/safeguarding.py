"""The safeguarding alert: the booth's discreet press and its undo, and the coordinators' own
handling of their centres' alerts (acknowledge, a technical pause of her audience, handled
with a note). Every step is audited by the alert's number, never with what was written."""

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
from rooms.permissions import Permission
from safeguarding.alerts import notice_of


async def raise_at_booth(request: web.Request) -> web.Response:
    """The booth's answer says no more than that it was received: its screen shows nothing."""
    caller, services = caller_of(request), services_of(request)
    found = await services.scheduler_views.assignment_of(caller.name, now_of(request))
    room = found.room if found is not None else None
    alert = await services.safeguarding.raise_alert(caller.name, room, now_of(request))
    await audit(request, "safeguarding.raised", f"safeguarding:{alert.id}")
    return json_answer({"id": alert.id})


async def undo_at_booth(request: web.Request) -> web.Response:
    alert_id = path_id(request)
    await services_of(request).safeguarding.withdraw(
        alert_id, caller_of(request).name, now_of(request)
    )
    await audit(request, "safeguarding.withdrawn", f"safeguarding:{alert_id}")
    return json_answer({"ok": True})


async def open_alerts(request: web.Request) -> web.Response:
    alerts = await services_of(request).safeguarding.open_alerts(scope=caller_of(request).scope)
    return json_answer({"alerts": [notice_of(alert) for alert in alerts]})


async def acknowledge(request: web.Request) -> web.Response:
    alert_id = path_id(request)
    alert = await services_of(request).safeguarding.acknowledge(
        alert_id, actor_of(request), now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "safeguarding.acknowledged", f"safeguarding:{alert_id}")
    return json_answer({"alert": notice_of(alert)})


async def pause_audience(request: web.Request) -> web.Response:
    alert_id = path_id(request)
    alert = await services_of(request).safeguarding.pause_audience(
        alert_id, actor_of(request), now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "safeguarding.paused", f"safeguarding:{alert_id}", f"room:{alert.room}")
    return json_answer({"alert": notice_of(alert)})


async def resume_audience(request: web.Request) -> web.Response:
    alert_id = path_id(request)
    alert = await services_of(request).safeguarding.resume_audience(
        alert_id, now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "safeguarding.resumed", f"safeguarding:{alert_id}", f"room:{alert.room}")
    return json_answer({"alert": notice_of(alert)})


async def handled(request: web.Request) -> web.Response:
    alert_id = path_id(request)
    body = await read_body(request, models.SafeguardingHandling)
    alert = await services_of(request).safeguarding.handle(
        alert_id, actor_of(request), body.note, now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "safeguarding.handled", f"safeguarding:{alert_id}")
    return json_answer({"alert": notice_of(alert)})


ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/device/safeguarding", Permission.SAFEGUARDING_RAISE, raise_at_booth),
    Route(
        "POST", "/api/device/safeguarding/{id}/undo", Permission.SAFEGUARDING_RAISE, undo_at_booth
    ),
    Route("GET", "/api/safeguarding", Permission.SAFEGUARDING_HANDLE, open_alerts),
    Route(
        "POST",
        "/api/safeguarding/{id}/acknowledge",
        Permission.SAFEGUARDING_HANDLE,
        acknowledge,
    ),
    Route("POST", "/api/safeguarding/{id}/pause", Permission.SAFEGUARDING_HANDLE, pause_audience),
    Route("POST", "/api/safeguarding/{id}/resume", Permission.SAFEGUARDING_HANDLE, resume_audience),
    Route("POST", "/api/safeguarding/{id}/handled", Permission.SAFEGUARDING_HANDLE, handled),
)
