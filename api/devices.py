"""Managing devices (adding, correcting a label, enrollment codes as text and QR, revocation,
out of service and back), enrolling one, the day board and its alerts."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from api import models
from api.edge import (
    Route,
    actor_of,
    audit,
    caller_of,
    identified,
    json_answer,
    now_of,
    path_id,
    read_body,
    services_of,
)
from audit.log import AuditEntry
from devices.errors import EnrollmentFailed, TooManyEnrollmentAttempts
from devices.proof import DeviceKey
from devices.service import Device
from foundation.scope import EVERY_CENTRE, CentreScope
from rooms.permissions import Permission, allowed


def _row(request: web.Request, device: Device) -> dict[str, object]:
    """A device as ``GET /api/devices`` lists it."""
    return {
        "id": device.id,
        "name": device.name,
        "kind": device.kind,
        "centre": device.centre,
        "in_service": device.in_service,
        "out_of_service_reason": device.out_of_service_reason,
        "expected_back_at": device.expected_back_at,
        "revoked": services_of(request).devices.is_revoked(device.name),
    }


async def device_list(request: web.Request) -> web.Response:
    """Each device, with the key of its live enrollment (``public_key``, JWK, or None) and the
    directory key that endorsed it (``endorsed_by``, or None): the devices screen endorses."""
    services = services_of(request)
    rows = []
    for device in await services.devices.all():
        key = await services.devices.registered_key(device.name)
        endorsement = await services.directory.endorsement(device.name) if key else None
        rows.append(
            _row(request, device)
            | {
                "public_key": key.jwk() if key else None,
                "endorsed_by": endorsement.by if endorsement else None,
            }
        )
    return json_answer({"devices": rows})


def _service_scope(request: web.Request) -> CentreScope:
    """The booths a caller sets out of service: an administrator's (who manages devices)
    every centre's, a coordinator's her centres'."""
    caller = caller_of(request)
    return EVERY_CENTRE if allowed(caller.role, Permission.DEVICE_MANAGE) else caller.scope


async def out_of_service(request: web.Request) -> web.Response:
    body = await read_body(request, models.OutOfService)
    outage = await services_of(request).outages.take_out(
        path_id(request),
        body.reason,
        body.expected_back_at,
        now_of(request),
        scope=_service_scope(request),
        identified=identified(request),
    )
    # The coordinator's words on a device: no applicant's data (the affected are not named).
    await audit(request, "device.out_of_service", f"device:{outage.device.name}", body.reason)
    return json_answer({"device": _row(request, outage.device), "affected": outage.affected})


async def in_service(request: web.Request) -> web.Response:
    device = await services_of(request).outages.bring_back(
        path_id(request), scope=_service_scope(request)
    )
    await audit(request, "device.in_service", f"device:{device.name}")
    return json_answer({"device": _row(request, device)})


async def affected(request: web.Request) -> web.Response:
    found = await services_of(request).outages.affected(
        path_id(request),
        now_of(request),
        scope=_service_scope(request),
        identified=identified(request),
    )
    return json_answer({"affected": found})


async def start_enrollment(request: web.Request) -> web.Response:
    enrollment = await services_of(request).devices.start_enrollment(
        path_id(request), now_of(request)
    )
    await audit(request, "device.enrollment", f"device:{enrollment.device.name}")
    return json_answer(
        {
            "device": enrollment.device.name,
            "code": enrollment.code,
            "qr_svg": enrollment.qr_svg,  # the same code, for a device that scans it
            "expires_at": enrollment.expires_at.isoformat(),
        },
        status=201,
    )


def _device(device: Device) -> dict[str, object]:
    return {"id": device.id, "name": device.name, "kind": device.kind, "centre": device.centre}


async def add_device(request: web.Request) -> web.Response:
    body = await read_body(request, models.NewDevice)
    device = await services_of(request).device_registry.add(
        body.kind, body.centre, body.label, now_of(request)
    )
    await audit(request, "device.added", f"device:{device.name}", f"kind={device.kind}")
    return json_answer(_device(device), status=201)


async def rename_device(request: web.Request) -> web.Response:
    body = await read_body(request, models.DeviceRename)
    old_name, device = await services_of(request).device_registry.rename(
        path_id(request), body.label
    )
    await audit(request, "device.renamed", f"device:{device.name}", f"was={old_name}")
    return json_answer(_device(device))


async def revoke_device(request: web.Request) -> web.Response:
    device = await services_of(request).devices.revoke(path_id(request), now_of(request))
    await audit(request, "device.revoke", f"device:{device.name}")
    return json_answer({"ok": True, "device": device.name})


async def enroll(request: web.Request) -> web.Response:
    services = services_of(request)
    body = await read_body(request, models.Enroll)
    client = request.remote or "unknown"
    if not services.enrollment_attempts.allow(client):  # codes are short: no guessing
        raise TooManyEnrollmentAttempts("try again in a minute")
    try:
        key = DeviceKey.from_jwk(body.public_key.x, body.public_key.y)
        device, credential = await services.devices.enroll(body.code, key, now_of(request))
    except EnrollmentFailed:
        await services.audit.record(
            AuditEntry(client, "device.enroll_failed", "enrollment"), now_of(request)
        )
        raise
    await services.audit.record(
        AuditEntry(device.name, "device.enrolled", f"device:{device.name}"), now_of(request)
    )
    return json_answer(
        {
            "device": device.name,
            "kind": device.kind,
            "centre": device.centre,
            "credential": credential,
        },
        status=201,
    )


async def board(request: web.Request) -> web.Response:
    """The booths of the caller's centres, with ``away``: booth → until when the seat of a
    booth whose connection dropped during its audience is held (docs/PROTOCOL.md)."""
    services = services_of(request)
    board = await services.devices.board(now_of(request), scope=caller_of(request).scope)
    shown = {booth.device for booth in board.booths}
    away = {
        services.rooms.seats(room.room_id).booth_device: room.booth_back_by.isoformat()
        for room in services.rooms.rooms()
        if room.booth_back_by is not None and not room.is_over
    }
    return json_answer(
        {**dataclasses.asdict(board), "away": {d: at for d, at in away.items() if d in shown}}
    )


async def handle_alert(request: web.Request) -> web.Response:
    alert_id = path_id(request)
    await services_of(request).devices.handle_alert(
        alert_id, actor_of(request), now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "alert.handled", f"alert:{alert_id}")
    return json_answer({"ok": True})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/board", Permission.SEE_ALL_ROOMS, board),
    Route("POST", "/api/alerts/{id}/handled", Permission.ALERT_HANDLE, handle_alert),
    Route("GET", "/api/devices", Permission.DEVICE_MANAGE, device_list),
    Route("POST", "/api/devices", Permission.DEVICE_MANAGE, add_device),
    Route("PATCH", "/api/devices/{id}", Permission.DEVICE_MANAGE, rename_device),
    Route("POST", "/api/devices/{id}/enrollment", Permission.DEVICE_MANAGE, start_enrollment),
    Route("POST", "/api/devices/{id}/revoke", Permission.DEVICE_MANAGE, revoke_device),
    Route("POST", "/api/devices/{id}/out-of-service", Permission.DEVICE_SERVICE, out_of_service),
    Route("POST", "/api/devices/{id}/in-service", Permission.DEVICE_SERVICE, in_service),
    Route("GET", "/api/devices/{id}/affected", Permission.DEVICE_SERVICE, affected),
    Route("POST", "/api/devices/enroll", None, enroll),  # public: the one-time code is the key
)
