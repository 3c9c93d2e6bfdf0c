"""The composition root: ``create_app(settings)`` builds and wires the aiohttp application.

This is the only module (with the CLI) that knows the concrete classes of every package. Each
long-lived resource is one ``cleanup_ctx`` entry stored under a typed ``web.AppKey``, so a
failed start-up tears down only what had started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis.database import create_engine
from majlis.errors import problem_middleware
from majlis.health import health_handler
from majlis.http_security import security_header_hook
from majlis.metrics import HttpMetrics
from majlis.migrate import require_migrated
from majlis.settings import Settings
from majlis.web_pages import add_web_client_routes
from signaling.server import create_socketio_server

SETTINGS = web.AppKey("settings", Settings)
DB_ENGINE = web.AppKey("db_engine", AsyncEngine)
METRICS = web.AppKey("metrics", HttpMetrics)
SOCKETIO = web.AppKey("socketio", socketio.AsyncServer)

EngineFactory = Callable[[str], AsyncEngine]


def create_app(
    settings: Settings, engine_factory: EngineFactory = create_engine
) -> web.Application:
    metrics = HttpMetrics()
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[metrics.middleware, problem_middleware],
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app.on_response_prepare.append(security_header_hook(settings.hsts_max_age_s))
    app.cleanup_ctx.append(_database_context(engine_factory))

    app.router.add_get("/healthz", health_handler(DB_ENGINE), name="healthz")
    app.router.add_get("/metrics", metrics.handle_metrics, name="metrics")
    add_web_client_routes(app, settings.effective_web_client_dir)

    sio = create_socketio_server(settings.socketio_max_message_bytes)
    sio.attach(app, socketio_path="socket.io")
    app[SOCKETIO] = sio
    return app


def _database_context(
    engine_factory: EngineFactory,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def database(app: web.Application) -> AsyncIterator[None]:
        engine = engine_factory(app[SETTINGS].effective_database_url)
        try:
            await require_migrated(engine)
            app[DB_ENGINE] = engine
            yield
        finally:
            await engine.dispose()

    return database


def create_redirect_app(settings: Settings) -> web.Application:
    """A plain-HTTP application that only sends clients to the HTTPS address."""

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect(f"{settings.base_url}{request.path_qs}")

    app = web.Application(client_max_size=1024)
    app.on_response_prepare.append(security_header_hook(settings.hsts_max_age_s))
    app.router.add_route("*", "/{tail:.*}", redirect)
    return app
