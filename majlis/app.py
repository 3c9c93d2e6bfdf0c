"""The composition root: ``create_app(settings)`` builds and wires the aiohttp application.

This is the only module (with the CLI) that knows the concrete classes of every package. Each
long-lived resource is one ``cleanup_ctx`` entry stored under a typed ``web.AppKey``, in the
order of ``CONTEXTS``: a context reads only keys set by the ones before it, and a failed
start-up tears down only what had started. Every periodic job is one more entry, built by
``_periodic`` on ``foundation.periodic.run_every``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import timedelta

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.service import Accounts
from accounts.staff import StaffAdmin
from api import ROUTES
from api.edge import SERVICES, ApiServices, add_api_routes, staff_caller
from audit.log import AuditEntry, AuditLog
from audit.refusals import MINUTE
from casework.commands import CaseworkCommands, StatusLookupLimiter
from casework.follow_up import FollowUp
from casework.outbox import Dispatcher
from casework.pii import PiiCipher
from casework.retention import RetentionJob
from casework.views import CaseworkViews
from devices.directory import KeyDirectory
from devices.help import HelpExchange
from devices.proof import DeviceProofs
from devices.registry import DeviceRegistry
from devices.seat_proof import SeatProofs
from devices.service import DeviceService
from foundation.clock import Clock, SystemClock
from foundation.periodic import run_every
from limits import SlidingWindow
from majlis.components import (
    RETENTION_EVERY_S,
    AuditedHelp,
    SealedHelpTexts,
    audit_log,
    degraded_thresholds,
    load_keyring,
    pii_cipher,
    retention_job,
    room_timings,
    second_factors,
    sign_in_policy,
    sms_provider,
    tracking_numbers,
)
from majlis.database import create_engine
from majlis.errors import problem_middleware
from majlis.health import health_handler, readiness_handler
from majlis.http_security import security_header_hook
from majlis.logs import quiet_malformed_http_requests
from majlis.metrics import HttpMetrics, MediaQualityMetrics, scrape_handler
from majlis.migrate import require_migrated
from majlis.settings import Settings
from majlis.web_pages import add_web_client_routes
from media.config import MediaConfig
from media.server import MediaServer
from reception.log import ReceptionLog
from reference.service import ReferenceData
from reports.ministry import MinistryFigures
from reports.statistics import StatisticsReport
from rooms.callers import Caller
from rooms.errors import IllegalTransition
from rooms.quality_watch import QualityWatch
from rooms.service import RoomChange, RoomService
from rooms.state import ACCEPT_SHORTER, EventKind, RoomEvent
from rooms.store import RoomStore
from rooms.tokens import Keyring
from safeguarding.alerts import SafeguardingAlert, SafeguardingDesk, notice_of
from safeguarding.rules import SafeguardingSettings
from scheduler.audience_quality import AudienceQualityKeeper
from scheduler.clock import AppointmentClock
from scheduler.commands import SchedulerCommands, SlotLengths
from scheduler.device_names import named_in_schedule
from scheduler.outages import BoothOutages
from scheduler.outcome import AudienceOutcomes
from scheduler.rebooking import PriorityRebooking
from scheduler.seats import SeatTokens
from scheduler.standby import StandbyList
from scheduler.views import SchedulerViews
from signaling.dispatch import RateLimits, SignalingDeps, TurnSettings
from signaling.namespaces import register_namespaces
from signaling.quality import QualityBroadcaster
from signaling.safeguarding import SafeguardingPush
from signaling.server import create_socketio_server

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
METRICS = web.AppKey("metrics", HttpMetrics)
SOCKETIO = web.AppKey("socketio", socketio.AsyncServer)
DB_ENGINE = web.AppKey("db_engine", AsyncEngine)
AUDIT = web.AppKey("audit", AuditLog)
KEYRING = web.AppKey("keyring", Keyring)
PII = web.AppKey("pii_cipher", PiiCipher)
MEDIA = web.AppKey("media", MediaServer)
ROOMS = web.AppKey("rooms", RoomService)
DEVICES = web.AppKey("devices", DeviceService)
ACCOUNTS = web.AppKey("accounts", Accounts)
CASEWORK = web.AppKey("casework", CaseworkCommands)
CASEWORK_VIEWS = web.AppKey("casework_views", CaseworkViews)
FOLLOW_UP = web.AppKey("follow_up", FollowUp)
SCHEDULER = web.AppKey("scheduler", SchedulerCommands)
SCHEDULER_VIEWS = web.AppKey("scheduler_views", SchedulerViews)
APPOINTMENT_CLOCK = web.AppKey("appointment_clock", AppointmentClock)
RETENTION = web.AppKey("retention", RetentionJob)
QUALITY_WATCH = web.AppKey("quality_watch", QualityWatch)

EngineFactory = Callable[[str], AsyncEngine]
CleanupContext = Callable[[web.Application], AsyncIterator[None]]
log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    engine_factory: EngineFactory = create_engine,
    clock: Clock | None = None,
) -> web.Application:
    quiet_malformed_http_requests()  # client input: a warning line, never a traceback
    metrics = HttpMetrics()
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[metrics.middleware, problem_middleware],
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[METRICS] = metrics
    app.on_response_prepare.append(security_header_hook(settings.hsts_max_age_s))

    app.router.add_get("/healthz", health_handler(DB_ENGINE), name="healthz")
    app.router.add_get("/readyz", readiness_handler(DB_ENGINE, MEDIA), name="readyz")
    scrape = scrape_handler(metrics, settings.metrics_token, _record_refused_scrape)
    app.router.add_get("/metrics", scrape, name="metrics")
    add_api_routes(app, ROUTES)
    add_web_client_routes(app, settings.effective_web_client_dir)

    sio = create_socketio_server(
        settings.socketio_max_message_bytes, allowed_origins=settings.origins
    )
    sio.attach(app, socketio_path="socket.io")
    app[SOCKETIO] = sio
    app.cleanup_ctx.extend((_database_context(engine_factory), *CONTEXTS))
    return app


async def _record_refused_scrape(request: web.Request, code: str) -> None:
    entry = AuditEntry((request.remote or "unknown")[:64], "access.denied", "/metrics", code)
    await request.app[AUDIT].record(entry, request.app[CLOCK].now())


# -- one resource each ---------------------------------------------------------------------------


def _database_context(engine_factory: EngineFactory) -> CleanupContext:
    async def database(app: web.Application) -> AsyncIterator[None]:
        engine = engine_factory(app[SETTINGS].effective_database_url)
        try:
            await require_migrated(engine)
            app[DB_ENGINE] = engine
            yield
        finally:
            await engine.dispose()

    return database


async def _audit_context(app: web.Application) -> AsyncIterator[None]:
    app[AUDIT] = audit_log(app[SETTINGS], app[DB_ENGINE])
    yield
    await app[AUDIT].write_counted_refusals(None)  # the minute in progress too


async def _keys_context(app: web.Application) -> AsyncIterator[None]:
    """Token-signing keys and personal-data keys, read (or made) off the event loop."""
    app[KEYRING] = await asyncio.to_thread(load_keyring, app[SETTINGS])
    app[PII] = await asyncio.to_thread(pii_cipher, app[SETTINGS])
    yield


async def _media_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    config = MediaConfig(
        host_addresses=tuple(settings.media_host_addresses),
        quality_interval_s=settings.quality_interval_s,
        capture_dir=settings.data_dir / "capture" if settings.dev_capture_video else None,
    )
    media = MediaServer(config)
    await media.start()  # refuses to start (AiortcHooksMissing) if an aiortc hook moved
    app[MEDIA] = media
    try:
        yield
    finally:
        await media.close()


async def _rooms_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    rooms = RoomService(
        RoomStore(app[DB_ENGINE]),
        app[MEDIA],
        app[KEYRING],
        app[CLOCK],
        room_timings(settings),
    )
    await rooms.load()
    rooms.subscribe(_audit_room_actions(app[AUDIT]))
    app[ROOMS] = rooms
    yield


async def _devices_context(app: web.Application) -> AsyncIterator[None]:
    devices = DeviceService(app[DB_ENGINE])
    await devices.load()
    app[DEVICES] = devices
    yield


async def _accounts_context(app: web.Application) -> AsyncIterator[None]:
    policy = sign_in_policy(app[SETTINGS])
    factors = second_factors(app[DB_ENGINE], app[PII], policy)
    app[ACCOUNTS] = await asyncio.to_thread(Accounts, app[DB_ENGINE], policy, factors)
    yield


async def _casework_context(app: web.Application) -> AsyncIterator[None]:
    settings, engine = app[SETTINGS], app[DB_ENGINE]
    app[CASEWORK] = CaseworkCommands(
        engine,
        await asyncio.to_thread(tracking_numbers, settings),
        StatusLookupLimiter(),
        app[PII],
    )
    app[CASEWORK_VIEWS] = CaseworkViews(engine, app[PII])
    app[FOLLOW_UP] = FollowUp(engine, app[PII])
    yield


async def _scheduler_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    lengths = SlotLengths(
        timedelta(minutes=settings.slot_minutes), timedelta(minutes=settings.slot_buffer_minutes)
    )
    engine, rooms = app[DB_ENGINE], app[ROOMS]
    app[SCHEDULER] = SchedulerCommands(engine, rooms, lengths, app[PII])
    app[SCHEDULER_VIEWS] = SchedulerViews(engine, rooms)
    app[APPOINTMENT_CLOCK] = AppointmentClock(engine, rooms, app[PII])
    yield


async def _api_context(app: web.Application) -> AsyncIterator[None]:
    engine = app[DB_ENGINE]
    app[SERVICES] = ApiServices(
        casework=app[CASEWORK],
        scheduler=app[SCHEDULER],
        scheduler_views=app[SCHEDULER_VIEWS],
        outcomes=AudienceOutcomes(engine, app[ROOMS], app[CASEWORK], app[PII]),
        outages=BoothOutages(engine, app[ROOMS], app[DEVICES], app[PII]),
        statistics=StatisticsReport(engine),
        ministry=MinistryFigures(engine),
        reception=ReceptionLog(engine, app[PII]),
        safeguarding=_safeguarding_desk(app),
        seats=SeatTokens(app[SCHEDULER_VIEWS], app[ROOMS]),
        room_store=RoomStore(engine),
        keyring=app[KEYRING],
        clock=app[CLOCK],
        audit=app[AUDIT],
        accounts=app[ACCOUNTS],
        devices=app[DEVICES],
        device_registry=DeviceRegistry(engine, app[DEVICES], (named_in_schedule,)),
        directory=KeyDirectory(engine, app[DEVICES]),
        staff=StaffAdmin(engine, sessions_ended=app[ACCOUNTS].signed_out),
        device_proofs=DeviceProofs(),
        casework_views=app[CASEWORK_VIEWS],
        follow_up=app[FOLLOW_UP],
        standby=StandbyList(engine),
        priority_rebooking=PriorityRebooking(engine),
        rooms=app[ROOMS],
        reference=ReferenceData(engine),
        enrollment_attempts=SlidingWindow(limit=10, window_s=60.0),
        dev_mode=app[SETTINGS].dev,
    )
    yield


def _safeguarding_desk(app: web.Application) -> SafeguardingDesk:
    """Each change of an alert goes to its centre's coordinators; a pause is the room's own
    technical pause (the office sees nothing else)."""
    push, rooms = SafeguardingPush(app[SOCKETIO]), app[ROOMS]

    async def tell_her_centre(alert: SafeguardingAlert) -> None:
        await push(alert.device, notice_of(alert))

    async def pause(room_id: str) -> None:
        await rooms.act(room_id, RoomEvent(EventKind.PAUSE, "desk"))

    async def resume(room_id: str) -> bool:  # her safety first: up to the next slot's start
        try:
            await rooms.act(room_id, RoomEvent(EventKind.RESUME, "desk", ACCEPT_SHORTER))
        except IllegalTransition:  # no longer paused: the office ended the audience meanwhile
            return False
        return True

    undo = timedelta(seconds=app[SETTINGS].safeguarding_undo_s)
    return SafeguardingDesk(
        app[DB_ENGINE], app[PII], SafeguardingSettings(undo), tell_her_centre, pause, resume
    )


async def _namespaces_context(app: web.Application) -> AsyncIterator[None]:
    """The Socket.IO namespaces on the shared server; a revoked device's sockets are cut, and
    a signed-out person's."""
    settings, clock, audit, services = app[SETTINGS], app[CLOCK], app[AUDIT], app[SERVICES]
    turn = (
        TurnSettings(list(settings.turn_urls), settings.turn_shared_secret)
        if settings.turn_urls and settings.turn_shared_secret
        else None
    )

    async def record_denial(actor: str, what: str, code: str) -> None:
        await audit.record(AuditEntry(actor, "access.denied", what, code), clock.now())

    async def session_caller(cookies: Mapping[str, str]) -> Caller | None:
        return await staff_caller(services, cookies)

    limits = RateLimits.per_minute(
        settings.socketio_connects_per_minute, settings.socketio_events_per_minute
    )
    signaling = SignalingDeps(
        rooms=app[ROOMS],
        media=app[MEDIA],
        devices=app[DEVICES],
        seat_proofs=SeatProofs(app[DEVICES], services.device_proofs, services.directory),
        denials=record_denial,
        limits=limits,
        staff_sessions=session_caller,
        help=AuditedHelp(
            HelpExchange(app[DB_ENGINE], app[DEVICES], SealedHelpTexts(app[PII])), audit
        ),
        turn=turn,
        dev_mode=app[SETTINGS].dev,
        e2ee_required=app[SETTINGS].e2ee_required,
    )
    namespaces = register_namespaces(app[SOCKETIO], signaling)

    async def cut_connections(device: str) -> None:
        for namespace in namespaces:
            await namespace.cut_device(device)

    app[DEVICES].on_revoke(cut_connections)

    async def cut_signed_out(account_id: int) -> None:
        for namespace in namespaces:
            await namespace.cut_signed_out(account_id)

    app[ACCOUNTS].on_sign_out(cut_signed_out)
    yield


async def _quality_context(app: web.Application) -> AsyncIterator[None]:
    """Degraded mode: every room's quality to the desks, the metrics and its rules; each
    audience's summary kept with its appointment when it is over."""
    metrics = MediaQualityMetrics(app[METRICS].registry)
    notifier = QualityBroadcaster(app[SOCKETIO], app[ROOMS], metrics)
    keeper = AudienceQualityKeeper(app[DB_ENGINE])  # each summary kept with its appointment
    watch = QualityWatch(app[ROOMS], notifier, degraded_thresholds(app[SETTINGS]), keeper)
    app[QUALITY_WATCH] = watch
    app[MEDIA].report_quality_to(watch.on_quality)
    app[ROOMS].subscribe(watch.on_room_change)
    yield


async def _retention_context(app: web.Application) -> AsyncIterator[None]:
    app[RETENTION] = retention_job(app[SETTINGS], app[DB_ENGINE], app[AUDIT])
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


# -- the periodic jobs -----------------------------------------------------------------------------

JobFactory = Callable[[web.Application], Callable[[], Awaitable[object]]]


def _periodic(
    name: str,
    period_s: Callable[[Settings], float],
    job: JobFactory,
    first_after: Callable[[Settings], float] = lambda _: 0.0,
) -> CleanupContext:
    """One periodic job as one cleanup context: started after every resource it uses,
    cancelled (and awaited) before any of them closes."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        task = asyncio.create_task(
            run_every(period_s(settings), job(app), name, first_after_s=first_after(settings)),
            name=f"majlis-{name}",
        )
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    return context


def _room_clock_job(app: web.Application) -> Callable[[], Awaitable[None]]:
    """Timed room events, and now and then the rooms that another process scheduled."""
    rooms, discover_s = app[ROOMS], app[SETTINGS].room_discover_s
    loop = asyncio.get_running_loop()
    next_discovery = loop.time() + discover_s

    async def tick() -> None:
        nonlocal next_discovery
        if loop.time() >= next_discovery:
            next_discovery = loop.time() + discover_s
            await rooms.load()
        await rooms.tick()

    return tick


def _scheduler_job(app: web.Application) -> Callable[[], Awaitable[object]]:
    appointments, clock = app[APPOINTMENT_CLOCK], app[CLOCK]
    return lambda: appointments.tick(clock.now())


def _sms_job(app: web.Application) -> Callable[[], Awaitable[object]]:
    dispatcher = Dispatcher(app[DB_ENGINE], sms_provider(app[SETTINGS]), app[PII])
    clock = app[CLOCK]
    return lambda: dispatcher.send_due(clock.now())


def _referral_reminder_job(app: web.Application) -> Callable[[], Awaitable[object]]:
    follow_up, clock = app[FOLLOW_UP], app[CLOCK]
    return lambda: follow_up.remind_overdue(clock.now())


def _counted_refusals_job(app: web.Application) -> Callable[[], Awaitable[object]]:
    audit, clock = app[AUDIT], app[CLOCK]
    return lambda: audit.write_counted_refusals(clock.now())


def _retention_job(app: web.Application) -> Callable[[], Awaitable[object]]:
    retention, clock = app[RETENTION], app[CLOCK]
    return lambda: retention.run(clock.now())


# The order resources start in (and stop in reverse); each reads only what comes before it.
CONTEXTS: tuple[CleanupContext, ...] = (
    _audit_context,
    _keys_context,
    _media_context,
    _rooms_context,
    _devices_context,
    _accounts_context,
    _casework_context,
    _scheduler_context,
    _api_context,
    _namespaces_context,
    _quality_context,
    _retention_context,
    _periodic(
        "rooms",
        lambda s: s.room_tick_s,
        _room_clock_job,
        first_after=lambda s: s.room_tick_s,
    ),
    _periodic("scheduler", lambda s: s.scheduler_tick_s, _scheduler_job),
    _periodic("sms", lambda s: s.sms_dispatch_s, _sms_job),
    _periodic("refusals", lambda _: MINUTE.total_seconds(), _counted_refusals_job),
    _periodic("referral-reminders", lambda s: s.referral_reminder_s, _referral_reminder_job),
    _periodic(
        "retention",
        lambda _: RETENTION_EVERY_S,
        _retention_job,
        first_after=lambda _: RETENTION_EVERY_S,
    ),
)


def create_redirect_app(settings: Settings) -> web.Application:
    """A plain-HTTP application that only sends clients to the HTTPS address."""

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect(f"{settings.base_url}{request.path_qs}")

    app = web.Application(client_max_size=1024)
    app.on_response_prepare.append(security_header_hook(settings.hsts_max_age_s))
    app.router.add_route("*", "/{tail:.*}", redirect)
    return app
