"""``GET /healthz``: is this node able to serve (database reachable)?"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis import __version__
from majlis.database import ping

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
