"""The room state machine: every legal path, every illegal event, and the clock's events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.errors import (
    ExtensionLimit,
    ExtensionOverlapsNextSlot,
    IllegalTransition,
    PausedByDesk,
    ResumeOverrunsNextSlot,
    RoomError,
    TooEarly,
)
from rooms.state import (
    ACCEPT_SHORTER,
    TERMINAL,
    WAIVED,
    EventKind,
    Room,
    RoomEvent,
    RoomState,
    RoomTimings,
    apply,
    due_events,
)

T = RoomTimings()
START = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
END = START + timedelta(minutes=6)
NEXT = START + timedelta(minutes=8)


def minutes(n: float) -> datetime:
    return START + timedelta(minutes=n)


def event(
    kind: EventKind, actor: str = "system", detail: str = "", push: bool = False
) -> RoomEvent:
    return RoomEvent(kind, actor, detail, push)


def scheduled() -> Room:
    return Room("room-1", START, END, NEXT)


def run(room: Room, *steps: tuple[EventKind, float]) -> Room:
    for kind, at in steps:
        room = apply(room, event(kind), minutes(at), T)
    return room


def lobby_room() -> Room:
    return run(
        scheduled(),
        (EventKind.OPEN, -10),
        (EventKind.BOOTH_JOINED, -9),
        (EventKind.PREFLIGHT_PASSED, -8),
    )


def live_room() -> Room:
    return run(lobby_room(), (EventKind.ADMIT, 0))


def test_a_whole_audience() -> None:
    room = scheduled()
    room = apply(room, event(EventKind.OPEN), minutes(-10), T)
    assert room.state is RoomState.OPEN
    room = apply(room, event(EventKind.BOOTH_JOINED, "booth"), minutes(-6), T)
    room = apply(room, event(EventKind.PREFLIGHT_FAILED, "system", "too_dark"), minutes(-5), T)
    assert (room.state, room.last_preflight) == (RoomState.OPEN, "too_dark")
    room = apply(room, event(EventKind.PREFLIGHT_PASSED), minutes(-4), T)
    assert room.state is RoomState.LOBBY
    assert not room.media_flows
    room = apply(room, event(EventKind.ADMIT, "office"), minutes(0), T)
    assert room.state is RoomState.LIVE
    assert room.media_flows
    room = apply(room, event(EventKind.EXTEND, "office"), minutes(5), T)
    assert room.ends_at == END + timedelta(minutes=2)
    room = apply(room, event(EventKind.PAUSE, "office"), minutes(6), T)
    assert room.state is RoomState.PAUSED
    assert not room.media_flows
    room = apply(room, event(EventKind.RESUME, "office", ACCEPT_SHORTER), minutes(6.5), T)
    assert room.ends_at == NEXT  # the extension had reached the next slot: nothing to give back
    room = apply(room, event(EventKind.END, "office"), minutes(7), T)
    assert room.state is RoomState.ENDED
    assert room.is_over


def test_the_room_does_not_open_before_ten_minutes_ahead() -> None:
    with pytest.raises(TooEarly):
        apply(scheduled(), event(EventKind.OPEN), minutes(-10.1), T)


def test_admission_needs_a_booth_that_passed_preflight() -> None:
    opened = run(scheduled(), (EventKind.OPEN, -10))
    with pytest.raises(IllegalTransition):
        apply(opened, event(EventKind.ADMIT, "office"), minutes(0), T)
    with pytest.raises(IllegalTransition):  # no booth yet
        apply(opened, event(EventKind.PREFLIGHT_PASSED), minutes(0), T)


def test_three_extensions_at_most() -> None:
    room = replace(live_room(), next_slot_starts_at=None)
    for _ in range(3):
        room = apply(room, event(EventKind.EXTEND, "office"), minutes(5), T)
    assert room.extensions == 3
    with pytest.raises(ExtensionLimit):
        apply(room, event(EventKind.EXTEND, "office"), minutes(11), T)


def test_an_extension_never_runs_into_the_next_slot_unless_it_is_pushed() -> None:
    room = apply(live_room(), event(EventKind.EXTEND), minutes(5), T)  # ends 10:08 = next start
    with pytest.raises(ExtensionOverlapsNextSlot):
        apply(room, event(EventKind.EXTEND), minutes(7), T)
    pushed = apply(room, event(EventKind.EXTEND, push=True), minutes(7), T)
    assert pushed.ends_at == minutes(10)
    assert pushed.next_slot_starts_at == minutes(10)


def test_the_clock_opens_warns_and_ends() -> None:
    room = scheduled()
    assert due_events(room, minutes(-11), T) == []
    assert due_events(room, minutes(-10), T) == [event(EventKind.OPEN)]
    room = live_room()
    assert due_events(room, minutes(3.9), T) == []
    assert due_events(room, minutes(4), T) == [event(EventKind.WARN, detail="2")]
    room = apply(room, event(EventKind.WARN, detail="2"), minutes(4), T)
    assert due_events(room, minutes(4.5), T) == []
    assert due_events(room, minutes(5), T) == [event(EventKind.WARN, detail="1")]
    room = apply(room, event(EventKind.WARN, detail="1"), minutes(5), T)
    assert due_events(room, minutes(6.9), T) == []
    assert due_events(room, minutes(7), T) == [event(EventKind.END, detail="time_up")]


def test_a_late_clock_sends_only_the_most_urgent_warning() -> None:
    assert due_events(live_room(), minutes(5.5), T) == [event(EventKind.WARN, detail="1")]


def test_an_extension_brings_fresh_warnings() -> None:
    room = run(live_room(), (EventKind.WARN, 4))
    room = apply(room, event(EventKind.WARN, detail="2"), minutes(4), T)
    room = apply(room, event(EventKind.EXTEND), minutes(4.5), T)
    assert due_events(room, minutes(6), T) == [event(EventKind.WARN, detail="2")]


def test_a_booth_never_ready_is_a_no_show() -> None:
    room = run(scheduled(), (EventKind.OPEN, -10), (EventKind.BOOTH_JOINED, -1))
    assert due_events(room, minutes(4.9), T) == []
    assert due_events(room, minutes(5), T) == [event(EventKind.NO_SHOW)]
    with pytest.raises(TooEarly):
        apply(room, event(EventKind.NO_SHOW), minutes(4), T)
    assert apply(room, event(EventKind.NO_SHOW), minutes(5), T).state is RoomState.NO_SHOW
    lobby = apply(room, event(EventKind.PREFLIGHT_PASSED), minutes(0), T)
    assert due_events(lobby, minutes(6), T) == []  # she is ready: the office decides


def test_abort_keeps_its_reason_and_is_final() -> None:
    room = apply(live_room(), event(EventKind.ABORT, detail="booth_lost"), minutes(2), T)
    assert (room.state, room.reason) == (RoomState.ABORTED, "booth_lost")
    with pytest.raises(IllegalTransition):
        apply(room, event(EventKind.RESUME), minutes(3), T)


def test_an_early_admission_lasts_the_slots_length_from_admission() -> None:
    room = apply(lobby_room(), event(EventKind.ADMIT, "office"), minutes(-5), T)
    assert (room.admitted_at, room.ends_at) == (minutes(-5), minutes(1))
    assert due_events(room, minutes(-1), T) == [event(EventKind.WARN, detail="2")]
    assert due_events(room, minutes(2), T)[-1:] == [event(EventKind.END, detail="time_up")]


def test_a_late_admission_never_runs_into_the_next_slot() -> None:
    room = apply(lobby_room(), event(EventKind.ADMIT, "office"), minutes(3), T)
    assert room.ends_at == NEXT  # 3 + 6 would be 10:09; the next audience starts at 10:08


def test_a_pause_stops_the_clock_and_gives_the_time_back() -> None:
    room = apply(live_room(), event(EventKind.PAUSE, "office"), minutes(1), T)
    assert room.remaining(minutes(1)) == room.remaining(minutes(4)) == timedelta(minutes=5)
    assert due_events(room, minutes(5.5), T) == []  # no warning, no automatic end while paused
    assert due_events(room, minutes(7.5), T) == []
    room = apply(room, event(EventKind.RESUME, "office"), minutes(2.5), T)
    assert room.ends_at == END + timedelta(minutes=1.5)
    assert room.paused_total == timedelta(minutes=1.5)
    assert room.remaining(minutes(2.5)) == timedelta(minutes=5)


def test_a_pause_the_desk_made_is_lifted_by_the_desk_only() -> None:
    """A safeguarding pause: neither the office nor degraded mode resumes it."""
    room = apply(live_room(), event(EventKind.PAUSE, "desk"), minutes(1), T)
    assert room.paused_by == "desk"
    for actor in ("office", "system"):
        with pytest.raises(PausedByDesk):
            apply(room, event(EventKind.RESUME, actor), minutes(1.5), T)
    room = apply(room, event(EventKind.RESUME, "desk"), minutes(1.5), T)
    assert (room.state, room.paused_by) == (RoomState.LIVE, None)
    office_pause = apply(room, event(EventKind.PAUSE, "office"), minutes(2), T)
    assert apply(office_pause, event(EventKind.RESUME, "office"), minutes(2), T).is_over is False
    # The office paused first: the desk's pause takes it over, and the office cannot lift it.
    taken = apply(office_pause, event(EventKind.PAUSE, "desk"), minutes(2.5), T)
    assert (taken.state, taken.paused_by, taken.paused_at) == (
        RoomState.PAUSED,
        "desk",
        office_pause.paused_at,
    )
    with pytest.raises(PausedByDesk):
        apply(taken, event(EventKind.RESUME, "office"), minutes(3), T)


def test_a_resume_that_would_overrun_the_next_slot_needs_the_offices_say() -> None:
    room = apply(live_room(), event(EventKind.PAUSE, "office"), minutes(1), T)
    with pytest.raises(ResumeOverrunsNextSlot):
        apply(room, event(EventKind.RESUME, "office"), minutes(4), T)  # 3 min > the 2 min gap
    shorter = apply(room, event(EventKind.RESUME, "office", ACCEPT_SHORTER), minutes(4), T)
    assert (shorter.state, shorter.ends_at) == (RoomState.LIVE, NEXT)


def test_a_pause_into_the_next_slot_ends_the_audience() -> None:
    room = apply(live_room(), event(EventKind.PAUSE, "office"), minutes(1), T)
    assert due_events(room, NEXT + T.end_grace, T) == [event(EventKind.END, detail="pause_overran")]


def test_after_a_pause_the_warnings_follow_the_new_end() -> None:
    room = apply(live_room(), event(EventKind.WARN, detail="2"), minutes(4), T)
    room = apply(room, event(EventKind.PAUSE, "office"), minutes(4.2), T)
    room = apply(room, event(EventKind.RESUME, "office"), minutes(5.2), T)  # ends 10:07
    assert room.warnings_sent == frozenset({"2"})  # 1.8 minutes left, as before the pause
    assert due_events(room, minutes(5.9), T) == []
    assert due_events(room, minutes(6), T) == [event(EventKind.WARN, detail="1")]


def test_a_dropped_booth_is_held_for_the_seat_grace() -> None:
    room = apply(live_room(), event(EventKind.BOOTH_LEFT, "booth"), minutes(1), T)
    assert (room.booth_present, room.booth_back_by) == (False, minutes(1) + T.seat_grace)
    assert room.state is RoomState.LIVE
    room = apply(room, event(EventKind.BOOTH_JOINED, "booth"), minutes(2), T)
    assert (room.booth_present, room.booth_back_by) == (True, None)


ANY_EVENT = st.builds(
    RoomEvent,
    st.sampled_from(EventKind),
    st.sampled_from(["system", "booth", "office", "desk"]),
    st.sampled_from(["", "1", "2", "too_dark", "time_up", ACCEPT_SHORTER]),
    st.booleans(),
)


@given(st.lists(st.tuples(ANY_EVENT, st.floats(-20, 30)), max_size=25))
def test_any_sequence_of_events_either_applies_or_raises_a_room_error(
    steps: list[tuple[RoomEvent, float]],
) -> None:
    room = scheduled()
    for step, at in steps:
        before = room
        try:
            room = apply(room, step, minutes(at), T)
        except RoomError:
            assert room is before
            continue
        assert room.extensions <= T.max_extensions
        if before.is_over:
            pytest.fail("a final room changed")
        if room.state is RoomState.LIVE:
            assert before.state in (RoomState.LOBBY, RoomState.LIVE, RoomState.PAUSED)
            assert room.paused_at is None
        if room.next_slot_starts_at is not None and step.kind is not EventKind.EXTEND:
            assert room.ends_at <= max(room.next_slot_starts_at, before.ends_at)
    assert (room.state in TERMINAL) == room.is_over


def test_the_office_ends_as_a_technical_problem_only_an_audience_it_could_hold() -> None:
    opened = run(scheduled(), (EventKind.OPEN, -10))
    with pytest.raises(IllegalTransition):
        apply(opened, event(EventKind.ABORT, "office", "technical_problem"), minutes(-5), T)
    room = apply(live_room(), event(EventKind.ABORT, "office", "technical_problem"), minutes(1), T)
    assert (room.state, room.reason) == (RoomState.ABORTED, "technical_problem")


def test_voice_only_is_her_choice_until_she_turns_video_back_on() -> None:
    """Issue 16: a room flag (who chose it), kept through a pause, undone by video_back."""
    room = Room("r", START, END, state=RoomState.LIVE, booth_present=True)
    chosen = apply(room, RoomEvent(EventKind.VOICE_ONLY, "booth", "applicant"), START, T)
    assert chosen.voice_only_by == "applicant"
    paused = apply(chosen, RoomEvent(EventKind.PAUSE, "desk"), START, T)
    assert paused.voice_only
    back = apply(paused, RoomEvent(EventKind.VIDEO_BACK, "booth"), START, T)
    assert not back.voice_only


def test_a_check_she_could_not_pass_still_takes_her_to_her_lobby() -> None:
    room = Room("r", START, END, state=RoomState.OPEN, booth_present=True)
    failed = apply(room, RoomEvent(EventKind.PREFLIGHT_FAILED, "booth", "no_face"), START, T)
    waived = apply(failed, RoomEvent(EventKind.PREFLIGHT_WAIVED, "booth"), START, T)
    assert (waived.state, waived.last_preflight) == (RoomState.LOBBY, WAIVED)
