"""The HTTP edge every API route goes through: who is calling (a ``Caller``), the permission
the route needs, CSRF for staff sessions, body and id parsing, and typed errors turned into
JSON ``{code, message_key, details}`` with a 4xx status — never a traceback.

A handler parses, calls one service use case, and answers; everything else is here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from accounts.service import AccountLocked, Accounts, SignInError, StaffSession
from accounts.staff import (
    LastAdministrator,
    OwnAccount,
    StaffAdmin,
    StaffAdminError,
    StaffExists,
    UnknownStaff,
)
from api.models import MAX_ID
from audit.log import AuditEntry, AuditLog
from casework.commands import CaseworkCommands
from casework.errors import (
    ApplicantExists,
    CaseworkError,
    CentreNotServed,
    InvalidTrackingNumber,
    TooManyLookups,
    UnknownRequest,
)
from casework.follow_up import FollowUp
from casework.pii import UnreadableData
from casework.views import CaseworkViews
from devices.directory import KeyDirectory
from devices.errors import (
    DeviceError,
    DeviceNameInUse,
    DeviceRevoked,
    DirectoryError,
    DuplicateDevice,
    EndorsementInvalid,
    EnrollmentFailed,
    InvalidDevice,
    InvalidDeviceKey,
    ProofInvalid,
    ProofRequired,
    TooManyEnrollmentAttempts,
    UnknownDeviceCentre,
    UnknownDirectoryKey,
)
from devices.proof import PROOF_HEADER, DeviceProofs
from devices.registry import DeviceRegistry
from devices.service import CREDENTIAL_PREFIX, DeviceService
from foundation.clock import Clock
from limits import SlidingWindow
from reception.errors import ReceptionError, UnknownVisit, VisitAlreadyFinished
from reception.log import ReceptionLog
from reference.errors import DuplicateCode, ReferenceDataError, UnknownEntry
from reference.service import ReferenceData
from reports.ministry import MinistryFigures
from reports.statistics import StatisticsReport
from rooms.callers import (
    CALLER_KIND_OF,
    Caller,
    CallerKind,
    at_terminal,
    require_caller,
    seat_caller,
)
from rooms.errors import NotPermitted, RoomError, TokenError, TokenWrongRole
from rooms.permissions import Permission, allowed
from rooms.service import RoomService
from rooms.store import RoomStore
from rooms.tokens import Keyring, verify
from safeguarding.alerts import SafeguardingDesk
from safeguarding.errors import (
    AlreadyHandled,
    SafeguardingError,
    UndoTooLate,
    UnknownSafeguardingAlert,
)
from scheduler.commands import SchedulerCommands
from scheduler.errors import (
    NotABooth,
    SchedulingError,
    UnknownAppointment,
    UnknownOfficeTerminal,
)
from scheduler.outages import BoothOutages
from scheduler.outcome import AudienceOutcomes
from scheduler.rebooking import PriorityRebooking
from scheduler.seats import SeatTokens
from scheduler.standby import StandbyList
from scheduler.views import SchedulerViews
from typed_errors import InvalidPayload, TypedError, validation_problems

log = logging.getLogger(__name__)
B = TypeVar("B", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SESSION_COOKIE = "majlis_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Every body is a flat object (a list at most one level down): deeper JSON is refused before
# it is parsed, so no input can drive the parser into a RecursionError.
MAX_JSON_DEPTH = 8
_ROW_ID = re.compile(r"[1-9][0-9]{0,18}")  # ASCII digits only: not ١, 1_0, +1, 01 or " 1"
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}")


@dataclass(frozen=True)
class ApiServices:
    """What the API's handlers may call; built once by the composition root."""

    casework: CaseworkCommands
    scheduler: SchedulerCommands
    scheduler_views: SchedulerViews
    outcomes: AudienceOutcomes
    outages: BoothOutages  # a booth out of service, and moving what it affects
    statistics: StatisticsReport
    ministry: MinistryFigures  # the ministry's figures for a period
    reception: ReceptionLog  # walk-in visits and enquiry calls
    safeguarding: SafeguardingDesk  # the booth's discreet alert, for its centre's coordinators
    seats: SeatTokens
    room_store: RoomStore
    keyring: Keyring
    clock: Clock
    audit: AuditLog
    accounts: Accounts
    devices: DeviceService
    device_registry: DeviceRegistry  # adding devices, correcting a label
    directory: KeyDirectory  # administrators' endorsements of device keys
    staff: StaffAdmin  # an administrator's management of staff accounts
    device_proofs: DeviceProofs  # each device call proves its key; nonces remembered here
    casework_views: CaseworkViews
    follow_up: FollowUp  # closing a request, overdue referrals, the desk's notices
    standby: StandbyList
    priority_rebooking: PriorityRebooking
    rooms: RoomService
    reference: ReferenceData
    enrollment_attempts: SlidingWindow  # per client address: one-time codes cannot be guessed
    dev_mode: bool  # MAJLIS_DEV: the signed dev terminal tokens are accepted too


SERVICES = web.AppKey("api_services", ApiServices)
CALLER = web.RequestKey("caller", Caller)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: Permission | None  # None: public (the status lookup, sign-in, enrollment)
    handler: Handler


class UnsupportedMediaType(InvalidPayload):
    """A body not declared ``application/json``. A cross-site form can send ``text/plain``
    without a CORS preflight; it cannot send JSON, so no form can sign anyone in."""

    code = "unsupported_media_type"


class NotAnApiCredential(TokenError):
    """A signalling token on the HTTP API: a seat's join or resume token (Socket.IO only),
    or a dev terminal token on a server not in development mode. The API takes a staff
    session or an enrolled device, nothing else."""

    code = "not_an_api_credential"
    message_key = "errors.token.not_an_api_credential"


# The HTTP status of each kind of domain error; the first match wins (subclasses first).
STATUS_OF_ERROR: Sequence[tuple[type[TypedError], int]] = (
    (UnsupportedMediaType, 415),
    (DeviceRevoked, 401),
    (ProofRequired, 401),
    (ProofInvalid, 401),
    (InvalidDeviceKey, 422),
    (InvalidDevice, 422),
    (UnknownDeviceCentre, 422),
    (DuplicateDevice, 409),
    (DeviceNameInUse, 409),
    (EnrollmentFailed, 404),
    (UnknownDirectoryKey, 404),
    (EndorsementInvalid, 422),
    (DirectoryError, 409),  # a key registered twice, an untrusted endorser, a keyless device
    (TooManyEnrollmentAttempts, 429),
    (DeviceError, 404),
    (UnknownStaff, 404),
    (StaffExists, 409),
    (OwnAccount, 409),
    (LastAdministrator, 409),
    (StaffAdminError, 422),  # a username, role or centre the account may not have
    (AccountLocked, 429),
    (SignInError, 401),
    (TokenError, 401),
    (NotPermitted, 403),
    (CentreNotServed, 403),  # a refusal, audited like any 403
    (TooManyLookups, 429),
    (UnknownRequest, 404),
    (UnknownAppointment, 404),
    (InvalidTrackingNumber, 404),
    (InvalidPayload, 422),
    (ApplicantExists, 409),
    (UnreadableData, 409),
    (CaseworkError, 422),
    (UnknownOfficeTerminal, 422),
    (UnknownEntry, 404),
    (UnknownVisit, 404),
    (VisitAlreadyFinished, 409),
    (ReceptionError, 422),  # unknown_linked_request
    (UnknownSafeguardingAlert, 404),
    (UndoTooLate, 409),
    (AlreadyHandled, 409),
    (SafeguardingError, 409),  # safeguarding_no_audience
    (DuplicateCode, 409),
    (ReferenceDataError, 422),  # unknown_centre, unknown_category, unknown_department, hours
    (NotABooth, 422),
    (SchedulingError, 409),
    (RoomError, 409),
)


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


def problem(
    status: int,
    code: str,
    message_key: str,
    details: object = "",
    content_type: str = "application/json",
) -> web.Response:
    """The one error body of the HTTP edge (the app's last-resort middleware uses it too)."""
    return web.json_response(
        {"code": code, "message_key": message_key, "details": details},
        status=status,
        content_type=content_type,
    )


def add_api_routes(app: web.Application, routes: Sequence[Route]) -> None:
    for route in routes:
        handler = _not_stored(_errors_as_json(_guarded(route.permission, route.handler)))
        app.router.add_route(route.method, route.path, handler)


def _not_stored(handler: Handler) -> Handler:
    """Every API answer, errors included, is ``Cache-Control: no-store``: nearly all of them
    carry an applicant's data, a session's CSRF token or a device's credential, and a list of
    the few that do not would have to be kept right by hand; the apps never reuse an answer."""

    async def not_stored(request: web.Request) -> web.StreamResponse:
        response = await handler(request)
        response.headers["Cache-Control"] = "no-store"
        return response

    return not_stored


def _guarded(permission: Permission | None, handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if permission is not None:
            request[CALLER] = await _authorised(request, permission)
        return await handler(request)

    return guarded


def _errors_as_json(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationError as error:
            details = validation_problems(error)
            return problem(422, InvalidPayload.code, InvalidPayload.message_key, details)
        except TypedError as error:
            status = next((s for kind, s in STATUS_OF_ERROR if isinstance(error, kind)), None)
            if status is None:
                raise  # a domain error the edge has no answer for: the middleware's 500
            if status in (401, 403):
                await _audit_refusal(request, error.code)
            return problem(status, error.code, error.message_key, error.detail)

    return wrapped


async def _audit_refusal(request: web.Request, code: str) -> None:
    """A known caller's refusal is one row; an anonymous one is counted per address and
    minute (a flood of them must not write a row and sign a checkpoint each)."""
    caller = request.get(CALLER)
    if caller is not None:
        await audit(request, "access.denied", request.path[:64], code, caller.audit_name)
        return
    await services_of(request).audit.record_anonymous_refusal(
        request.remote or "unknown", request.path[:64], code, now_of(request)
    )


async def _authorised(request: web.Request, permission: Permission) -> Caller:
    """Who is calling: an enrolled device, its credential with a fresh proof of its key (with
    a staff session cookie too: the member signed in at it), a staff session cookie (whose
    CSRF token must come back on every state-changing call), or, in development mode only, a
    dev terminal's signed token."""
    services = request.app[SERVICES]
    header = request.headers.get("Authorization", "")
    if header.startswith(f"Bearer {CREDENTIAL_PREFIX}"):
        device, key = await services.devices.authenticate(header.removeprefix("Bearer ").strip())
        caller = Caller(CallerKind.DEVICE, device.kind, device.name)
        request[CALLER] = caller  # a refused proof is audited under the device it names
        services.device_proofs.check(
            device.name,
            key,
            request.headers.get(PROOF_HEADER),
            request.method,
            request.rel_url,
            now_of(request),
        )
        if SESSION_COOKIE in request.cookies and not _device_only(permission):
            caller = at_terminal(await _signed_in(request), caller)
    elif header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
        caller = _dev_terminal_caller(services, token, now_of(request))
    elif SESSION_COOKIE in request.cookies:
        caller = await _signed_in(request)
    else:
        raise TokenError("sign in, or use an enrolled device")
    request[CALLER] = caller  # known before the permission check: a refusal names its caller
    require_caller(caller, permission)
    return caller


def _device_only(permission: Permission) -> bool:
    """A device's own routes answer the device, whoever is signed in at it."""
    return CALLER_KIND_OF.get(permission) is CallerKind.DEVICE


async def _signed_in(request: web.Request) -> Caller:
    """The staff member of the session cookie; a state-changing call must bring the
    session's CSRF token back."""
    services = request.app[SERVICES]
    session = await services.accounts.session(request.cookies[SESSION_COOKIE], now_of(request))
    if request.method not in SAFE_METHODS:
        services.accounts.check_csrf(session, request.headers.get(CSRF_HEADER))
    return person(session)


async def staff_caller(services: ApiServices, cookies: Mapping[str, str]) -> Caller | None:
    """The signed-in staff member of a session cookie (None without one): the Socket.IO desk
    accepts the same sessions as the HTTP API."""
    cookie = cookies.get(SESSION_COOKIE)
    if cookie is None:
        return None
    return person(await services.accounts.session(cookie, services.clock.now()))


def person(session: StaffSession) -> Caller:
    return Caller(
        CallerKind.PERSON,
        session.role,
        session.username,
        None,
        session.account_id,
        centres=session.centres,
    )


def _dev_terminal_caller(services: ApiServices, token: str, moment: datetime) -> Caller:
    """The desk or office terminal of a signed dev terminal token (``majlis demo room``), on a
    server in development mode only; a seat's join or resume token is never an API key."""
    if not services.dev_mode:
        raise NotAnApiCredential("the API takes a staff session or an enrolled device")
    for role in ("desk", "office"):
        try:
            claims = verify(token, services.keyring, moment, role=role)
        except TokenWrongRole:
            continue
        if claims.kind == "terminal":
            return seat_caller(claims)
        break
    raise NotAnApiCredential("join and resume tokens are for a Socket.IO seat only")


async def read_body(request: web.Request, model: type[B]) -> B:
    """The body as ``model``: if sent, declared JSON (``415 unsupported_media_type``), UTF-8
    (RFC 8259; a ``charset`` parameter is not trusted), at most ``MAX_JSON_DEPTH`` deep; its
    size is bounded by the app's ``client_max_size`` (``413 body_too_large``)."""
    if not request.body_exists:
        return model.model_validate(None)  # nothing sent: 422, whatever the type says
    if request.content_type != "application/json":
        raise UnsupportedMediaType("send Content-Type: application/json")
    try:
        text = (await request.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidPayload("the body is not UTF-8") from None
    if not json_nested_at_most(text, MAX_JSON_DEPTH):
        raise InvalidPayload(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        raw = json.loads(text)
    except ValueError:
        raw = None
    return model.model_validate(raw)


def json_nested_at_most(text: str, depth: int) -> bool:
    """Whether the brackets of ``text`` (outside JSON strings) nest at most ``depth`` deep.
    Each pass strips the innermost pairs in C, so a megabyte is checked in milliseconds.
    Unbalanced brackets count as too deep: such text is no JSON anyway. Where this reading of
    strings and the parser's could differ, the parser fails there before nesting further."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    for _ in range(depth):
        if not brackets:
            return True
        brackets = _INNERMOST_PAIR.sub("", brackets)
    return not brackets


def read_query(request: web.Request, model: type[B]) -> B:
    return model.model_validate(dict(request.query))


def path_id(request: web.Request, name: str = "id") -> int:
    """An id in a path: 1 … 2⁶³−1 in ASCII digits; anything else is an id nobody has (404)."""
    text = request.match_info[name]
    if _ROW_ID.fullmatch(text) is None or int(text) > MAX_ID:
        raise UnknownRequest(f"{name} is not an id")
    return int(text)


def services_of(request: web.Request) -> ApiServices:
    return request.app[SERVICES]


def caller_of(request: web.Request) -> Caller:
    return request[CALLER]


def identified(request: web.Request) -> bool:
    """Whether the caller may see tracking numbers and request ids (a supervisor, an admin
    may not)."""
    return allowed(caller_of(request).role, Permission.REQUEST_IDENTITY)


def actor_of(request: web.Request) -> str:
    """How the audit log and the history name whoever makes this call."""
    return request[CALLER].audit_name


def now_of(request: web.Request) -> datetime:
    return request.app[SERVICES].clock.now()


async def audit(
    request: web.Request, action: str, subject: str, detail: str = "", who: str | None = None
) -> None:
    entry = AuditEntry(who if who is not None else actor_of(request), action, subject, detail)
    await request.app[SERVICES].audit.record(entry, now_of(request))
