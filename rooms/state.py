"""The audience room's state machine: pure data and functions, the clock passed in.

``scheduled → open → lobby → live ⇄ paused → ended``, plus ``no_show`` and ``aborted``.
Every change is an event; ``apply(room, event, now)`` returns the next room or raises a typed
error, and replaying a room's stored events through ``apply`` rebuilds it exactly (that is how
a restarted server recovers). ``due_events(room, now)`` says which timed events (open at
T-10, warnings at T-2/T-1 before the end, automatic end, no-show) are due.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rooms.errors import ExtensionLimit, ExtensionOverlapsNextSlot, IllegalTransition, TooEarly


class RoomState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    LOBBY = "lobby"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"
    NO_SHOW = "no_show"
    ABORTED = "aborted"


TERMINAL = frozenset({RoomState.ENDED, RoomState.NO_SHOW, RoomState.ABORTED})
MEDIA_FLOWS = frozenset({RoomState.LIVE})


class EventKind(StrEnum):
    OPEN = "open"
    BOOTH_JOINED = "booth_joined"
    BOOTH_LEFT = "booth_left"
    PREFLIGHT_PASSED = "preflight_passed"
    PREFLIGHT_FAILED = "preflight_failed"
    ADMIT = "admit"
    WARN = "warn"
    EXTEND = "extend"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"
    NO_SHOW = "no_show"
    ABORT = "abort"


@dataclass(frozen=True)
class RoomTimings:
    """Tunables of a room (settings ``MAJLIS_ROOM_*``)."""

    open_before: timedelta = timedelta(minutes=10)
    warnings_before_end: tuple[timedelta, ...] = (timedelta(minutes=2), timedelta(minutes=1))
    extend_by: timedelta = timedelta(minutes=2)
    max_extensions: int = 3
    end_grace: timedelta = timedelta(minutes=1)
    no_show_after: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class RoomEvent:
    kind: EventKind
    actor: str  # "system", "booth", "office", "desk"
    detail: str = ""  # a warning's minutes, a failure's verdict, an abort's reason
    push_next: bool = False  # extend: the office agreed to push the next slot


@dataclass(frozen=True)
class Room:
    room_id: str
    starts_at: datetime
    ends_at: datetime
    next_slot_starts_at: datetime | None = None
    state: RoomState = RoomState.SCHEDULED
    booth_present: bool = False
    extensions: int = 0
    warnings_sent: frozenset[str] = field(default_factory=frozenset)
    last_preflight: str = ""
    reason: str = ""  # why it was aborted

    @property
    def is_over(self) -> bool:
        return self.state in TERMINAL

    @property
    def media_flows(self) -> bool:
        return self.state in MEDIA_FLOWS


def apply(room: Room, event: RoomEvent, now: datetime, timings: RoomTimings) -> Room:
    """The room after ``event``; raises a ``RoomError`` and leaves ``room`` as it was."""
    if room.is_over:
        raise IllegalTransition(f"{room.state} is final")
    handler = _HANDLERS[event.kind]
    return handler(room, event, now, timings)


def _expect(room: Room, event: RoomEvent, *states: RoomState) -> None:
    if room.state not in states:
        raise IllegalTransition(f"{event.kind} in {room.state}")


def _open(room: Room, event: RoomEvent, now: datetime, timings: RoomTimings) -> Room:
    _expect(room, event, RoomState.SCHEDULED)
    if now < room.starts_at - timings.open_before:
        raise TooEarly(f"opens at {(room.starts_at - timings.open_before).isoformat()}")
    return replace(room, state=RoomState.OPEN)


def _booth_joined(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.OPEN, RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED)
    return replace(room, booth_present=True)


def _booth_left(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.OPEN, RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED)
    return replace(room, booth_present=False)


def _preflight(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.OPEN, RoomState.LOBBY)
    if not room.booth_present:
        raise IllegalTransition("preflight without a booth")
    passed = event.kind is EventKind.PREFLIGHT_PASSED
    return replace(
        room,
        state=RoomState.LOBBY if passed else RoomState.OPEN,
        last_preflight="ok" if passed else event.detail,
    )


def _admit(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.LOBBY)
    return replace(room, state=RoomState.LIVE)


def _warn(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.LIVE, RoomState.PAUSED)
    if event.detail in room.warnings_sent:
        raise IllegalTransition(f"the {event.detail}-minute warning was already sent")
    return replace(room, warnings_sent=room.warnings_sent | {event.detail})


def _extend(room: Room, event: RoomEvent, _now: datetime, timings: RoomTimings) -> Room:
    _expect(room, event, RoomState.LIVE, RoomState.PAUSED)
    if room.extensions >= timings.max_extensions:
        raise ExtensionLimit(f"at most {timings.max_extensions} extensions")
    ends_at = room.ends_at + timings.extend_by
    next_start = room.next_slot_starts_at
    if next_start is not None and ends_at > next_start:
        if not event.push_next:
            raise ExtensionOverlapsNextSlot(f"the next audience starts at {next_start}")
        next_start = next_start + (ends_at - next_start)
    return replace(
        room,
        ends_at=ends_at,
        next_slot_starts_at=next_start,
        extensions=room.extensions + 1,
        warnings_sent=frozenset(),  # the new end gets its own warnings
    )


def _pause(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.LIVE)
    return replace(room, state=RoomState.PAUSED)


def _resume(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.PAUSED)
    return replace(room, state=RoomState.LIVE)


def _end(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.LIVE, RoomState.PAUSED)
    return replace(room, state=RoomState.ENDED)


def _no_show(room: Room, event: RoomEvent, now: datetime, timings: RoomTimings) -> Room:
    _expect(room, event, RoomState.SCHEDULED, RoomState.OPEN)
    if now < room.starts_at + timings.no_show_after:
        raise TooEarly("the applicant may still arrive")
    return replace(room, state=RoomState.NO_SHOW)


def _abort(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    return replace(room, state=RoomState.ABORTED, reason=event.detail or "aborted")


_HANDLERS = {
    EventKind.OPEN: _open,
    EventKind.BOOTH_JOINED: _booth_joined,
    EventKind.BOOTH_LEFT: _booth_left,
    EventKind.PREFLIGHT_PASSED: _preflight,
    EventKind.PREFLIGHT_FAILED: _preflight,
    EventKind.ADMIT: _admit,
    EventKind.WARN: _warn,
    EventKind.EXTEND: _extend,
    EventKind.PAUSE: _pause,
    EventKind.RESUME: _resume,
    EventKind.END: _end,
    EventKind.NO_SHOW: _no_show,
    EventKind.ABORT: _abort,
}


def due_events(room: Room, now: datetime, timings: RoomTimings) -> list[RoomEvent]:
    """The timed events the clock should apply now, in order."""
    if room.state is RoomState.SCHEDULED and now >= room.starts_at - timings.open_before:
        return [RoomEvent(EventKind.OPEN, "system")]
    if room.state is RoomState.OPEN and now >= room.starts_at + timings.no_show_after:
        return [RoomEvent(EventKind.NO_SHOW, "system")]
    if room.state in (RoomState.LIVE, RoomState.PAUSED):
        if now >= room.ends_at + timings.end_grace:
            return [RoomEvent(EventKind.END, "system", "time_up")]
        due = [
            RoomEvent(EventKind.WARN, "system", _minutes(before))
            for before in sorted(timings.warnings_before_end, reverse=True)
            if now >= room.ends_at - before and _minutes(before) not in room.warnings_sent
        ]
        return due[-1:]  # a late clock sends only the most urgent warning
    return []


def _minutes(delta: timedelta) -> str:
    return str(int(delta.total_seconds() // 60))
