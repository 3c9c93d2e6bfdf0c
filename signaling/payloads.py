"""What the server sends to clients, built in one place: the ``RoomState`` of every room push
and answer, the ``session`` greeting, alerts, a room's connection quality, and each event's
answer. Typed dicts, because they go out as JSON exactly as written (docs/PROTOCOL.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypedDict

from media.stats import ParticipantStats, RouteCounters
from rooms.service import RoomService
from rooms.state import Room

QUEUE_HORIZON = timedelta(hours=18)  # "today's" audiences, whatever the time zone


class RoomState(TypedDict):
    room: str
    state: str
    starts_at: str
    ends_at: str
    remaining_s: float
    extensions: int
    booth_present: bool
    last_preflight: str
    reason: str
    server_time: str
    admitted_at: str | None  # the audience's length runs from here
    paused_at: str | None  # paused since (remaining_s stands still meanwhile)
    booth_back_by: str | None  # the booth's connection dropped: its seat is held until then
    voice_only_by: str | None  # no video of her leaves the booth, and why ("applicant")


class RelayedKeyShare(TypedDict):
    """An ``e2ee_share`` relayed to the other seat: the share as sent, the sending device and
    the public key (JWK) it registered at enrollment (None: no key registered), and an
    administrator's endorsement of that key (None: not endorsed)."""

    public: str
    signature: str
    reply: bool
    answers: str
    device: str
    device_key: dict[str, str] | None
    endorsement: dict[str, object] | None  # {by, signature, keys}: devices.directory


class SeatGreeting(TypedDict):
    """The ``session`` event a seat gets on connecting."""

    room: str
    role: str
    resume_token: str
    server_time: str
    ice_servers: list[dict[str, object]]


class TimeWarning(TypedDict):
    """``warning``: the minutes left of a room, pushed to its seats."""

    minutes: int
    server_time: str


class Ended(TypedDict):
    """``ended``: the room is over (ended, no_show or aborted) and why."""

    state: str
    reason: str


class Alert(TypedDict):
    id: int
    device: str
    room: str
    kind: str
    raised_at: str
    reason: str | None  # a help alert's reason: sound / picture / coordinator / something_else


class HelpAnswerPush(TypedDict):
    """A coordinator's answer, to the booth only (never the office)."""

    kind: str  # text / on_my_way
    text: str
    at: str


class HelpAnswered(TypedDict):
    """To the desks of the booth's centre: the alert was answered (never the text)."""

    id: int
    kind: str


class DeskNote(TypedDict):
    """``note``: something the desk may like to know, not an alert (a device check the server
    could not pass: ``preflight_failed``; a seat refused because its browser cannot encrypt
    the audience end to end: ``e2ee_unsupported``)."""

    device: str
    room: str
    kind: str
    at: str


class RoomAnswer(TypedDict):
    room: RoomState


class RoomsAnswer(TypedDict):
    rooms: list[RoomState]


class QueueAnswer(TypedDict):
    queue: list[RoomState]


class OfferAnswer(TypedDict):
    sdp: str


class PreflightAnswer(TypedDict):
    verdict: str
    message_key: str
    passed: bool


class DirectionQuality(TypedDict):
    packets_lost: int
    bitrate_kbps: float
    fps: float | None


class ParticipantQuality(TypedDict):
    round_trip_ms: float | None
    inbound: dict[str, DirectionQuality]


class ForwardedPackets(TypedDict):
    """One route's count of RTP packets the server forwarded (``media.stats.RouteCounters``)."""

    source: str
    target: str
    kind: str
    forwarded: int


class QualityAnswer(TypedDict):
    participants: dict[str, ParticipantQuality]
    routes: list[ForwardedPackets]


class NoAnswer(TypedDict):
    """An event whose success needs no more than ``ok: true``."""


def room_snapshot(room: Room, now: datetime) -> RoomState:
    return {
        "room": room.room_id,
        "state": room.state.value,
        "starts_at": room.starts_at.isoformat(),
        "ends_at": room.ends_at.isoformat(),
        "remaining_s": room.remaining(now).total_seconds(),
        "extensions": room.extensions,
        "booth_present": room.booth_present,
        "last_preflight": room.last_preflight,
        "reason": room.reason,
        "server_time": now.isoformat(),
        "admitted_at": _iso(room.admitted_at),
        "paused_at": _iso(room.paused_at),
        "booth_back_by": _iso(room.booth_back_by),
        "voice_only_by": room.voice_only_by,
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def office_queue(rooms: RoomService, office_device: str) -> QueueAnswer:
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


def quality(
    stats: Mapping[str, ParticipantStats], routes: Sequence[RouteCounters] = ()
) -> QualityAnswer:
    """Round trip and inbound loss, bitrate and frame rate of each participant of a room, and
    the packets forwarded on each route (none of her video while she is voice only)."""
    return {
        "routes": [
            {"source": r.source, "target": r.target, "kind": r.kind, "forwarded": r.forwarded}
            for r in routes
        ],
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
        },
    }
