"""Routes of the HTTP JSON API. Every route names the permission it needs (one table in
``rooms.permissions``); callers authenticate with ``Authorization: Bearer <token>`` (the
signed dev credential until staff sign-in exists). Errors are JSON ``{code, message_key,
details}`` with a 4xx status, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from accounts.service import AccountLocked, Accounts, SignInError, StaffSession
from api import models
from audit.log import AuditEntry, AuditLog
from desk.errors import DeskError, InvalidTrackingNumber, TooManyLookups, UnknownRequest
from desk.lifecycle import RequestStatus
from desk.service import DeskService, Registration
from desk.statistics import statistics, statistics_csv
from rooms.errors import NotPermitted, RoomError, TokenError
from rooms.permissions import Permission, require
from rooms.service import Clock
from rooms.store import RoomStore
from rooms.tokens import Keyring, TokenClaims, verify
from scheduler.errors import SchedulingError, UnknownAppointment
from scheduler.service import SchedulerService

log = logging.getLogger(__name__)
B = TypeVar("B", bound=BaseModel)


@dataclass
class ApiServices:
    desk: DeskService
    scheduler: SchedulerService
    room_store: RoomStore
    keyring: Keyring
    clock: Clock
    audit: AuditLog
    accounts: Accounts


SERVICES = web.AppKey("api_services", ApiServices)
CLAIMS = web.RequestKey("claims", TokenClaims)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SESSION_COOKIE = "majlis_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

STATUS_OF_ERROR: list[tuple[type[Exception], int]] = [
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


def problem(status: int, code: str, message_key: str, details: Any = "") -> web.Response:
    return web.json_response(
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
        except (DeskError, SchedulingError, RoomError, SignInError) as error:
            status = next(s for kind, s in STATUS_OF_ERROR if isinstance(error, kind))
            if status in (401, 403):
                claims = request.get(CLAIMS)
                actor = claims.device if claims else (request.remote or "unknown")
                entry = AuditEntry(actor, "access.denied", request.path[:64], error.code)
                await request.app[SERVICES].audit.record(entry, _now(request))
            return problem(status, error.code, error.message_key, error.detail)

    return wrapped


async def _authorised(request: web.Request, permission: Permission) -> TokenClaims:
    """Who is calling, as claims: a terminal's bearer token, or a staff session cookie (whose
    CSRF token must come back on every state-changing call)."""
    services = request.app[SERVICES]
    now = services.clock.now()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        claims = _bearer_claims(services, header.removeprefix("Bearer ").strip(), now)
    elif SESSION_COOKIE in request.cookies:
        session = await services.accounts.session(request.cookies[SESSION_COOKIE], now)
        if request.method not in SAFE_METHODS:
            services.accounts.check_csrf(session, request.headers.get(CSRF_HEADER))
        claims = TokenClaims(
            room="*",
            role=session.role,
            device=session.username,
            not_before=0,
            expires=0,
            token_id=f"session:{session.account_id}",
            kind="session",
        )
    else:
        raise TokenError("sign in, or present a terminal token")
    require(claims.role, permission)
    return claims


def _bearer_claims(services: ApiServices, token: str, now: datetime) -> TokenClaims:
    last_error: TokenError = TokenError("a bearer token is needed")
    for role in ("desk", "office"):
        try:
            return verify(token, services.keyring, now, role=role)
        except TokenError as error:
            last_error = error
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
    routes: list[tuple[str, str, Permission | None, Handler]] = [
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
        ("POST", "/api/status-lookup", None, lookup),  # public: the applicant's own check
        ("POST", "/api/session", None, sign_in),  # public: staff sign-in
        ("GET", "/api/session", Permission.SIGNED_IN, who_am_i),
        ("DELETE", "/api/session", Permission.SIGNED_IN, sign_out),
        ("POST", "/api/session/everywhere", Permission.SIGNED_IN, sign_out_everywhere),
    ]
    for method, path, permission, handler in routes:
        app.router.add_route(method, path, _errors_as_json(_guarded(permission, handler)))


def _guarded(permission: Permission | None, handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if permission is not None:
            request[CLAIMS] = await _authorised(request, permission)
        return await handler(request)

    return guarded


async def _audit(request: web.Request, action: str, subject: str, detail: str = "") -> None:
    entry = AuditEntry(_actor(request), action, subject, detail)
    await request.app[SERVICES].audit.record(entry, _now(request))


def _actor(request: web.Request) -> str:
    claims = request[CLAIMS]
    return claims.device[:64]


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
    response = web.json_response(_session_body(signed_in.session))
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
    return web.json_response(_session_body(session))


async def sign_out(request: web.Request) -> web.Response:
    await request.app[SERVICES].accounts.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    await _audit(request, "sign_out", "")
    response = web.json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def sign_out_everywhere(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    session = await services.accounts.session(
        request.cookies.get(SESSION_COOKIE, ""), _now(request)
    )
    ended = await services.accounts.sign_out_everywhere(session.account_id)
    await _audit(request, "sign_out.everywhere", "", str(ended))
    response = web.json_response({"ended": ended})
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
    return web.json_response(
        {"id": registered.request_id, "tracking_number": registered.tracking_number}, status=201
    )


async def request_details(request: web.Request) -> web.Response:
    request_id = _id(request, "id")
    details = await request.app[SERVICES].desk.details(request_id)
    await _audit(request, "request.view", f"request:{request_id}")
    return web.json_response(details)


async def change_status(request: web.Request) -> web.Response:
    body = await _body(request, models.StatusChange)
    await request.app[SERVICES].desk.change_status(
        _id(request, "id"), RequestStatus(body.status), _actor(request), _now(request), body.note
    )
    await _audit(request, "request.status", f"request:{_id(request, 'id')}", body.status)
    return web.json_response({"ok": True})


async def amend(request: web.Request) -> web.Response:
    body = await _body(request, models.Amendment)
    version = await request.app[SERVICES].desk.amend_text(
        _id(request, "id"), body.text, _actor(request), _now(request)
    )
    return web.json_response({"version": version})


async def refer(request: web.Request) -> web.Response:
    body = await _body(request, models.Referral)
    referral = await request.app[SERVICES].desk.refer(
        _id(request, "id"), body.department, body.due_on, body.note, _actor(request), _now(request)
    )
    return web.json_response({"referral": referral}, status=201)


async def reply(request: web.Request) -> web.Response:
    body = await _body(request, models.Reply)
    await request.app[SERVICES].desk.record_reply(
        _id(request, "id"), body.reply, _actor(request), _now(request)
    )
    return web.json_response({"ok": True})


async def lookup(request: web.Request) -> web.Response:
    body = await _body(request, models.Lookup)
    client = request.remote or "unknown"
    status = await request.app[SERVICES].desk.lookup(
        body.tracking_number, body.phone_last_four, client
    )
    return web.json_response({"status": status, "message_key": f"status.{status}"})


# -- scheduling --------------------------------------------------------------------------------


async def create_sitting(request: web.Request) -> web.Response:
    body = await _body(request, models.Sitting)
    sitting = await request.app[SERVICES].scheduler.create_sitting(
        body.office_device, body.starts_at, body.ends_at, _now(request)
    )
    return web.json_response({"sitting": sitting}, status=201)


async def sitting_slots(request: web.Request) -> web.Response:
    slots = await request.app[SERVICES].scheduler.slots_of(_id(request, "id"))
    return web.json_response({"slots": slots})


async def add_standby(request: web.Request) -> web.Response:
    body = await _body(request, models.Standby)
    await request.app[SERVICES].scheduler.add_standby(
        _id(request, "id"), body.request_id, _now(request)
    )
    return web.json_response({"ok": True})


async def standby_list(request: web.Request) -> web.Response:
    requests = await request.app[SERVICES].scheduler.standby_list(_id(request, "id"))
    return web.json_response({"requests": requests})


async def book(request: web.Request) -> web.Response:
    body = await _body(request, models.BookingBody)
    appointment = await request.app[SERVICES].scheduler.book(
        body.request_id, body.slot_id, body.booth, _actor(request), _now(request)
    )
    await _audit(request, "appointment.book", f"appointment:{appointment}")
    return web.json_response({"appointment": appointment}, status=201)


async def reschedule(request: web.Request) -> web.Response:
    body = await _body(request, models.Move)
    appointment = await request.app[SERVICES].scheduler.reschedule(
        _id(request, "id"), body.slot_id, body.booth, _actor(request), _now(request)
    )
    await _audit(request, "appointment.reschedule", f"appointment:{appointment}")
    return web.json_response({"appointment": appointment})


async def cancel(request: web.Request) -> web.Response:
    await request.app[SERVICES].scheduler.cancel(_id(request, "id"), _actor(request), _now(request))
    await _audit(request, "appointment.cancel", f"appointment:{_id(request, 'id')}")
    return web.json_response({"ok": True})


async def record_call(request: web.Request) -> web.Response:
    body = await _body(request, models.Call)
    await request.app[SERVICES].scheduler.record_call(
        _id(request, "id"), body.outcome, _actor(request), _now(request)
    )
    await _audit(request, "appointment.call", f"appointment:{_id(request, 'id')}", body.outcome)
    return web.json_response({"ok": True})


async def day_queue(request: web.Request) -> web.Response:
    query = models.QueueQuery.model_validate(dict(request.query))
    claims = request[CLAIMS]
    if claims.role == "office" and claims.kind != "session" and claims.device != query.office:
        raise NotPermitted("an office terminal sees its own queue only")
    now = _now(request)
    start = query.day_start or datetime.combine(now.date(), time(0), tzinfo=UTC)
    queue = await request.app[SERVICES].scheduler.day_queue(query.office, start)
    return web.json_response({"queue": queue, "from": start.isoformat()})


async def _figures(request: web.Request) -> dict[str, Any]:
    services = request.app[SERVICES]
    return await statistics(services.desk.engine, await services.room_store.audience_minutes())


async def figures(request: web.Request) -> web.Response:
    return web.json_response(await _figures(request))


async def figures_csv(request: web.Request) -> web.Response:
    await _audit(request, "statistics.export", "statistics.csv")
    return web.Response(
        text=statistics_csv(await _figures(request)),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="majlis-statistics.csv"'},
    )


__all__ = ["SERVICES", "ApiServices", "add_api_routes", "problem"]
