"""The Socket.IO namespaces ``/booth``, ``/office`` and ``/desk``: one class per namespace.

Every client event goes through one dispatcher: it must be in the namespace's table, its
payload is validated by a pydantic schema, the permission it needs is checked in
``rooms.permissions``, and any error comes back as ``{ok: false, error: {code,
message_key, details}}`` (ack) and an ``error`` event. Nothing a client sends can raise out of
a handler or leave a room half-changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import socketio
from aiohttp import web
from pydantic import BaseModel, ValidationError

from limits import SlidingWindow
from media.errors import MediaError
from media.server import IceCandidate, MediaServer
from rooms.errors import NotPermitted, RoomError
from rooms.permissions import Permission, require
from rooms.service import RoomChange, RoomService
from rooms.state import EventKind, Room, RoomEvent, RoomState
from rooms.tokens import TokenClaims
from rooms.turn import turn_credentials
from signaling.errors import (
    DeviceRevoked,
    MissingToken,
    NotConnected,
    SignalingError,
    TooManyConnects,
    TooManyEvents,
    UnknownEvent,
    error_payload,
)
from signaling.schemas import Candidate, Empty, Extend, Offer, RoomQuery
from typed_errors import TypedError

log = logging.getLogger(__name__)

DISCONNECT_AFTER_END_S = 0.5
QUEUE_HORIZON = timedelta(hours=18)  # "today's" audiences, whatever the time zone
# Every event some namespace handles: sent to the wrong namespace it is "not permitted",
# not "unknown" (a booth that tries to admit itself is told so).
KNOWN_EVENTS = frozenset(
    {"state", "offer", "ice", "preflight", "help", "admit", "extend", "pause", "resume", "end"}
    | {"queue", "rooms", "quality"}
)

Handler = Callable[["Session", Any], Awaitable[dict[str, Any]]]


@dataclass
class Session:
    sid: str
    claims: TokenClaims

    @property
    def room_id(self) -> str:
        return self.claims.room

    @property
    def role(self) -> str:
        return self.claims.role


@dataclass(frozen=True)
class EventRule:
    handler: Handler
    schema: type[BaseModel]
    permission: Permission | None


def room_snapshot(room: Room, now: datetime) -> dict[str, Any]:
    return {
        "room": room.room_id,
        "state": room.state.value,
        "starts_at": room.starts_at.isoformat(),
        "ends_at": room.ends_at.isoformat(),
        "remaining_s": max(0.0, (room.ends_at - now).total_seconds()),
        "extensions": room.extensions,
        "booth_present": room.booth_present,
        "last_preflight": room.last_preflight,
        "reason": room.reason,
        "server_time": now.isoformat(),
    }


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def office_channel(office_device: str) -> str:
    return f"office:{office_device}"


def office_queue(rooms: RoomService, office_device: str) -> dict[str, Any]:
    """Today's audiences of one office terminal, in order of their slots."""
    now = rooms.clock.now()
    return {
        "queue": [
            room_snapshot(room, now)
            for room in sorted(rooms.rooms(), key=lambda r: r.starts_at)
            if rooms.seats(room.room_id).office_device == office_device
            and abs(room.starts_at - now) < QUEUE_HORIZON
        ]
    }


class DevicePort(Protocol):
    """What signalling needs of the device registry (``devices.service.DeviceService``)."""

    def is_revoked(self, device: str) -> bool: ...

    async def raise_alert(self, device: str, room: str | None, kind: str, now: datetime) -> int: ...


# Records a refused connect or event in the audit log: (actor, what was refused, code).
DenialRecorder = Callable[[str, str, str], Awaitable[None]]
# A staff member's claims from the request's cookies (None: no session cookie); raises a typed
# error for an expired or unknown session.
StaffSessions = Callable[[Mapping[str, str]], Awaitable[TokenClaims | None]]


@dataclass(frozen=True)
class RateLimits:
    """Shared by every namespace of a server: per client address and per device."""

    connects: SlidingWindow
    events: SlidingWindow

    @classmethod
    def per_minute(cls, connects: int, events: int) -> RateLimits:
        return cls(SlidingWindow(connects, 60.0), SlidingWindow(events, 60.0))


class MajlisNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    role = ""
    devices: DevicePort | None = None
    denials: DenialRecorder | None = None
    limits: RateLimits | None = None
    staff_sessions: StaffSessions | None = None

    def __init__(
        self, rooms: RoomService, media: MediaServer, turn: TurnSettings | None = None
    ) -> None:
        super().__init__(f"/{self.role}")
        self.rooms = rooms
        self.media = media
        self.turn = turn
        self.sessions: dict[str, Session] = {}
        self.events: dict[str, EventRule] = {"state": EventRule(self._state, Empty, None)}

    # -- dispatch --------------------------------------------------------------------------------

    async def trigger_event(self, event: Any, *args: Any) -> Any:
        sid = args[0] if args else None
        if (
            event == "connect"
            and isinstance(sid, str)
            and sid not in self.sessions
            and _is_real_connect(args)
        ):
            return await self._connect(sid, args[2] if len(args) > 2 else None, args[1])
        if event == "disconnect" and sid in self.sessions and not self._still_connected(sid):
            await self._disconnect(sid)
            return None
        return await self._dispatch(sid, event, args[1] if len(args) > 1 else None)

    def _still_connected(self, sid: str) -> bool:
        return bool(self.server.manager.is_connected(sid, self.namespace))

    async def _dispatch(self, sid: Any, event: Any, payload: Any) -> dict[str, Any]:
        session = self.sessions.get(sid) if isinstance(sid, str) else None
        try:
            if session is None:
                raise NotConnected("connect first")
            if self.limits is not None and not self.limits.events.allow(session.claims.device):
                raise TooManyEvents("slow down")
            rule = self.events.get(event) if isinstance(event, str) else None
            if rule is None and isinstance(event, str) and event in KNOWN_EVENTS:
                raise NotPermitted(f"{self.role} may not send {event}")
            if rule is None:
                raise UnknownEvent(str(event)[:64])
            if rule.permission is not None:
                require(session.claims.role, rule.permission)
            data = rule.schema.model_validate({} if payload is None else payload)
            result = await rule.handler(session, data)
            return {"ok": True, **result}
        except (SignalingError, RoomError, MediaError, ValidationError) as error:
            body = error_payload(error)
            if isinstance(error, NotPermitted) and session is not None:
                await self._denied(session.claims.device, f"{self.namespace}:{event}", body)
        except Exception:  # the worker must survive any input: log, answer, carry on
            log.exception("event handler failed on %s", self.namespace)
            body = error_payload(RuntimeError())
        if isinstance(sid, str):
            await self.emit("error", body, to=sid)
        return {"ok": False, "error": body}

    # -- connect / disconnect ----------------------------------------------------------------

    async def _connect(self, sid: str, auth: Any, environ: dict[str, Any]) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        peer = environ["aiohttp.request"].remote or "unknown"
        try:
            if self.limits is not None and not self.limits.connects.allow(f"ip:{peer}"):
                raise TooManyConnects("too many connections from this address")
            claims = await self.authenticate(token, environ)
            if self.limits is not None and not self.limits.connects.allow(claims.device):
                raise TooManyConnects("too many connections of this device")
            if self.devices is not None and self.devices.is_revoked(claims.device):
                raise DeviceRevoked("the device's enrollment was revoked")
            await self.rooms.tick()  # a room due to open opens before its first guest
        except TypedError as error:
            body = error_payload(error)
            if body["code"] != "token_not_yet_valid":  # early, not denied: the booth retries
                await self._denied(peer, f"{self.namespace}:connect", body)
            raise socketio.exceptions.ConnectionRefusedError(body["code"], body) from None
        session = Session(sid, claims)
        self.sessions[sid] = session
        await self.joined(session)

    async def authenticate(self, token: Any, _environ: dict[str, Any]) -> TokenClaims:
        """A seat comes with its join or resume token."""
        if not isinstance(token, str):
            raise MissingToken("no token")
        return await self.rooms.admit_token(token, self.role)

    async def _disconnect(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session is not None:
            try:
                await self.left(session)
            except (RoomError, MediaError):
                log.info("leaving %s: nothing to undo", session.room_id)

    async def _denied(self, actor: str, what: str, body: dict[str, Any]) -> None:
        if self.denials is not None:
            await self.denials(actor[:64], what[:64], str(body["code"]))

    async def cut_device(self, device: str) -> int:
        """Close every connection of a revoked device at once."""
        cut = [sid for sid, s in self.sessions.items() if s.claims.device == device]
        for sid in cut:
            await self.disconnect(sid)
        return len(cut)

    async def alert(self, session: Session, kind: str) -> None:
        """Raise a coordinators' alert for this seat's device and push it to every desk."""
        if self.devices is None:
            return
        now = self.rooms.clock.now()
        alert_id = await self.devices.raise_alert(session.claims.device, session.room_id, kind, now)
        body = {
            "id": alert_id,
            "device": session.claims.device,
            "room": session.room_id,
            "kind": kind,
            "raised_at": now.isoformat(),
        }
        await self.server.emit("alert", body, to="desk", namespace="/desk")

    async def joined(self, session: Session) -> None:
        """After a successful connect: subclasses add the seat and send the first state."""

    async def left(self, session: Session) -> None:
        """After a disconnect."""

    async def _state(self, session: Session, _data: Empty) -> dict[str, Any]:
        return {"room": room_snapshot(self.rooms.room(session.room_id), self.rooms.clock.now())}


def _is_real_connect(args: tuple[Any, ...]) -> bool:
    # python-socketio passes the request environ; a client's own "connect" event cannot.
    environ = args[1] if len(args) > 1 else None
    return isinstance(environ, dict) and isinstance(environ.get("aiohttp.request"), web.BaseRequest)


class SeatNamespace(MajlisNamespace):
    """A media seat (booth or office): offer/answer and trickle ICE to the media server."""

    def __init__(
        self, rooms: RoomService, media: MediaServer, turn: TurnSettings | None = None
    ) -> None:
        super().__init__(rooms, media, turn)
        self.events["offer"] = EventRule(self._offer, Offer, Permission.MEDIA_PUBLISH)
        self.events["ice"] = EventRule(self._ice, Candidate, Permission.MEDIA_PUBLISH)
        self._seated: dict[str, str] = {}  # room id -> sid holding the seat

    async def joined(self, session: Session) -> None:
        previous = self._seated.get(session.room_id)
        self._seated[session.room_id] = session.sid
        if previous is not None and previous != session.sid:
            await self.disconnect(previous)  # the seat has one holder: the newest
        await self.enter_room(session.sid, room_channel(session.room_id))
        self.rooms.seat_taken(session.room_id, self.role)
        await self.emit(
            "session",
            {
                "room": session.room_id,
                "role": self.role,
                "resume_token": self.rooms.resume_token(session.claims),
                "server_time": self.rooms.clock.now().isoformat(),
                "ice_servers": self._ice_servers(session),
            },
            to=session.sid,
        )
        await self.emit(
            "room_state",
            room_snapshot(self.rooms.room(session.room_id), self.rooms.clock.now()),
            to=session.sid,
        )

    def _ice_servers(self, session: Session) -> list[dict[str, object]]:
        """Ephemeral TURN credentials for this seat, valid no longer than its window."""
        if self.turn is None:
            return []
        seat = f"{session.room_id}:{self.role}"
        credentials = turn_credentials(
            self.turn.urls, self.turn.shared_secret, seat, session.claims.expires
        )
        return [credentials.as_ice_server()]

    async def left(self, session: Session) -> None:
        if self._seated.get(session.room_id) == session.sid:
            del self._seated[session.room_id]
            self.rooms.seat_lost(session.room_id, self.role)

    async def _offer(self, session: Session, data: Offer) -> dict[str, Any]:
        answer = await self.media.join(session.room_id, self.role, self.role, data.sdp)
        return {"sdp": answer}

    async def _ice(self, session: Session, data: Candidate) -> dict[str, Any]:
        await self.media.add_ice_candidate(
            session.room_id,
            self.role,
            IceCandidate(data.candidate, data.sdpMid, data.sdpMLineIndex),
        )
        return {}


class BoothNamespace(SeatNamespace):
    role = "booth"

    def __init__(
        self, rooms: RoomService, media: MediaServer, turn: TurnSettings | None = None
    ) -> None:
        super().__init__(rooms, media, turn)
        self.events["preflight"] = EventRule(self._preflight, Empty, Permission.PREFLIGHT)
        self.events["help"] = EventRule(self._help, Empty, Permission.HELP)

    async def joined(self, session: Session) -> None:
        await super().joined(session)
        room = self.rooms.room(session.room_id)
        if room.state in (RoomState.OPEN, RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED):
            await self.rooms.act(session.room_id, RoomEvent(EventKind.BOOTH_JOINED, "booth"))

    async def left(self, session: Session) -> None:
        held = self._seated.get(session.room_id) == session.sid
        await super().left(session)
        if held and not self.rooms.room(session.room_id).is_over:
            await self.rooms.act(session.room_id, RoomEvent(EventKind.BOOTH_LEFT, "booth"))
            await self.alert(session, "disconnected")

    async def _help(self, session: Session, _data: Empty) -> dict[str, Any]:
        await self.alert(session, "help")
        return {}

    async def _preflight(self, session: Session, _data: Empty) -> dict[str, Any]:
        result = await self.media.preflight(session.room_id, "booth")
        kind = EventKind.PREFLIGHT_PASSED if result.passed else EventKind.PREFLIGHT_FAILED
        await self.rooms.act(session.room_id, RoomEvent(kind, "booth", result.verdict.value))
        if not result.passed:
            await self.alert(session, "preflight_failed")
        return {
            "verdict": result.verdict.value,
            "message_key": result.message_key,
            "passed": result.passed,
        }


class OfficeNamespace(SeatNamespace):
    role = "office"

    def __init__(
        self, rooms: RoomService, media: MediaServer, turn: TurnSettings | None = None
    ) -> None:
        super().__init__(rooms, media, turn)
        self.events["admit"] = EventRule(self._simple(EventKind.ADMIT), Empty, Permission.ADMIT)
        self.events["extend"] = EventRule(self._extend, Extend, Permission.EXTEND)
        self.events["pause"] = EventRule(self._simple(EventKind.PAUSE), Empty, Permission.PAUSE)
        self.events["resume"] = EventRule(self._simple(EventKind.RESUME), Empty, Permission.PAUSE)
        self.events["end"] = EventRule(self._simple(EventKind.END), Empty, Permission.END)
        self.events["queue"] = EventRule(self._queue, Empty, Permission.SEE_QUEUE)

    def _simple(self, kind: EventKind) -> Handler:
        async def handler(session: Session, _data: Empty) -> dict[str, Any]:
            room = await self.rooms.act(session.room_id, RoomEvent(kind, "office"))
            return {"room": room_snapshot(room, self.rooms.clock.now())}

        return handler

    async def _extend(self, session: Session, data: Extend) -> dict[str, Any]:
        event = RoomEvent(EventKind.EXTEND, "office", push_next=data.push_next)
        room = await self.rooms.act(session.room_id, event)
        return {"room": room_snapshot(room, self.rooms.clock.now())}

    async def joined(self, session: Session) -> None:
        await super().joined(session)
        await self.enter_room(session.sid, office_channel(session.claims.device))

    async def _queue(self, session: Session, _data: Empty) -> dict[str, Any]:
        return office_queue(self.rooms, session.claims.device)


class DeskNamespace(MajlisNamespace):
    """Coordinators: every room's state and connection quality, never media."""

    role = "desk"

    def __init__(
        self, rooms: RoomService, media: MediaServer, turn: TurnSettings | None = None
    ) -> None:
        super().__init__(rooms, media, turn)
        self.events = {
            "rooms": EventRule(self._rooms, Empty, Permission.SEE_ALL_ROOMS),
            "quality": EventRule(self._quality, RoomQuery, Permission.SEE_QUALITY),
        }

    async def authenticate(self, token: Any, environ: dict[str, Any]) -> TokenClaims:
        """A desk terminal's token, or a signed-in coordinator's (or supervisor's) session
        cookie, sent by the browser with the WebSocket handshake."""
        if isinstance(token, str) or self.staff_sessions is None:
            return await super().authenticate(token, environ)
        claims = await self.staff_sessions(environ["aiohttp.request"].cookies)
        if claims is None:
            raise MissingToken("no token and no staff session")
        require(claims.role, Permission.SEE_ALL_ROOMS)
        return claims

    async def joined(self, session: Session) -> None:
        await self.enter_room(session.sid, "desk")
        await self.emit("rooms", await self._rooms(session, Empty()), to=session.sid)

    async def _rooms(self, _session: Session, _data: Empty) -> dict[str, Any]:
        now = self.rooms.clock.now()
        return {"rooms": [room_snapshot(room, now) for room in self.rooms.rooms()]}

    async def _quality(self, _session: Session, data: RoomQuery) -> dict[str, Any]:
        self.rooms.room(data.room)  # UnknownRoom for a room that does not exist
        stats = await self.media.stats(data.room)
        return {
            "participants": {
                participant: {
                    "round_trip_ms": s.round_trip_ms,
                    "inbound": {
                        kind: {
                            "packets_lost": d.packets_lost,
                            "bitrate_kbps": d.bitrate_kbps,
                            "fps": d.frames_per_second,
                        }
                        for kind, d in s.inbound.items()
                    },
                }
                for participant, s in stats.items()
            }
        }


NAMESPACES: tuple[type[MajlisNamespace], ...] = (BoothNamespace, OfficeNamespace, DeskNamespace)


class RoomBroadcaster:
    """Pushes every room change to the room's seats, the office queue and the desk."""

    def __init__(self, server: socketio.AsyncServer, rooms: RoomService) -> None:
        self._server = server
        self._rooms = rooms
        self._pending: set[asyncio.Task[None]] = set()

    async def __call__(self, change: RoomChange) -> None:
        now = self._rooms.clock.now()
        snapshot = room_snapshot(change.room, now)
        channel = room_channel(change.room.room_id)
        for namespace in ("/booth", "/office"):
            await self._server.emit("room_state", snapshot, to=channel, namespace=namespace)
            if change.event.kind is EventKind.WARN:
                warning = {"minutes": int(change.event.detail), "server_time": now.isoformat()}
                await self._server.emit("warning", warning, to=channel, namespace=namespace)
            if change.room.is_over:
                ended = {"state": change.room.state.value, "reason": change.room.reason}
                await self._server.emit("ended", ended, to=channel, namespace=namespace)
        if change.room.is_over:
            # After a moment, so the answer to the office's own "end" still reaches it.
            task = asyncio.create_task(self._disconnect_seats(channel))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        if change.event.kind is EventKind.ADMIT:
            await self._server.emit("admitted", snapshot, to=channel, namespace="/booth")
        office = self._rooms.seats(change.room.room_id).office_device
        await self._server.emit(
            "queue",
            office_queue(self._rooms, office),
            to=office_channel(office),
            namespace="/office",
        )
        await self._server.emit("room_state", snapshot, to="desk", namespace="/desk")

    async def _disconnect_seats(self, channel: str) -> None:
        """An ended room keeps nobody: its booth and office connections are closed."""
        await asyncio.sleep(DISCONNECT_AFTER_END_S)
        for namespace in ("/booth", "/office"):
            seated = list(self._server.manager.get_participants(namespace, channel))
            for sid, _eio_sid in seated:
                await self._server.disconnect(sid, namespace=namespace)


@dataclass(frozen=True)
class TurnSettings:
    urls: list[str]
    shared_secret: str


def register_namespaces(
    server: socketio.AsyncServer,
    rooms: RoomService,
    media: MediaServer,
    turn: TurnSettings | None = None,
    devices: DevicePort | None = None,
    denials: DenialRecorder | None = None,
    limits: RateLimits | None = None,
    staff_sessions: StaffSessions | None = None,
) -> list[MajlisNamespace]:
    registered = []
    for kind in NAMESPACES:
        namespace = kind(rooms, media, turn)
        namespace.devices = devices
        namespace.denials = denials
        namespace.limits = limits
        namespace.staff_sessions = staff_sessions
        server.register_namespace(namespace)
        registered.append(namespace)
    rooms.subscribe(RoomBroadcaster(server, rooms))
    return registered
