"""``GET /healthz``: is the process alive and its database answering? ``GET /readyz``: may
traffic come here (database reachable and at this code's schema, media server running)?

A load balancer or systemd watchdog asks ``/healthz`` to restart a dead process and
``/readyz`` to send traffic only where it can be served: a node whose database was rolled back
by a restore, or whose media server stopped, stays alive but is not ready.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis import __version__
from majlis.database import ping
from majlis.migrate import current_revisions, head_revisions
from media.server import MediaServer

log = logging.getLogger(__name__)


def health_handler(engine_key: web.AppKey[AsyncEngine]) -> Handler:
    async def healthz(request: web.Request) -> web.Response:
        try:
            await ping(request.app[engine_key])
        except (SQLAlchemyError, OSError) as error:
            log.warning("health check: database unreachable: %s", type(error).__name__)
            return web.json_response(
                {"status": "unavailable", "checks": {"database": "unreachable"}}, status=503
            )
        return web.json_response(
            {"status": "ok", "checks": {"database": "ok"}, "version": __version__}
        )

    return healthz


def readiness_handler(
    engine_key: web.AppKey[AsyncEngine], media_key: web.AppKey[MediaServer]
) -> Handler:
    heads = head_revisions()  # read from the migration scripts once, not on every probe

    async def readyz(request: web.Request) -> web.Response:
        checks = {
            **await _database_checks(request.app[engine_key], heads),
            "media": "ok" if request.app[media_key].running else "stopped",
        }
        failed = sorted(name for name, state in checks.items() if state != "ok")
        if failed:
            log.warning("readiness: not ready: %s", ", ".join(f"{n}={checks[n]}" for n in failed))
            body = {"status": "not_ready", "checks": checks, "reasons": failed}
            return web.json_response(body, status=503)
        return web.json_response({"status": "ready", "checks": checks, "version": __version__})

    return readyz


async def _database_checks(engine: AsyncEngine, heads: set[str]) -> dict[str, str]:
    try:
        current = await current_revisions(engine)
    except (SQLAlchemyError, OSError) as error:
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        return {"database": "unreachable", "schema": "unknown"}
    return {"database": "ok", "schema": "ok" if current == heads else "not_migrated"}
