"""The two media seats of an audience room: ``/booth`` (the applicant's kiosk) and ``/office``
(the minister's terminal). Each room seat has one holder, the newest connection; a seat sends
its offer and trickled ICE to the media server, and reads its room's state. The booth also runs
the preflight check and can ask for help; the office admits, extends, pauses and ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from media.server import IceCandidate
from rooms.permissions import Permission
from rooms.state import ACCEPT_SHORTER, EventKind, RoomEvent, RoomState
from rooms.tokens import TokenClaims
from rooms.turn import turn_credentials
from signaling.channels import desks_watching, office_channel, room_channel
from signaling.dispatch import GuardedNamespace, Session, SignalingDeps, event
from signaling.errors import EndToEndUnsupported, NotConnected
from signaling.payloads import (
    Alert,
    DeskNote,
    NoAnswer,
    OfferAnswer,
    PreflightAnswer,
    QueueAnswer,
    RelayedKeyShare,
    RoomAnswer,
    SeatGreeting,
    office_queue,
    room_snapshot,
)
from signaling.schemas import (
    Candidate,
    Empty,
    Extend,
    HelpAsk,
    KeyShare,
    Offer,
    Resume,
    VoiceOnly,
)

# Room states in which a booth's arrival counts (before, it only waits; after, it is over).
BOOTH_EXPECTED = (RoomState.OPEN, RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED)


class SeatNamespace(GuardedNamespace):
    """A media seat (booth or office): offer/answer and trickle ICE to the media server."""

    peer_namespace: str  # the other seat's namespace, where key shares are relayed

    def __init__(self, deps: SignalingDeps) -> None:
        super().__init__(deps)
        self._seated: dict[str, str] = {}  # room id -> sid holding the seat
        # Key shares leave in the order they came (each event is its own task, and a share
        # waits for its device's key): the ends' agreement depends on that order.
        self._relaying = asyncio.Lock()

    async def prove_seat(self, claims: TokenClaims, auth: Mapping[str, object]) -> None:
        """The device the token seats proves its key: a copied token (or credential) from
        another client takes over no seat (docs/PROTOCOL.md, "Connecting")."""
        enrolled = await self.deps.seat_proofs.prove_seat(
            claims.device,
            auth.get("credential"),
            auth.get("proof"),
            self.namespace,
            self.rooms.clock.now(),
        )
        # An enrolled booth or office signs its key shares with its device key; its browser
        # says whether it can seal frames (a dev seat, never enrolled, has no key to sign with).
        if enrolled and self.deps.e2ee_required and auth.get("e2ee") is not True:
            # Its screen says so; the desks hear of it too: someone has to change the browser.
            await self._note(claims.device, claims.room, "e2ee_unsupported")
            raise EndToEndUnsupported("this browser cannot encrypt the audience end to end")

    async def _note(self, device: str, room_id: str, kind: str) -> None:
        """A quiet note to the desks of this device's centre: nothing stored, no alert, no
        sound (advice, or a fault its own screen already shows)."""
        note: DeskNote = {
            "device": device,
            "room": room_id,
            "kind": kind,
            "at": self.rooms.clock.now().isoformat(),
        }
        await self.server.emit("note", note, to=desks_watching(device), namespace="/desk")

    async def joined(self, session: Session) -> None:
        previous = self._seated.get(session.room_id)
        self._seated[session.room_id] = session.sid
        if previous is not None and previous != session.sid:
            await self.disconnect(previous)  # the seat has one holder: the newest
        await self.enter_room(session.sid, room_channel(session.room_id))
        self.rooms.seat_taken(session.room_id, self.role)
        token = _seat_token(session)
        greeting: SeatGreeting = {
            "room": session.room_id,
            "role": self.role,
            "resume_token": self.rooms.resume_token(token),
            "server_time": self.rooms.clock.now().isoformat(),
            "ice_servers": self._ice_servers(session.room_id, token),
        }
        await self.emit("session", greeting, to=session.sid)
        await self.emit("room_state", self._snapshot(session), to=session.sid)

    def _ice_servers(self, room_id: str, token: TokenClaims) -> list[dict[str, object]]:
        """Ephemeral TURN credentials for this seat, valid no longer than its window."""
        turn = self.deps.turn
        if turn is None:
            return []
        seat = f"{room_id}:{self.role}"
        credentials = turn_credentials(turn.urls, turn.shared_secret, seat, token.expires)
        return [credentials.as_ice_server()]

    async def left(self, session: Session) -> None:
        if self._seated.get(session.room_id) == session.sid:
            del self._seated[session.room_id]
            self.rooms.seat_lost(session.room_id, self.role)

    def holds_seat(self, session: Session) -> bool:
        return self._seated.get(session.room_id) == session.sid

    def _snapshot(self, session: Session) -> RoomAnswer:
        return {"room": room_snapshot(self.rooms.room(session.room_id), self.rooms.clock.now())}

    @event(Empty, None)
    async def on_state(self, session: Session, _data: Empty) -> RoomAnswer:
        return self._snapshot(session)

    @event(Offer, Permission.MEDIA_PUBLISH)
    async def on_offer(self, session: Session, data: Offer) -> OfferAnswer:
        answer = await self.media.join(session.room_id, self.role, self.role, data.sdp)
        return {"sdp": answer}

    @event(Candidate, Permission.MEDIA_PUBLISH)
    async def on_ice(self, session: Session, data: Candidate) -> NoAnswer:
        candidate = IceCandidate(data.candidate, data.sdpMid, data.sdpMLineIndex)
        await self.media.add_ice_candidate(session.room_id, self.role, candidate)
        return {}

    @event(KeyShare, Permission.MEDIA_PUBLISH)
    async def on_e2ee_share(self, session: Session, data: KeyShare) -> NoAnswer:
        """Relays this end's key share to the other seat of the room, with the key this
        device registered at enrollment (the other end checks the share's signature with it).
        Nothing is stored: the server never learns the frame key (docs/SECURITY.md)."""
        async with self._relaying:
            if not self.holds_seat(session):
                return {}  # a seat taken over by a newer connection speaks no more
            share: RelayedKeyShare = {
                "public": data.public,
                "signature": data.signature,
                "reply": data.reply,
                "answers": data.answers,
                "device": session.caller.name,
                "device_key": await self.deps.seat_proofs.registered_key(session.caller.name),
                "endorsement": await self.deps.seat_proofs.endorsement(session.caller.name),
            }
            await self.server.emit(
                "e2ee_share",
                share,
                to=room_channel(session.room_id),
                namespace=self.peer_namespace,
            )
        return {}


def _seat_token(session: Session) -> TokenClaims:
    if session.seat_token is None:
        raise NotConnected("a seat connects with a join or resume token")
    return session.seat_token


class BoothNamespace(SeatNamespace):
    """``/booth``: the applicant's kiosk."""

    role = "booth"
    peer_namespace = "/office"

    async def joined(self, session: Session) -> None:
        await super().joined(session)
        if self.rooms.room(session.room_id).state in BOOTH_EXPECTED:
            await self.rooms.act(session.room_id, RoomEvent(EventKind.BOOTH_JOINED, "booth"))

    async def left(self, session: Session) -> None:
        held = self.holds_seat(session)
        await super().left(session)
        if held and not self.rooms.room(session.room_id).is_over:
            await self.rooms.act(session.room_id, RoomEvent(EventKind.BOOTH_LEFT, "booth"))
            await self._alert(session, "disconnected")

    async def _alert(self, session: Session, kind: str) -> None:
        """Raise a coordinators' alert for this booth's device and push it to the desks of
        its centre."""
        now = self.rooms.clock.now()
        alert_id = await self.deps.devices.raise_alert(
            session.caller.name, session.room_id, kind, now
        )
        await self._push_alert(session, alert_id, kind, None)

    async def _push_alert(
        self, session: Session, alert_id: int, kind: str, reason: str | None
    ) -> None:
        device = session.caller.name
        alert: Alert = {
            "id": alert_id,
            "device": device,
            "room": session.room_id,
            "kind": kind,
            "raised_at": self.rooms.clock.now().isoformat(),
            "reason": reason,
        }
        await self.server.emit("alert", alert, to=desks_watching(device), namespace="/desk")

    @event(HelpAsk, Permission.HELP)
    async def on_help(self, session: Session, data: HelpAsk) -> NoAnswer:
        """Her help button, with what is wrong: to the desks of her booth's centre only."""
        now = self.rooms.clock.now()
        alert_id = await self.deps.help.ask(session.caller.name, session.room_id, data.reason, now)
        await self._push_alert(session, alert_id, "help", data.reason)
        return {}

    @event(Empty, Permission.PREFLIGHT)
    async def on_preflight(self, session: Session, _data: Empty) -> PreflightAnswer:
        result = await self.media.preflight(session.room_id, "booth")
        kind = EventKind.PREFLIGHT_PASSED if result.passed else EventKind.PREFLIGHT_FAILED
        await self.rooms.act(session.room_id, RoomEvent(kind, "booth", result.verdict.value))
        if not result.passed:
            await self._note(session.caller.name, session.room_id, "preflight_failed")
        return {
            "verdict": result.verdict.value,
            "message_key": result.message_key,
            "passed": result.passed,
        }

    @event(Empty, Permission.PREFLIGHT)
    async def on_preflight_waive(self, session: Session, _data: Empty) -> RoomAnswer:
        """She goes on to her lobby without passing the check (video as it is, or voice
        only): the server's verdict is advice, never a gate."""
        room = await self.rooms.act(session.room_id, RoomEvent(EventKind.PREFLIGHT_WAIVED, "booth"))
        return {"room": room_snapshot(room, self.rooms.clock.now())}

    @event(VoiceOnly, Permission.VOICE_ONLY)
    async def on_voice_only(self, session: Session, data: VoiceOnly) -> RoomAnswer:
        """Her choice: voice only (no video of her leaves the server) or video again."""
        room = await self.rooms.set_voice_only(session.room_id, data.on)
        return {"room": room_snapshot(room, self.rooms.clock.now())}


class OfficeNamespace(SeatNamespace):
    """``/office``: the minister's terminal, which runs the audience and reads its queue."""

    role = "office"
    peer_namespace = "/booth"

    async def joined(self, session: Session) -> None:
        await super().joined(session)
        await self.enter_room(session.sid, office_channel(session.caller.name))

    async def _act(self, session: Session, event: RoomEvent) -> RoomAnswer:
        room = await self.rooms.act(session.room_id, event)
        return {"room": room_snapshot(room, self.rooms.clock.now())}

    @event(Empty, Permission.ADMIT)
    async def on_admit(self, session: Session, _data: Empty) -> RoomAnswer:
        return await self._act(session, RoomEvent(EventKind.ADMIT, "office"))

    @event(Extend, Permission.EXTEND)
    async def on_extend(self, session: Session, data: Extend) -> RoomAnswer:
        extend = RoomEvent(EventKind.EXTEND, "office", push_next=data.push_next)
        return await self._act(session, extend)

    @event(Empty, Permission.PAUSE)
    async def on_pause(self, session: Session, _data: Empty) -> RoomAnswer:
        return await self._act(session, RoomEvent(EventKind.PAUSE, "office"))

    @event(Resume, Permission.PAUSE)
    async def on_resume(self, session: Session, data: Resume) -> RoomAnswer:
        detail = ACCEPT_SHORTER if data.accept_shorter else ""
        return await self._act(session, RoomEvent(EventKind.RESUME, "office", detail))

    @event(Empty, Permission.END)
    async def on_end(self, session: Session, _data: Empty) -> RoomAnswer:
        return await self._act(session, RoomEvent(EventKind.END, "office", "office_ended"))

    @event(Empty, Permission.END)
    async def on_abort(self, session: Session, _data: Empty) -> RoomAnswer:
        """The office gives up waiting for a booth that dropped: ended as a technical problem
        (the appointment is to be rebooked, as after the seat's grace ran out)."""
        return await self._act(session, RoomEvent(EventKind.ABORT, "office", "technical_problem"))

    @event(Empty, Permission.SEE_QUEUE)
    async def on_queue(self, session: Session, _data: Empty) -> QueueAnswer:
        return office_queue(self.rooms, session.caller.name)
