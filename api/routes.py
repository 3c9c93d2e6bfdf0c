"""Routes of the HTTP JSON API. Every route names the permission it needs (one table in
``rooms.permissions``); callers authenticate with ``Authorization: Bearer <token>`` (the
signed dev credential until staff sign-in exists). Errors are JSON ``{code, message_key,
details}`` with a 4xx status, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from accounts.service import AccountLocked, Accounts, SignInError, StaffSession
from api import models
from audit.log import AuditEntry, AuditLog
from desk.commands import DeskCommands, Registration, StatusLookupLimiter
from desk.errors import DeskError, InvalidTrackingNumber, TooManyLookups, UnknownRequest
from desk.lifecycle import RequestStatus
from desk.views import DeskViews
from devices.service import (
    CREDENTIAL_PREFIX,
    DeviceError,
    DeviceRevoked,
    DeviceService,
    EnrollmentFailed,
)
from foundation.clock import Clock
from reports.statistics import Figures, StatisticsReport, statistics_csv
from rooms.callers import Caller, CallerKind, require_caller
from rooms.errors import NotPermitted, RoomError, TokenError, UnknownRoom
from rooms.permissions import Permission, require
from rooms.service import RoomService
from rooms.store import RoomStore
from rooms.tokens import Keyring, verify
from scheduler.commands import SchedulerCommands
from scheduler.errors import SchedulingError, UnknownAppointment
from scheduler.outcome import AudienceOutcomes, OfficeOutcome
from scheduler.views import Assignment, SchedulerViews

log = logging.getLogger(__name__)
B = TypeVar("B", bound=BaseModel)


@dataclass
class ApiServices:
    desk: DeskCommands
    scheduler: SchedulerCommands
    scheduler_views: SchedulerViews
    outcomes: AudienceOutcomes
    statistics: StatisticsReport
    room_store: RoomStore
    keyring: Keyring
    clock: Clock
    audit: AuditLog
    accounts: Accounts
    devices: DeviceService
    views: DeskViews
    rooms: RoomService
    enroll_limiter: StatusLookupLimiter  # until devices have an enrollment limiter of their own


SERVICES = web.AppKey("api_services", ApiServices)
CALLER = web.RequestKey("caller", Caller)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SESSION_COOKIE = "majlis_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

STATUS_OF_ERROR: list[tuple[type[Exception], int]] = [
    (DeviceRevoked, 401),
    (EnrollmentFailed, 404),
    (DeviceError, 404),
    (AccountLocked, 429),
    (SignInError, 401),
    (TokenError, 401),
    (NotPermitted, 403),
    (TooManyLookups, 429),
    (UnknownRequest, 404),
    (UnknownAppointment, 404),
    (InvalidTrackingNumber, 404),
    (DeskError, 422),
    (SchedulingError, 409),
    (RoomError, 409),
]


def _encode(value: object) -> object:
    """JSON for what services return: frozen dataclasses, moments, days and enums."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_answer(body: object, status: int = 200) -> web.Response:
    """A JSON answer; services' typed read models are written as plain JSON objects."""
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, default=_encode))


def problem(status: int, code: str, message_key: str, details: Any = "") -> web.Response:
    return json_answer(
        {"code": code, "message_key": message_key, "details": details}, status=status
    )


def _errors_as_json(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationError as error:
            details = [
                {"field": ".".join(str(p) for p in e["loc"]), "problem": e["type"]}
                for e in error.errors()[:10]
            ]
            return problem(422, "invalid_payload", "errors.signaling.invalid_payload", details)
        except (DeskError, SchedulingError, RoomError, SignInError, DeviceError) as error:
            status = next(s for kind, s in STATUS_OF_ERROR if isinstance(error, kind))
            if status in (401, 403):
                caller = request.get(CALLER)
                actor = caller.audit_name if caller else (request.remote or "unknown")
                entry = AuditEntry(actor, "access.denied", request.path[:64], error.code)
                await request.app[SERVICES].audit.record(entry, _now(request))
            return problem(status, error.code, error.message_key, error.detail)

    return wrapped


async def _authorised(request: web.Request, permission: Permission) -> Caller:
    """Who is calling: an enrolled device, a (dev) terminal's signed token, or a staff session
    cookie (whose CSRF token must come back on every state-changing call)."""
    services = request.app[SERVICES]
    now = services.clock.now()
    header = request.headers.get("Authorization", "")
    if header.startswith(f"Bearer {CREDENTIAL_PREFIX}"):
        device = await services.devices.authenticate(header.removeprefix("Bearer ").strip())
        caller = Caller(CallerKind.DEVICE, device.kind, device.name)
    elif header.startswith("Bearer "):
        caller = _bearer_caller(services, header.removeprefix("Bearer ").strip(), now)
    elif SESSION_COOKIE in request.cookies:
        session = await services.accounts.session(request.cookies[SESSION_COOKIE], now)
        if request.method not in SAFE_METHODS:
            services.accounts.check_csrf(session, request.headers.get(CSRF_HEADER))
        caller = _person(session)
    else:
        raise TokenError("sign in, or present a terminal token")
    request[CALLER] = caller  # known before the permission check: a refusal names its caller
    require_caller(caller, permission)
    return caller


async def staff_caller(services: ApiServices, cookies: Mapping[str, str]) -> Caller | None:
    """The signed-in staff member of a session cookie (None without one): the Socket.IO desk
    accepts the same sessions as the HTTP API."""
    cookie = cookies.get(SESSION_COOKIE)
    if cookie is None:
        return None
    session = await services.accounts.session(cookie, services.clock.now())
    return _person(session)


def _person(session: StaffSession) -> Caller:
    return Caller(CallerKind.PERSON, session.role, session.username, None, session.account_id)


def _bearer_caller(services: ApiServices, token: str, now: datetime) -> Caller:
    last_error: TokenError = TokenError("a bearer token is needed")
    for role in ("desk", "office"):
        try:
            claims = verify(token, services.keyring, now, role=role)
        except TokenError as error:
            last_error = error
        else:
            return Caller(CallerKind.SEAT, claims.role, claims.device, claims.room)
    raise last_error


async def _body(request: web.Request, model: type[B]) -> B:
    try:
        raw = await request.json()
    except ValueError:
        raw = None
    return model.model_validate(raw)


def _id(request: web.Request, name: str) -> int:
    try:
        value = int(request.match_info[name])
    except ValueError:
        raise UnknownRequest(f"{name} must be a number") from None
    if value < 1:
        raise UnknownRequest(name)
    return value


def add_api_routes(app: web.Application) -> None:
    for route in ROUTES:
        handler = _errors_as_json(_guarded(route.permission, route.handler))
        app.router.add_route(route.method, route.path, handler)


def _guarded(permission: Permission | None, handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if permission is not None:
            request[CALLER] = await _authorised(request, permission)
        return await handler(request)

    return guarded


async def _audit(request: web.Request, action: str, subject: str, detail: str = "") -> None:
    entry = AuditEntry(_actor(request), action, subject, detail)
    await request.app[SERVICES].audit.record(entry, _now(request))


def _actor(request: web.Request) -> str:
    return request[CALLER].audit_name


def _now(request: web.Request) -> datetime:
    return request.app[SERVICES].clock.now()


# -- staff sessions ----------------------------------------------------------------------------


async def sign_in(request: web.Request) -> web.Response:
    body = await _body(request, models.SignIn)
    services = request.app[SERVICES]
    client = request.remote or "unknown"
    now = _now(request)
    try:
        signed_in = await services.accounts.sign_in(body.username, body.password, client, now)
    except SignInError as error:
        entry = AuditEntry(body.username.lower()[:64], "sign_in.failed", client, error.code)
        await services.audit.record(entry, now)
        raise
    await services.audit.record(AuditEntry(signed_in.session.username, "sign_in", client), now)
    response = json_answer(_session_body(signed_in.session))
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        secure=True,
        httponly=True,
        samesite="Strict",
        path="/",
        max_age=int(services.accounts.policy.absolute.total_seconds()),
    )
    return response


def _session_body(session: StaffSession) -> dict[str, Any]:
    return {
        "username": session.username,
        "display_name": session.display_name,
        "role": session.role,
        "csrf_token": session.csrf_token,
    }


async def who_am_i(request: web.Request) -> web.Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    session = await request.app[SERVICES].accounts.session(token, _now(request))
    return json_answer(_session_body(session))


async def sign_out(request: web.Request) -> web.Response:
    await request.app[SERVICES].accounts.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    await _audit(request, "sign_out", "")
    response = json_answer({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def sign_out_everywhere(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    session = await services.accounts.session(
        request.cookies.get(SESSION_COOKIE, ""), _now(request)
    )
    ended = await services.accounts.sign_out_everywhere(session.account_id)
    await _audit(request, "sign_out.everywhere", "", str(ended))
    response = json_answer({"ended": ended})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


# -- requests ----------------------------------------------------------------------------------


async def register(request: web.Request) -> web.Response:
    body = await _body(request, models.RegisterRequest)
    desk = request.app[SERVICES].desk
    registered = await desk.register(
        Registration(**body.model_dump()), _actor(request), _now(request)
    )
    await _audit(request, "request.register", f"request:{registered.request_id}")
    return json_answer(
        {"id": registered.request_id, "tracking_number": registered.tracking_number}, status=201
    )


async def request_details(request: web.Request) -> web.Response:
    request_id = _id(request, "id")
    details = await request.app[SERVICES].views.details(request_id)
    await _audit(request, "request.view", f"request:{request_id}")
    return json_answer(details)


async def change_status(request: web.Request) -> web.Response:
    body = await _body(request, models.StatusChange)
    await request.app[SERVICES].desk.change_status(
        _id(request, "id"), RequestStatus(body.status), _actor(request), _now(request), body.note
    )
    await _audit(request, "request.status", f"request:{_id(request, 'id')}", body.status)
    return json_answer({"ok": True})


async def amend(request: web.Request) -> web.Response:
    body = await _body(request, models.Amendment)
    version = await request.app[SERVICES].desk.amend_text(
        _id(request, "id"), body.text, _actor(request), _now(request)
    )
    return json_answer({"version": version})


async def refer(request: web.Request) -> web.Response:
    body = await _body(request, models.Referral)
    referral = await request.app[SERVICES].desk.refer(
        _id(request, "id"), body.department, body.due_on, body.note, _actor(request), _now(request)
    )
    return json_answer({"referral": referral}, status=201)


async def reply(request: web.Request) -> web.Response:
    body = await _body(request, models.Reply)
    await request.app[SERVICES].desk.record_reply(
        _id(request, "id"), body.reply, _actor(request), _now(request)
    )
    return json_answer({"ok": True})


async def lookup(request: web.Request) -> web.Response:
    body = await _body(request, models.Lookup)
    client = request.remote or "unknown"
    status = await request.app[SERVICES].desk.lookup(
        body.tracking_number, body.phone_last_four, client
    )
    return json_answer({"status": status, "message_key": f"status.{status}"})


# -- scheduling --------------------------------------------------------------------------------


async def create_sitting(request: web.Request) -> web.Response:
    body = await _body(request, models.Sitting)
    sitting = await request.app[SERVICES].scheduler.create_sitting(
        body.office_device, body.starts_at, body.ends_at, _now(request)
    )
    return json_answer({"sitting": sitting}, status=201)


async def sitting_slots(request: web.Request) -> web.Response:
    slots = await request.app[SERVICES].scheduler_views.slots_of(_id(request, "id"))
    return json_answer({"slots": slots})


async def add_standby(request: web.Request) -> web.Response:
    body = await _body(request, models.Standby)
    await request.app[SERVICES].scheduler.add_standby(
        _id(request, "id"), body.request_id, _now(request)
    )
    return json_answer({"ok": True})


async def standby_list(request: web.Request) -> web.Response:
    requests = await request.app[SERVICES].scheduler_views.standby_list(_id(request, "id"))
    return json_answer({"requests": requests})


async def book(request: web.Request) -> web.Response:
    body = await _body(request, models.BookingBody)
    appointment = await request.app[SERVICES].scheduler.book(
        body.request_id, body.slot_id, body.booth, _actor(request), _now(request)
    )
    await _audit(request, "appointment.book", f"appointment:{appointment}")
    return json_answer({"appointment": appointment}, status=201)


async def reschedule(request: web.Request) -> web.Response:
    body = await _body(request, models.Move)
    appointment = await request.app[SERVICES].scheduler.reschedule(
        _id(request, "id"), body.slot_id, body.booth, _actor(request), _now(request)
    )
    await _audit(request, "appointment.reschedule", f"appointment:{appointment}")
    return json_answer({"appointment": appointment})


async def cancel(request: web.Request) -> web.Response:
    await request.app[SERVICES].scheduler.cancel(_id(request, "id"), _actor(request), _now(request))
    await _audit(request, "appointment.cancel", f"appointment:{_id(request, 'id')}")
    return json_answer({"ok": True})


async def record_call(request: web.Request) -> web.Response:
    body = await _body(request, models.Call)
    await request.app[SERVICES].scheduler.record_call(
        _id(request, "id"), body.outcome, _actor(request), _now(request)
    )
    await _audit(request, "appointment.call", f"appointment:{_id(request, 'id')}", body.outcome)
    return json_answer({"ok": True})


async def day_queue(request: web.Request) -> web.Response:
    query = models.QueueQuery.model_validate(dict(request.query))
    caller = request[CALLER]
    if caller.role == "office" and caller.kind != CallerKind.PERSON and caller.name != query.office:
        raise NotPermitted("an office terminal sees its own queue only")
    now = _now(request)
    start = query.day_start or datetime.combine(now.date(), time(0), tzinfo=UTC)
    queue = await request.app[SERVICES].scheduler_views.day_queue(query.office, start)
    return json_answer({"queue": queue, "from": start.isoformat()})


async def _figures(request: web.Request) -> Figures:
    services = request.app[SERVICES]
    return await services.statistics.figures(await services.room_store.audience_minutes())


async def figures(request: web.Request) -> web.Response:
    return json_answer(await _figures(request))


async def figures_csv(request: web.Request) -> web.Response:
    await _audit(request, "statistics.export", "statistics.csv")
    return web.Response(
        text=statistics_csv(await _figures(request)),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="majlis-statistics.csv"'},
    )


# -- the desk's screens --------------------------------------------------------------------------


async def search(request: web.Request) -> web.Response:
    query = models.SearchQuery.model_validate(dict(request.query))
    found = await request.app[SERVICES].views.search(query.q)
    await _audit(request, "request.search", "requests", f"{len(found)} found")
    return json_answer({"requests": found})


async def appointments_of(request: web.Request) -> web.Response:
    calls = await request.app[SERVICES].scheduler_views.calls_of(_id(request, "id"))
    return json_answer({"appointments": calls})


async def day_sittings(request: web.Request) -> web.Response:
    query = models.DayQuery.model_validate(dict(request.query))
    sittings = await request.app[SERVICES].scheduler_views.day_sittings(query.day_start)
    return json_answer({"sittings": sittings})


async def check_in(request: web.Request) -> web.Response:
    appointment_id = _id(request, "id")
    await request.app[SERVICES].scheduler.check_in(appointment_id, _now(request))
    await _audit(request, "appointment.check_in", f"appointment:{appointment_id}")
    return json_answer({"ok": True})


async def board(request: web.Request) -> web.Response:
    return json_answer(await request.app[SERVICES].devices.board(_now(request)))


async def handle_alert(request: web.Request) -> web.Response:
    alert_id = _id(request, "id")
    await request.app[SERVICES].devices.handle_alert(alert_id, _actor(request), _now(request))
    await _audit(request, "alert.handled", f"alert:{alert_id}")
    return json_answer({"ok": True})


# -- the office's screens -------------------------------------------------------------------------


async def brief(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    appointment = await services.scheduler_views.appointment(_id(request, "id"))
    body = await services.views.brief(appointment.request_id)
    await _audit(request, "request.brief", f"request:{appointment.request_id}")
    return json_answer(body)


async def outcome(request: web.Request) -> web.Response:
    """The office's outcome form: resolved (closed), referred to a department, or follow-up."""
    body = await _body(request, models.Outcome)
    recorded = await request.app[SERVICES].outcomes.record_outcome(
        _id(request, "id"),
        OfficeOutcome(body.outcome),
        body.department,
        body.note,
        _actor(request),
        _now(request),
    )
    await _audit(request, "request.outcome", f"request:{recorded.request_id}", body.outcome)
    return json_answer({"ok": True, "outcome": body.outcome})


# -- devices ---------------------------------------------------------------------------------------


async def device_list(request: web.Request) -> web.Response:
    devices = request.app[SERVICES].devices
    return json_answer(
        {
            "devices": [
                {
                    "id": d.id,
                    "name": d.name,
                    "kind": d.kind,
                    "centre": d.centre,
                    "in_service": d.in_service,
                    "revoked": devices.is_revoked(d.name),
                }
                for d in await devices.all()
            ]
        }
    )


async def start_enrollment(request: web.Request) -> web.Response:
    enrollment = await request.app[SERVICES].devices.start_enrollment(
        _id(request, "id"), _now(request)
    )
    await _audit(request, "device.enrollment", f"device:{enrollment.device.name}")
    return json_answer(
        {
            "device": enrollment.device.name,
            "code": enrollment.code,
            "expires_at": enrollment.expires_at.isoformat(),
        },
        status=201,
    )


async def revoke_device(request: web.Request) -> web.Response:
    device = await request.app[SERVICES].devices.revoke(_id(request, "id"), _now(request))
    await _audit(request, "device.revoke", f"device:{device.name}")
    return json_answer({"ok": True, "device": device.name})


async def enroll(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body = await _body(request, models.Enroll)
    client = request.remote or "unknown"
    services.enroll_limiter.check(client)  # 429 too_many_lookups: codes cannot be guessed
    try:
        device, credential = await services.devices.enroll(body.code, _now(request))
    except EnrollmentFailed:
        await services.audit.record(
            AuditEntry(client, "device.enroll_failed", "enrollment"), _now(request)
        )
        raise
    await services.audit.record(
        AuditEntry(device.name, "device.enrolled", f"device:{device.name}"), _now(request)
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


async def _assignment(request: web.Request, caller: Caller) -> Assignment:
    if caller.role != "booth":
        raise NotPermitted("a booth only")
    found = await request.app[SERVICES].scheduler_views.assignment_of(caller.name, _now(request))
    if found is None:
        raise UnknownAppointment("no applicant is checked in at this booth")
    return found


async def device_self(request: web.Request) -> web.Response:
    caller = request[CALLER]
    services, assignment = request.app[SERVICES], None
    if caller.role == "booth":
        found = await services.scheduler_views.assignment_of(caller.name, _now(request))
        if found is not None:
            greeting = await services.views.greeting(found.request)
            assignment = {**dataclasses.asdict(found), **dataclasses.asdict(greeting)}
    return json_answer(
        {
            "device": caller.name,
            "kind": caller.role,
            "assignment": assignment,
            "server_time": _now(request).isoformat(),
        }
    )


async def device_join_token(request: web.Request) -> web.Response:
    """A single-use join token for this device's seat. The booth's room is that of the
    applicant checked in at it; an office terminal names the room and needs a signed-in
    office staff member too (the terminal and the person, both)."""
    caller = request[CALLER]
    services = request.app[SERVICES]
    if caller.role == "booth":
        room = (await _assignment(request, caller)).room
    else:
        room = (await _body(request, models.RoomChoice)).room
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie is None:
            raise TokenError("an office member must be signed in at this terminal")
        session = await services.accounts.session(cookie, _now(request))
        require(session.role, Permission.ADMIT)
    if room is None:
        raise UnknownRoom("no room named")
    if caller.role == "office" and services.rooms.seats(room).office_device != caller.name:
        raise NotPermitted("not this terminal's room")
    token = services.rooms.issue_join_token(room, caller.role)
    await _audit(request, "device.join_token", f"room:{room}")
    return json_answer({"room": room, "token": token})


async def device_heartbeat(request: web.Request) -> web.Response:
    caller = request[CALLER]
    body = await _body(request, models.HeartbeatBody)
    await request.app[SERVICES].devices.heartbeat(
        caller.name, body.screen, body.round_trip_ms, _now(request)
    )
    return json_answer({"ok": True, "server_time": _now(request).isoformat()})


async def device_amend(request: web.Request) -> web.Response:
    caller = request[CALLER]
    body = await _body(request, models.Amendment)
    assignment = await _assignment(request, caller)
    version = await request.app[SERVICES].desk.amend_text(
        assignment.request, body.text, "applicant", _now(request)
    )
    await _audit(request, "request.amend", f"request:{assignment.request}", "at the booth")
    return json_answer({"version": version})


async def device_rating(request: web.Request) -> web.Response:
    caller = request[CALLER]
    body = await _body(request, models.Rating)
    assignment = await _assignment(request, caller)
    await request.app[SERVICES].scheduler.rate(assignment.appointment, body.stars)
    return json_answer({"ok": True})


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: Permission | None  # None: public (the status lookup, sign-in, enrollment)
    handler: Handler


# The one table of HTTP routes: each names the permission it needs (rooms.permissions decides
# who has it). The authorization matrix test is generated from it.
ROUTES: tuple[Route, ...] = tuple(
    Route(*entry)
    for entry in (
        ("POST", "/api/requests", Permission.REQUEST_WRITE, register),
        ("GET", "/api/requests/{id}", Permission.REQUEST_READ, request_details),
        ("POST", "/api/requests/{id}/status", Permission.REQUEST_WRITE, change_status),
        ("POST", "/api/requests/{id}/text", Permission.REQUEST_WRITE, amend),
        ("POST", "/api/requests/{id}/referrals", Permission.REQUEST_WRITE, refer),
        ("POST", "/api/referrals/{id}/reply", Permission.REQUEST_WRITE, reply),
        ("POST", "/api/sittings", Permission.BOOKING_WRITE, create_sitting),
        ("GET", "/api/sittings/{id}/slots", Permission.SCHEDULE_READ, sitting_slots),
        ("POST", "/api/sittings/{id}/standby", Permission.BOOKING_WRITE, add_standby),
        ("GET", "/api/sittings/{id}/standby", Permission.SCHEDULE_READ, standby_list),
        ("POST", "/api/appointments", Permission.BOOKING_WRITE, book),
        ("POST", "/api/appointments/{id}/reschedule", Permission.BOOKING_WRITE, reschedule),
        ("POST", "/api/appointments/{id}/cancel", Permission.BOOKING_WRITE, cancel),
        ("POST", "/api/appointments/{id}/calls", Permission.BOOKING_WRITE, record_call),
        ("GET", "/api/queue", Permission.SCHEDULE_READ, day_queue),
        ("GET", "/api/statistics", Permission.STATISTICS_READ, figures),
        ("GET", "/api/statistics.csv", Permission.STATISTICS_READ, figures_csv),
        ("GET", "/api/requests", Permission.REQUEST_READ, search),
        ("GET", "/api/requests/{id}/appointments", Permission.REQUEST_READ, appointments_of),
        ("GET", "/api/sittings", Permission.SCHEDULE_READ, day_sittings),
        ("POST", "/api/appointments/{id}/check-in", Permission.BOOKING_WRITE, check_in),
        ("GET", "/api/appointments/{id}/brief", Permission.OUTCOME_WRITE, brief),
        ("POST", "/api/appointments/{id}/outcome", Permission.OUTCOME_WRITE, outcome),
        ("GET", "/api/board", Permission.SEE_ALL_ROOMS, board),
        ("POST", "/api/alerts/{id}/handled", Permission.ALERT_HANDLE, handle_alert),
        ("GET", "/api/devices", Permission.DEVICE_MANAGE, device_list),
        ("POST", "/api/devices/{id}/enrollment", Permission.DEVICE_MANAGE, start_enrollment),
        ("POST", "/api/devices/{id}/revoke", Permission.DEVICE_MANAGE, revoke_device),
        ("GET", "/api/device", Permission.DEVICE_SELF, device_self),
        ("POST", "/api/device/join-token", Permission.DEVICE_SELF, device_join_token),
        ("POST", "/api/device/heartbeat", Permission.DEVICE_SELF, device_heartbeat),
        ("POST", "/api/device/text", Permission.DEVICE_SELF, device_amend),
        ("POST", "/api/device/rating", Permission.DEVICE_SELF, device_rating),
        ("POST", "/api/devices/enroll", None, enroll),  # public: the one-time code is the key
        ("POST", "/api/status-lookup", None, lookup),  # public: the applicant's own check
        ("POST", "/api/session", None, sign_in),  # public: staff sign-in
        ("GET", "/api/session", Permission.SIGNED_IN, who_am_i),
        ("DELETE", "/api/session", Permission.SIGNED_IN, sign_out),
        ("POST", "/api/session/everywhere", Permission.SIGNED_IN, sign_out_everywhere),
    )
)
PUBLIC_ROUTES = frozenset((r.method, r.path) for r in ROUTES if r.permission is None)


__all__ = [
    "PUBLIC_ROUTES",
    "ROUTES",
    "SERVICES",
    "ApiServices",
    "Route",
    "add_api_routes",
    "problem",
]
