"""The guarded namespace every Socket.IO namespace of Majlis derives from, and what it needs.

A namespace declares each client event once, where it is handled: an ``on_<event>`` method
marked ``@event(Schema, Permission.X)``. At class creation the marks become the class's
``event_rules`` table, so the events of a namespace and of the server are derived, never
listed by hand. Every event then goes through one dispatcher: it must be in the table, its
payload is validated by the pydantic schema, the caller must hold the permission
(``rooms.callers.require_caller``), and any error comes back as ``{ok: false, error: {code,
message_key, details}}`` (ack) and an ``error`` event. Nothing a client sends can raise out of
a handler or leave a room half-changed. Connects are rate-limited, authenticated into a
``Session`` (a ``Caller`` and, for a seat, its token) and refused for a revoked device; a
seat's device proves its key before its join token is spent (``SeatProofPort``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, TypeVar, cast

import socketio
from aiohttp import web
from pydantic import BaseModel, ValidationError

from limits import SlidingWindow
from media.errors import MediaError
from media.server import MediaServer
from rooms.callers import Caller, CallerKind, require_caller, seat_caller
from rooms.errors import NotPermitted, RoomError
from rooms.permissions import Permission
from rooms.service import RoomService
from rooms.tokens import TokenClaims
from signaling.errors import (
    ErrorBody,
    MissingToken,
    NotConnected,
    StaffSessionEnded,
    TooManyConnects,
    TooManyEvents,
    UnknownEvent,
    error_payload,
)
from signaling.help import HelpPort
from typed_errors import TypedError

log = logging.getLogger(__name__)

Answer = Mapping[str, object]  # an event's result, sent as ``{ok: true, **answer}``


class DevicePort(Protocol):
    """What signalling needs of the device registry (``devices.service.DeviceService``)."""

    def check_not_revoked(self, device: str) -> None:
        """Raise the registry's own typed error (``device_revoked``) for a revoked device."""

    async def raise_alert(self, device: str, room: str | None, kind: str, now: datetime) -> int: ...


class SeatProofPort(Protocol):
    """What a seat's connect needs of the device registry (``devices.seat_proof``)."""

    async def prove_seat(
        self, device: str, credential: object, proof: object, namespace: str, now: datetime
    ) -> bool:
        """Raise the registry's typed error (``device_revoked``, ``proof_required``,
        ``proof_invalid``) unless ``proof`` shows that ``device``'s key signed this connect;
        whether the device is enrolled (False: a never-enrolled dev seat, token alone)."""

    async def registered_key(self, device: str) -> dict[str, str] | None:
        """The public key (JWK) ``device`` registered at enrollment, or None: relayed with its
        audience key shares so the other end can check their signature."""

    async def endorsement(self, device: str) -> dict[str, object] | None:
        """An administrator's endorsement of that key and the directory's trusted keys, or
        None: relayed with the shares too (devices.directory)."""


# Records a refused connect or event in the audit log: (actor, what was refused, code).
DenialRecorder = Callable[[str, str, str], Awaitable[None]]
# The signed-in staff member of the request's cookies (None: no session cookie); raises a typed
# error for an expired or unknown session.
StaffSessions = Callable[[Mapping[str, str]], Awaitable[Caller | None]]


@dataclass(frozen=True)
class RateLimits:
    """Shared by every namespace of a server: per client address and per device."""

    connects: SlidingWindow
    events: SlidingWindow

    @classmethod
    def per_minute(cls, connects: int, events: int) -> RateLimits:
        return cls(SlidingWindow(connects, 60.0), SlidingWindow(events, 60.0))


@dataclass(frozen=True)
class TurnSettings:
    urls: list[str]
    shared_secret: str


@dataclass(frozen=True)
class SignalingDeps:
    """Everything the namespaces of one server use, built by the composition root."""

    rooms: RoomService
    media: MediaServer
    devices: DevicePort
    seat_proofs: SeatProofPort
    denials: DenialRecorder
    limits: RateLimits
    staff_sessions: StaffSessions
    help: HelpPort  # a booth's help and the coordinators' answers (devices.help)
    turn: TurnSettings | None = None  # None: no TURN relay configured
    dev_mode: bool = False  # MAJLIS_DEV: /desk also takes the signed dev terminal tokens
    # MAJLIS_E2EE_REQUIRED: an enrolled seat whose browser cannot seal frames is refused.
    e2ee_required: bool = False


@dataclass(frozen=True)
class Session:
    """One connected socket: who is on it and, for a seat, the token it came with (its window
    bounds the TURN credentials, and its resume token is issued from it)."""

    sid: str
    caller: Caller
    seat_token: TokenClaims | None = None
    # A signed-in person's cookies: her connection lives only as long as her staff session.
    cookies: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def room_id(self) -> str:
        if self.caller.room is None:
            raise NotConnected("this connection is not bound to a room")
        return self.caller.room


@dataclass(frozen=True)
class EventRule:
    """How one event is handled: the method, the payload's schema, the permission needed
    (None: any connected caller)."""

    method: str
    schema: type[BaseModel]
    permission: Permission | None


@dataclass(frozen=True)
class _Mark:
    schema: type[BaseModel]
    permission: Permission | None


_MARK = "__signaling_event__"
_PREFIX = "on_"
N = TypeVar("N", bound="GuardedNamespace")
P = TypeVar("P", bound=BaseModel)
R = TypeVar("R", bound=Answer)
EventMethod = Callable[[N, Session, P], Awaitable[R]]


def event(
    schema: type[P], permission: Permission | None
) -> Callable[[EventMethod[N, P, R]], EventMethod[N, P, R]]:
    """Declare the ``on_<event>`` method below as the handler of ``<event>``: its payload must
    pass ``schema`` and its caller must hold ``permission``."""

    def mark(method: EventMethod[N, P, R]) -> EventMethod[N, P, R]:
        if not method.__name__.startswith(_PREFIX):
            raise TypeError(f"{method.__name__}: an event handler is named on_<event>")
        setattr(method, _MARK, _Mark(schema, permission))
        return method

    return mark


def _event_rules(cls: type) -> Mapping[str, EventRule]:
    rules: dict[str, EventRule] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if not name.startswith(_PREFIX) or not callable(value):
                continue
            mark = getattr(value, _MARK, None)
            if not isinstance(mark, _Mark):
                # A rule-less handler would be an event nobody authorises: refuse the class.
                raise TypeError(f"{klass.__name__}.{name} has no @event rule")
            rules[name.removeprefix(_PREFIX)] = EventRule(name, mark.schema, mark.permission)
    return MappingProxyType(rules)


class GuardedNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """A namespace whose every connect is authenticated and rate-limited and whose every event
    is checked against its rule before its handler runs."""

    role: ClassVar[str] = ""  # the token role it admits; also its path, /<role>
    event_rules: ClassVar[Mapping[str, EventRule]] = MappingProxyType({})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.event_rules = _event_rules(cls)

    def __init__(self, deps: SignalingDeps) -> None:
        super().__init__(f"/{self.role}")
        self.deps = deps
        self.rooms = deps.rooms
        self.media = deps.media
        self.sessions: dict[str, Session] = {}

    # -- dispatch --------------------------------------------------------------------------------

    async def trigger_event(self, event: Any, *args: Any) -> Any:
        sid = args[0] if args else None
        if (
            event == "connect"
            and isinstance(sid, str)
            and sid not in self.sessions
            and _is_real_connect(args)
        ):
            auth = args[2] if len(args) > 2 else None
            return await self._connect(sid, auth, args[1]["aiohttp.request"])
        if event == "disconnect" and sid in self.sessions and not self._still_connected(sid):
            await self._disconnect(sid)
            return None
        return await self._dispatch(sid, event, args[1] if len(args) > 1 else None)

    def _still_connected(self, sid: str) -> bool:
        return bool(self.server.manager.is_connected(sid, self.namespace))

    async def _dispatch(self, sid: object, event: object, payload: object) -> dict[str, object]:
        session = self.sessions.get(sid) if isinstance(sid, str) else None
        try:
            if session is None:
                raise NotConnected("connect first")
            if not self.deps.limits.events.allow(session.caller.name):
                raise TooManyEvents("slow down")
            if not await self._still_signed_in(session):
                raise StaffSessionEnded("the staff session has ended")
            rule = self.event_rules.get(event) if isinstance(event, str) else None
            if rule is None and isinstance(event, str) and self._known_elsewhere(event):
                raise NotPermitted(f"{self.role} may not send {event}")
            if rule is None:
                raise UnknownEvent(str(event)[:64])
            if rule.permission is not None:
                require_caller(session.caller, rule.permission)
            data = rule.schema.model_validate({} if payload is None else payload)
            handler = cast(
                Callable[[Session, BaseModel], Awaitable[Answer]], getattr(self, rule.method)
            )
            return {"ok": True, **await handler(session, data)}
        except (TypedError, ValidationError) as error:  # rooms', media's, ports' errors too
            body = error_payload(error)
            if isinstance(error, NotPermitted) and session is not None:
                await self._denied(session.caller.name, f"{self.namespace}:{event}", body)
        except Exception:  # the worker must survive any input: log, answer, carry on
            log.exception("event handler failed on %s", self.namespace)
            body = error_payload(RuntimeError())
        if isinstance(sid, str):
            await self.emit("error", body, to=sid)
            if body["code"] == StaffSessionEnded.code:
                await self.disconnect(sid)
        return {"ok": False, "error": body}

    def _known_elsewhere(self, event: str) -> bool:
        """An event another namespace of this server handles is "not permitted" here, not
        "unknown" (a booth that tries to admit itself is told so)."""
        return any(
            event in namespace.event_rules
            for namespace in self.server.namespace_handlers.values()
            if isinstance(namespace, GuardedNamespace)
        )

    # -- connect / disconnect ----------------------------------------------------------------

    async def _connect(self, sid: str, auth: object, request: web.BaseRequest) -> None:
        fields: Mapping[str, object] = auth if isinstance(auth, dict) else {}
        peer = request.remote or "unknown"
        limits = self.deps.limits
        try:
            if not limits.connects.allow(f"ip:{peer}"):
                raise TooManyConnects("too many connections from this address")
            session = await self.authenticate(sid, fields, request)
            if not limits.connects.allow(session.caller.name):
                raise TooManyConnects("too many connections of this device")
            if _is_terminal(session.caller):
                self.deps.devices.check_not_revoked(session.caller.name)
            await self.rooms.tick()  # a room due to open opens before its first guest
        except TypedError as error:
            body = error_payload(error)
            if body["code"] != "token_not_yet_valid":  # early, not denied: the booth retries
                await self._denied(peer, f"{self.namespace}:connect", body)
            raise socketio.exceptions.ConnectionRefusedError(body["code"], body) from None
        self.sessions[sid] = session
        await self.joined(session)

    async def authenticate(
        self, sid: str, auth: Mapping[str, object], _request: web.BaseRequest
    ) -> Session:
        """A seat comes with its join or resume token (``auth["token"]``); its device proves
        itself before a join token is spent, so a refused connect leaves the token usable."""
        token = auth.get("token")
        if not isinstance(token, str):
            raise MissingToken("no token")
        claims = await self.rooms.seat_claims(token, self.role)
        await self.prove_seat(claims, auth)
        await self.rooms.use_seat_token(claims)
        return Session(sid, seat_caller(claims), claims)

    async def prove_seat(self, claims: TokenClaims, auth: Mapping[str, object]) -> None:
        """A media seat's device proves its key here (``signaling.seats``)."""

    async def _disconnect(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session is not None:
            try:
                await self.left(session)
            except (RoomError, MediaError):
                log.info("leaving %s: nothing to undo", session.caller.room)

    async def _denied(self, actor: str, what: str, body: ErrorBody) -> None:
        await self.deps.denials(actor[:64], what[:64], body["code"])

    async def cut_device(self, device: str) -> int:
        """Close every connection of a revoked device at once."""
        cut = [
            sid
            for sid, session in self.sessions.items()
            if _is_terminal(session.caller) and session.caller.name == device
        ]
        for sid in cut:
            await self.disconnect(sid)
        return len(cut)

    async def _still_signed_in(self, session: Session) -> bool:
        """A seat's connection holds its token; a person's, a live staff session over the
        centres it had when it connected (the channels it joined are those centres')."""
        if session.caller.kind is not CallerKind.PERSON:
            return True
        try:
            current = await self.deps.staff_sessions(session.cookies)
        except TypedError:  # signed out, idle too long or too old
            return False
        return current is not None and current.scope == session.caller.scope

    async def cut_signed_out(self, account_id: int) -> int:
        """Close the connections of this account whose staff session has ended, or whose
        centres an administrator changed (they reconnect with the new ones)."""
        cut = [
            sid
            for sid, session in list(self.sessions.items())
            if session.caller.account_id == account_id and not await self._still_signed_in(session)
        ]
        for sid in cut:
            await self.disconnect(sid)
        return len(cut)

    async def joined(self, session: Session) -> None:
        """After a successful connect: subclasses add the seat and send the first state."""

    async def left(self, session: Session) -> None:
        """After a disconnect."""


def _is_terminal(caller: Caller) -> bool:
    """A device or a seat (named after its device) can be revoked; a signed-in person is not a
    device, whatever her username."""
    return caller.kind is not CallerKind.PERSON


def _is_real_connect(args: tuple[Any, ...]) -> bool:
    # python-socketio passes the request environ; a client's own "connect" event cannot.
    environ = args[1] if len(args) > 1 else None
    return isinstance(environ, dict) and isinstance(environ.get("aiohttp.request"), web.BaseRequest)
