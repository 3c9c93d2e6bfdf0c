"""The audience room's state machine: pure data and functions, the clock passed in.

``scheduled → open → lobby → live ⇄ paused → ended``, plus ``no_show`` and ``aborted``.
Every change is an event; ``apply(room, event, now)`` returns the next room or raises a typed
error, and replaying a room's stored events through ``apply`` rebuilds it exactly (that is how
a restarted server recovers). ``due_events(room, now)`` says which timed events (open at
T-10, warnings at T-2/T-1 before the end, automatic end, no-show) are due.

The length rules: an audience lasts its slot's length counted from admission (an early
admission does not stretch it), never past the next slot's start. A technical pause stops the
room's clock (no warning, no automatic end) and gives the paused time back on resume, within
the gap before the next slot; a resume that cannot give it all back is refused
(``ResumeOverrunsNextSlot``) unless the office accepts the shorter end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rooms.errors import (
    ExtensionLimit,
    ExtensionOverlapsNextSlot,
    IllegalTransition,
    PausedByDesk,
    ResumeOverrunsNextSlot,
    TooEarly,
)


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
    # Issue 16: she goes on after a device check the server could not pass ("no face" is
    # advice, not a gate), and she chooses voice only (detail: who chose it) or video again.
    PREFLIGHT_WAIVED = "preflight_waived"
    VOICE_ONLY = "voice_only"
    VIDEO_BACK = "video_back"


@dataclass(frozen=True)
class RoomTimings:
    """Tunables of a room (settings ``MAJLIS_ROOM_*``)."""

    open_before: timedelta = timedelta(minutes=10)
    warnings_before_end: tuple[timedelta, ...] = (timedelta(minutes=2), timedelta(minutes=1))
    extend_by: timedelta = timedelta(minutes=2)
    max_extensions: int = 3
    end_grace: timedelta = timedelta(minutes=1)
    no_show_after: timedelta = timedelta(minutes=5)
    # A seat whose connection dropped is held this long (a reload at a human pace), then the
    # room is aborted.
    seat_grace: timedelta = timedelta(minutes=3)


@dataclass(frozen=True)
class RoomEvent:
    kind: EventKind
    actor: str  # "system", "booth", "office", "desk"
    detail: str = ""  # a warning's minutes, a failure's verdict, an abort's reason, a resume's
    # ACCEPT_SHORTER
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
    admitted_at: datetime | None = None
    paused_at: datetime | None = None  # while paused: since when (the clock stands still)
    paused_total: timedelta = timedelta(0)
    paused_by: str | None = None  # while paused: who paused ("office", "desk", "system")
    booth_back_by: datetime | None = None  # the booth dropped: its seat is held until then
    # No video of her leaves the booth while set; says why ("applicant": her choice). The
    # office cannot change it; ``MediaPort.set_voice_only`` keeps the forwarding in step.
    voice_only_by: str | None = None

    @property
    def is_over(self) -> bool:
        return self.state in TERMINAL

    @property
    def media_flows(self) -> bool:
        return self.state in MEDIA_FLOWS

    @property
    def voice_only(self) -> bool:
        return self.voice_only_by is not None

    def remaining(self, now: datetime) -> timedelta:
        """Time left of the audience; it stands still during a pause."""
        clock = self.paused_at if self.paused_at is not None else now
        return max(timedelta(0), self.ends_at - clock)


# A resume's detail when the office accepts an end at the next slot's start.
ACCEPT_SHORTER = "accept_shorter"
# ``last_preflight`` of a room whose booth went on without passing the check.
WAIVED = "waived"


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
    return replace(room, booth_present=True, booth_back_by=None)


def _booth_left(room: Room, event: RoomEvent, now: datetime, timings: RoomTimings) -> Room:
    _expect(room, event, RoomState.OPEN, RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED)
    return replace(room, booth_present=False, booth_back_by=now + timings.seat_grace)


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


def _preflight_waived(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    """She goes on to her lobby after a check the server could not pass (a covered face, a
    dark room): the verdict was advice. ``last_preflight`` keeps the verdict, marked waived."""
    _expect(room, event, RoomState.OPEN, RoomState.LOBBY)
    if not room.booth_present:
        raise IllegalTransition("preflight without a booth")
    return replace(room, state=RoomState.LOBBY, last_preflight=WAIVED)


def _voice_only(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    """From her device check to the end of her audience she may send her voice only; switching
    twice to the same is no change (a repeated press, a second screen)."""
    _expect(room, event, RoomState.OPEN, RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED)
    if event.kind is EventKind.VIDEO_BACK:
        return replace(room, voice_only_by=None)
    return replace(room, voice_only_by=event.detail or "applicant")


def _admit(room: Room, event: RoomEvent, now: datetime, _t: RoomTimings) -> Room:
    """The audience lasts the slot's length from now: an early admission does not stretch it,
    a late one is not cut short — but it never runs into the next slot."""
    _expect(room, event, RoomState.LOBBY)
    ends_at = now + (room.ends_at - room.starts_at)
    if room.next_slot_starts_at is not None:
        ends_at = min(ends_at, room.next_slot_starts_at)
    return replace(room, state=RoomState.LIVE, admitted_at=now, ends_at=ends_at)


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


def _pause(room: Room, event: RoomEvent, now: datetime, _t: RoomTimings) -> Room:
    if room.state is RoomState.PAUSED and event.actor == "desk":
        # The coordinators take over a pause the office or degraded mode made: from now on
        # only they lift it (its clock has stood still since it began).
        return replace(room, paused_by="desk")
    _expect(room, event, RoomState.LIVE)
    return replace(room, state=RoomState.PAUSED, paused_at=now, paused_by=event.actor)


def _resume(room: Room, event: RoomEvent, now: datetime, timings: RoomTimings) -> Room:
    """The paused time is given back, up to the next slot's start; giving back less needs the
    office's say (``ACCEPT_SHORTER``)."""
    _expect(room, event, RoomState.PAUSED)
    if room.paused_by == "desk" and event.actor != "desk":
        raise PausedByDesk("the coordinators paused this audience; they resume it")
    paused = now - room.paused_at if room.paused_at is not None else timedelta(0)
    ends_at = room.ends_at + paused
    next_start = room.next_slot_starts_at
    if next_start is not None and ends_at > next_start:
        if event.detail != ACCEPT_SHORTER:
            raise ResumeOverrunsNextSlot(f"the next audience starts at {next_start.isoformat()}")
        ends_at = max(room.ends_at, next_start)
    return replace(
        room,
        state=RoomState.LIVE,
        paused_at=None,
        paused_by=None,
        paused_total=room.paused_total + paused,
        ends_at=ends_at,
        warnings_sent=_warnings_passed(room.warnings_sent, ends_at, now, timings),
    )


def _warnings_passed(
    sent: frozenset[str], ends_at: datetime, now: datetime, timings: RoomTimings
) -> frozenset[str]:
    """The warnings already sent whose moment is still behind us at the new end; the others
    will be sent again when their time comes."""
    passed = {_minutes(before) for before in timings.warnings_before_end if now >= ends_at - before}
    return sent & passed


def _end(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    _expect(room, event, RoomState.LIVE, RoomState.PAUSED)
    return replace(room, state=RoomState.ENDED, reason=event.detail)


def _no_show(room: Room, event: RoomEvent, now: datetime, timings: RoomTimings) -> Room:
    _expect(room, event, RoomState.SCHEDULED, RoomState.OPEN)
    if now < room.starts_at + timings.no_show_after:
        raise TooEarly("the applicant may still arrive")
    return replace(room, state=RoomState.NO_SHOW)


def _abort(room: Room, event: RoomEvent, _now: datetime, _t: RoomTimings) -> Room:
    if event.actor == "office":  # ends as a technical problem an audience it could hold
        _expect(room, event, RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED)
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
    EventKind.PREFLIGHT_WAIVED: _preflight_waived,
    EventKind.VOICE_ONLY: _voice_only,
    EventKind.VIDEO_BACK: _voice_only,
}


def due_events(room: Room, now: datetime, timings: RoomTimings) -> list[RoomEvent]:
    """The timed events the clock should apply now, in order."""
    if room.state is RoomState.SCHEDULED and now >= room.starts_at - timings.open_before:
        return [RoomEvent(EventKind.OPEN, "system")]
    if room.state is RoomState.OPEN and now >= room.starts_at + timings.no_show_after:
        return [RoomEvent(EventKind.NO_SHOW, "system")]
    if room.state is RoomState.PAUSED:
        # The clock stands still; only a pause that runs into the next slot ends the audience.
        next_start = room.next_slot_starts_at
        if next_start is not None and now >= next_start + timings.end_grace:
            return [RoomEvent(EventKind.END, "system", "pause_overran")]
        return []
    if room.state is RoomState.LIVE:
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
