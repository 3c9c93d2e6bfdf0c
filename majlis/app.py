"""The composition root: ``create_app(settings)`` builds and wires the aiohttp application.

This is the only module (with the CLI) that knows the concrete classes of every package. Each
long-lived resource is one ``cleanup_ctx`` entry stored under a typed ``web.AppKey``, so a
failed start-up tears down only what had started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.service import Accounts, SignInPolicy
from api.routes import SERVICES, ApiServices, add_api_routes, staff_caller
from audit.log import AuditEntry, AuditLog, Checkpoint
from certs.secrets import load_or_create_secret
from certs.signing import load_signing_keys
from desk.commands import DeskCommands, StatusLookupLimiter
from desk.outbox import Dispatcher, SmsProvider, provider_for
from desk.pii import PiiCipher, load_pii_keys
from desk.retention import apply_retention
from desk.tracking import TrackingNumbers
from desk.views import DeskViews
from devices.service import DeviceService
from foundation.clock import Clock, SystemClock
from foundation.periodic import run_every
from majlis.database import create_engine
from majlis.errors import problem_middleware
from majlis.health import health_handler
from majlis.http_security import security_header_hook
from majlis.metrics import HttpMetrics
from majlis.migrate import require_migrated
from majlis.settings import Settings
from majlis.web_pages import add_web_client_routes
from media.config import MediaConfig
from media.server import MediaServer
from reports.statistics import StatisticsReport
from rooms.service import RoomChange, RoomService
from rooms.state import RoomTimings
from rooms.store import RoomStore
from rooms.tokens import Keyring, TokenClaims
from scheduler.clock import AppointmentClock
from scheduler.commands import SchedulerCommands, SlotLengths
from scheduler.outcome import AudienceOutcomes
from scheduler.views import SchedulerViews
from signaling.namespaces import RateLimits, TurnSettings, register_namespaces
from signaling.server import create_socketio_server

SETTINGS = web.AppKey("settings", Settings)
DB_ENGINE = web.AppKey("db_engine", AsyncEngine)
METRICS = web.AppKey("metrics", HttpMetrics)
SOCKETIO = web.AppKey("socketio", socketio.AsyncServer)
MEDIA = web.AppKey("media", MediaServer)
ROOMS = web.AppKey("rooms", RoomService)
DEVICES = web.AppKey("devices", DeviceService)
DESK = web.AppKey("desk", DeskCommands)
SCHEDULER = web.AppKey("scheduler", SchedulerCommands)
CLOCK = web.AppKey("clock", Clock)
KEYRING = web.AppKey("keyring", Keyring)
AUDIT = web.AppKey("audit", AuditLog)

EngineFactory = Callable[[str], AsyncEngine]
log = logging.getLogger(__name__)
RETENTION_EVERY_S = 6 * 3600
HEARTBEATS_KEPT = timedelta(days=7)  # the day board needs minutes; a week helps support


def create_app(
    settings: Settings,
    engine_factory: EngineFactory = create_engine,
    clock: Clock | None = None,
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
    add_api_routes(app)
    add_web_client_routes(app, settings.effective_web_client_dir)

    sio = create_socketio_server(
        settings.socketio_max_message_bytes, allowed_origins=settings.origins
    )
    sio.attach(app, socketio_path="socket.io")
    app[SOCKETIO] = sio
    app[CLOCK] = clock or SystemClock()
    app.cleanup_ctx.append(_audit_context)
    app.cleanup_ctx.append(_media_context)
    app.cleanup_ctx.append(_rooms_context)
    app.cleanup_ctx.append(_desk_context)
    return app


def tracking_numbers(settings: Settings) -> TrackingNumbers:
    return TrackingNumbers(load_or_create_secret(settings.data_dir / "keys" / "tracking.key"))


def pii_cipher(settings: Settings) -> PiiCipher:
    keys_dir = settings.data_dir / "keys"
    return PiiCipher(lambda: load_pii_keys(keys_dir))


def sms_provider(settings: Settings) -> SmsProvider:
    return provider_for(
        settings.sms_provider,
        settings.sms_gateway_url,
        settings.sms_gateway_api_key,
        settings.sms_sender_id,
    )


async def _desk_context(app: web.Application) -> AsyncIterator[None]:
    settings, engine, clock = app[SETTINGS], app[DB_ENGINE], app[CLOCK]
    cipher = await asyncio.to_thread(pii_cipher, settings)
    desk = DeskCommands(
        engine,
        await asyncio.to_thread(tracking_numbers, settings),
        StatusLookupLimiter(),
        cipher,
        frozenset(settings.departments),
    )
    app[DESK] = desk
    rooms = app[ROOMS]
    lengths = SlotLengths(
        timedelta(minutes=settings.slot_minutes), timedelta(minutes=settings.slot_buffer_minutes)
    )
    app[SCHEDULER] = SchedulerCommands(engine, rooms, lengths)
    appointment_clock = AppointmentClock(engine, rooms)
    accounts = await asyncio.to_thread(Accounts, engine, sign_in_policy(settings))
    app[SERVICES] = ApiServices(
        desk=desk,
        scheduler=app[SCHEDULER],
        scheduler_views=SchedulerViews(engine, rooms),
        outcomes=AudienceOutcomes(engine, rooms, desk),
        statistics=StatisticsReport(engine),
        room_store=RoomStore(engine),
        keyring=app[KEYRING],
        clock=clock,
        audit=app[AUDIT],
        accounts=accounts,
        devices=app[DEVICES],
        views=DeskViews(engine, cipher),
        rooms=rooms,
        enroll_limiter=StatusLookupLimiter(limit=10),
    )
    dispatcher = Dispatcher(engine, sms_provider(settings), cipher)
    audit = app[AUDIT]
    loops = [
        asyncio.create_task(
            run_every(settings.sms_dispatch_s, lambda: dispatcher.send_due(clock.now()), "sms")
        ),
        asyncio.create_task(
            run_every(
                settings.scheduler_tick_s, lambda: appointment_clock.tick(clock.now()), "scheduler"
            )
        ),
        asyncio.create_task(
            run_every(
                RETENTION_EVERY_S,
                lambda: run_retention(settings, engine, clock.now(), audit),
                "retention",
                first_after_s=RETENTION_EVERY_S,
            )
        ),
    ]
    try:
        yield
    finally:
        for loop_task in loops:
            loop_task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)


def room_timings(settings: Settings) -> RoomTimings:
    return RoomTimings(
        open_before=timedelta(minutes=settings.room_open_before_min),
        extend_by=timedelta(minutes=settings.room_extend_min),
        max_extensions=settings.room_max_extensions,
        end_grace=timedelta(seconds=settings.room_end_grace_s),
        no_show_after=timedelta(minutes=settings.room_no_show_after_min),
    )


def load_keyring(settings: Settings) -> Keyring:
    signing_key_id, keys = load_signing_keys(settings.certs_dir)
    return Keyring(signing_key_id, keys)


def sign_in_policy(settings: Settings) -> SignInPolicy:
    return SignInPolicy(
        max_failures=settings.sign_in_max_failures,
        lockout=timedelta(minutes=settings.sign_in_lockout_min),
        idle=timedelta(minutes=settings.session_idle_min),
        absolute=timedelta(hours=settings.session_absolute_h),
    )


async def run_retention(
    settings: Settings, engine: AsyncEngine, now: datetime, audit: AuditLog | None = None
) -> dict[str, int]:
    cipher = await asyncio.to_thread(pii_cipher, settings)
    counts = await apply_retention(engine, cipher, now, settings.retention_days)
    counts["heartbeats_deleted"] = await DeviceService(engine).delete_heartbeats_before(
        now - HEARTBEATS_KEPT
    )
    detail = ",".join(f"{k}={v}" for k, v in counts.items())
    await (audit or audit_log(settings, engine)).record(
        AuditEntry("system", "retention.run", "requests", detail[:200]), now
    )
    return counts


def audit_log(settings: Settings, engine: AsyncEngine) -> AuditLog:
    return AuditLog(engine, Checkpoint(settings.data_dir / "audit"))


async def _audit_context(app: web.Application) -> AsyncIterator[None]:
    app[AUDIT] = audit_log(app[SETTINGS], app[DB_ENGINE])
    yield


def _audit_room_actions(audit: AuditLog) -> Callable[[RoomChange], Awaitable[None]]:
    audited = {"admit", "extend", "pause", "resume", "end", "abort", "no_show"}

    async def record(change: RoomChange) -> None:
        if change.event.kind.value in audited:
            entry = AuditEntry(
                change.event.actor,
                f"room.{change.event.kind.value}",
                f"room:{change.room.room_id}",
                change.event.detail,
            )
            await audit.record(entry, change.at)

    return record


async def _media_context(app: web.Application) -> AsyncIterator[None]:
    config = MediaConfig(host_addresses=tuple(app[SETTINGS].media_host_addresses))
    media = MediaServer(config)
    app[MEDIA] = media
    try:
        yield
    finally:
        await media.close()


async def _rooms_context(app: web.Application) -> AsyncIterator[None]:
    settings, clock = app[SETTINGS], app[CLOCK]
    keyring = await asyncio.to_thread(load_keyring, settings)
    app[KEYRING] = keyring
    rooms = RoomService(
        RoomStore(app[DB_ENGINE]),
        app[MEDIA],
        keyring,
        clock,
        room_timings(settings),
        timedelta(seconds=settings.seat_grace_s),
    )
    await rooms.load()
    rooms.subscribe(_audit_room_actions(app[AUDIT]))
    app[ROOMS] = rooms
    turn = (
        TurnSettings(list(settings.turn_urls), settings.turn_shared_secret)
        if settings.turn_urls and settings.turn_shared_secret
        else None
    )
    devices = DeviceService(app[DB_ENGINE])
    await devices.load()
    app[DEVICES] = devices
    audit = app[AUDIT]

    async def record_denial(actor: str, what: str, code: str) -> None:
        await audit.record(AuditEntry(actor, "access.denied", what, code), clock.now())

    async def session_claims(cookies: Mapping[str, str]) -> TokenClaims | None:
        caller = await staff_caller(app[SERVICES], cookies)  # SERVICES: set up after this
        if caller is None:
            return None
        return TokenClaims(
            room="*",
            role=caller.role,
            device=caller.name,
            not_before=0,
            expires=0,
            token_id=f"session:{caller.account_id}",
            kind="session",
        )

    limits = RateLimits.per_minute(
        settings.socketio_connects_per_minute, settings.socketio_events_per_minute
    )
    namespaces = register_namespaces(
        app[SOCKETIO], rooms, app[MEDIA], turn, devices, record_denial, limits, session_claims
    )

    async def cut_connections(device: str) -> None:
        for namespace in namespaces:
            await namespace.cut_device(device)

    devices.on_revoke(cut_connections)
    ticking = asyncio.create_task(
        run_every(
            settings.room_tick_s,
            _room_clock_job(rooms, settings.room_discover_s),
            "rooms",
            first_after_s=settings.room_tick_s,
        )
    )
    try:
        yield
    finally:
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)


def _room_clock_job(rooms: RoomService, discover_s: float) -> Callable[[], Awaitable[None]]:
    """One tick of the rooms' clock: timed events, and now and then the rooms that another
    process scheduled."""
    loop = asyncio.get_running_loop()
    next_discovery = loop.time() + discover_s

    async def tick() -> None:
        nonlocal next_discovery
        if loop.time() >= next_discovery:
            next_discovery = loop.time() + discover_s
            await rooms.load()
        await rooms.tick()

    return tick


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
