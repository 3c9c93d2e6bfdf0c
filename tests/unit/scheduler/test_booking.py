"""Booking rules under random sequences of book / cancel / reschedule / service changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.booking import Booking, SlotTimes, check_booking, cut_slots
from scheduler.errors import InvalidSitting, SchedulingError, SlotInPast

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
SITTING_A = cut_slots(
    NOW + timedelta(hours=1), NOW + timedelta(hours=2), timedelta(minutes=6), timedelta(minutes=2)
)
# A second office sitting overlapping the first: same booths, same applicants, other slots.
SITTING_B = cut_slots(
    NOW + timedelta(hours=1, minutes=3),
    NOW + timedelta(hours=2),
    timedelta(minutes=6),
    timedelta(minutes=2),
)
SLOTS = dict(enumerate(SITTING_A + SITTING_B))
BOOTHS = ["riyadh/booth-1", "riyadh/booth-2", "jeddah/booth-1"]


@dataclass
class Model:
    active: dict[int, Booking] = field(default_factory=dict)
    in_service: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(BOOTHS, True))
    next_id: int = 1

    def book(self, slot_id: int, booth: str, applicant: int, ignoring: int | None = None) -> int:
        slot = SLOTS[slot_id]
        check_booking(
            slot_id=slot_id,
            slot=slot,
            booth=booth,
            booth_in_service=self.in_service[booth],
            applicant_id=applicant,
            request_bookable=True,
            active=list(self.active.values()),
            now=NOW,
            ignoring=ignoring,
        )
        if ignoring is not None:
            del self.active[ignoring]
        appointment = self.next_id
        self.next_id += 1
        self.active[appointment] = Booking(
            appointment, slot_id, booth, slot.starts_at, slot.ends_at, applicant
        )
        return appointment

    def check_invariants(self) -> None:
        bookings = list(self.active.values())
        assert len({b.slot_id for b in bookings}) == len(bookings), "a slot double-booked"
        for a in bookings:
            for b in bookings:
                if a is b or not (a.starts_at < b.ends_at and b.starts_at < a.ends_at):
                    continue
                assert a.booth != b.booth, "a booth double-booked"
                assert a.applicant_id != b.applicant_id, "an applicant booked twice at once"


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("book"),
            st.sampled_from(sorted(SLOTS)),
            st.sampled_from(BOOTHS),
            st.integers(1, 6),
        ),
        st.tuples(st.just("cancel"), st.integers(1, 40)),
        st.tuples(
            st.just("reschedule"),
            st.integers(1, 40),
            st.sampled_from(sorted(SLOTS)),
            st.sampled_from(BOOTHS),
        ),
        st.tuples(st.just("service"), st.sampled_from(BOOTHS), st.booleans()),
    ),
    max_size=60,
)


@settings(max_examples=400)
@given(operations)
def test_no_sequence_double_books_a_slot_a_booth_or_an_applicant(steps: list[tuple]) -> None:
    model = Model()
    for step in steps:
        try:
            if step[0] == "book":
                model.book(step[1], step[2], step[3])
            elif step[0] == "cancel":
                model.active.pop(step[1], None)
            elif step[0] == "reschedule" and step[1] in model.active:
                old = model.active[step[1]]
                model.book(step[2], step[3], old.applicant_id, ignoring=step[1])
            elif step[0] == "service":
                model.in_service[step[1]] = step[2]
        except SchedulingError:
            pass
        model.check_invariants()


def test_a_refused_reschedule_keeps_the_old_booking() -> None:
    model = Model()
    first = model.book(0, BOOTHS[0], 1)
    model.book(1, BOOTHS[1], 2)
    with pytest.raises(SchedulingError):
        model.book(1, BOOTHS[0], 1, ignoring=first)
    assert first in model.active


def test_slots_are_cut_with_the_buffer_between_them() -> None:
    slots = cut_slots(NOW, NOW + timedelta(minutes=30), timedelta(minutes=6), timedelta(minutes=2))
    assert [(s.starts_at - NOW).seconds // 60 for s in slots] == [0, 8, 16, 24]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=6) for s in slots)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW, NOW),
        (NOW, NOW - timedelta(hours=1)),
        (NOW, NOW + timedelta(minutes=5)),
        (NOW, NOW + timedelta(hours=13)),
    ],
)
def test_impossible_sittings_are_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidSitting):
        cut_slots(start, end, timedelta(minutes=6), timedelta(minutes=2))


def test_a_slot_in_the_past_cannot_be_booked() -> None:
    with pytest.raises(SlotInPast):
        check_booking(
            slot_id=1,
            slot=SlotTimes(NOW - timedelta(minutes=1), NOW + timedelta(minutes=5)),
            booth=BOOTHS[0],
            booth_in_service=True,
            applicant_id=1,
            request_bookable=True,
            active=[],
            now=NOW,
        )
