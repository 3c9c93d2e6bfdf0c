"""Sittings cut into slots, and the booking rules: pure functions over the facts they need.

The rules: a slot holds one active appointment; a booth holds one at a time; the booth must
be in service; an applicant is never booked twice at once; the request must be bookable;
nothing is booked in the past. The database's partial unique indexes repeat the first two as
the last line of defence against two coordinators booking at the same moment.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.errors import (
    ApplicantAlreadyBooked,
    BoothOutOfService,
    BoothTaken,
    InvalidSitting,
    RequestNotBookable,
    SlotInPast,
    SlotTaken,
)


@dataclass(frozen=True)
class SlotTimes:
    starts_at: datetime
    ends_at: datetime


def cut_slots(
    starts_at: datetime, ends_at: datetime, length: timedelta, buffer: timedelta
) -> list[SlotTimes]:
    """Slots of ``length`` separated by ``buffer`` filling the sitting from its start."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidSitting("times need a time zone")
    if ends_at <= starts_at or ends_at - starts_at > timedelta(hours=12):
        raise InvalidSitting("a sitting runs forwards, at most 12 hours")
    if length <= timedelta(0) or buffer < timedelta(0):
        raise InvalidSitting("slot length must be positive")
    result: list[SlotTimes] = []
    start = starts_at
    while start + length <= ends_at:
        result.append(SlotTimes(start, start + length))
        start += length + buffer
    if not result:
        raise InvalidSitting("the sitting is shorter than one slot")
    return result


@dataclass(frozen=True)
class Booking:
    """An active appointment, as the rules see it."""

    appointment_id: int
    slot_id: int
    booth: str
    starts_at: datetime
    ends_at: datetime
    applicant_id: int


def check_booking(
    *,
    slot_id: int,
    slot: SlotTimes,
    booth: str,
    booth_in_service: bool,
    applicant_id: int,
    request_bookable: bool,
    active: Collection[Booking],
    now: datetime,
    ignoring: int | None = None,
) -> None:
    """Raise the first rule ``active`` bookings (minus ``ignoring``, when rescheduling it)
    would break by adding this one."""
    if not request_bookable:
        raise RequestNotBookable("the request is not in a bookable status")
    if slot.starts_at <= now:
        raise SlotInPast("the slot has already started")
    if not booth_in_service:
        raise BoothOutOfService(booth)
    others = [b for b in active if b.appointment_id != ignoring]
    if any(b.slot_id == slot_id for b in others):
        raise SlotTaken(str(slot_id))
    overlapping = [b for b in others if b.starts_at < slot.ends_at and slot.starts_at < b.ends_at]
    if any(b.booth == booth for b in overlapping):
        raise BoothTaken(booth)
    if any(b.applicant_id == applicant_id for b in overlapping):
        raise ApplicantAlreadyBooked("she already has an audience at that time")
