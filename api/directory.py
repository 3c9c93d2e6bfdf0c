"""The key directory (devices.directory, docs/SECURITY.md): an administrator's browser
registers its directory key and endorses other administrators' keys and enrolled devices'
keys; an enrolled device reads the trusted keys and its own endorsement, to pin the root.
Public keys and signatures only: nothing here can sign anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from api import models
from api.edge import Route, audit, caller_of, json_answer, now_of, path_id, read_body, services_of
from devices.errors import DirectoryError
from devices.proof import DeviceKey
from rooms.permissions import Permission


async def directory(request: web.Request) -> web.Response:
    keys = await services_of(request).directory.keys()
    return json_answer({"keys": [key.listed() for key in keys]})


async def register_key(request: web.Request) -> web.Response:
    body = await read_body(request, models.DirectoryKeyRegistration)
    key = await services_of(request).directory.register(
        DeviceKey.from_jwk(body.public_key.x, body.public_key.y),
        caller_of(request).name,
        now_of(request),
    )
    detail = "root" if key.root else "pending"
    await audit(request, "directory.key_registered", f"directory_key:{key.id}", detail)
    return json_answer(key.listed(), status=201)


@asynccontextmanager
async def _refusals_audited(request: web.Request, subject: str, by: int) -> AsyncIterator[None]:
    """An endorsement the directory refuses is audited too (who tried, under which key)."""
    try:
        yield
    except DirectoryError as error:
        await audit(request, "directory.endorsement_refused", subject, f"by={by} {error.code}")
        raise


async def endorse_key(request: web.Request) -> web.Response:
    body = await read_body(request, models.Endorsement)
    subject = f"directory_key:{path_id(request)}"
    async with _refusals_audited(request, subject, body.by):
        key = await services_of(request).directory.endorse_key(
            path_id(request), body.by, body.signature
        )
    await audit(request, "directory.key_endorsed", subject, f"by={body.by}")
    return json_answer(key.listed())


async def endorse_device(request: web.Request) -> web.Response:
    body = await read_body(request, models.Endorsement)
    async with _refusals_audited(request, f"device_id:{path_id(request)}", body.by):
        device = await services_of(request).directory.endorse_device(
            path_id(request), body.by, body.signature
        )
    await audit(request, "device.endorsed", f"device:{device.name}", f"by={body.by}")
    return json_answer({"device": device.name, "endorsed_by": body.by})


async def device_directory(request: web.Request) -> web.Response:
    """For an enrolled device: the trusted directory keys and its own key's endorsement."""
    services = services_of(request)
    endorsement = await services.directory.endorsement(caller_of(request).name)
    return json_answer(
        {
            "keys": [key.public() for key in await services.directory.trusted()],
            "endorsement": endorsement,
        }
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/admin/directory", Permission.DEVICE_MANAGE, directory),
    Route("POST", "/api/admin/directory/keys", Permission.DEVICE_MANAGE, register_key),
    Route(
        "POST",
        "/api/admin/directory/keys/{id}/endorsement",
        Permission.DEVICE_MANAGE,
        endorse_key,
    ),
    Route("POST", "/api/devices/{id}/endorsement", Permission.DEVICE_MANAGE, endorse_device),
    Route("GET", "/api/device/directory", Permission.DEVICE_SELF, device_directory),
)
