"""The words of the scheduler: an appointment's status and a confirmation call's outcome.

Stored as their string values (``appointments.status``, ``confirmation_calls.outcome``); the
partial unique indexes of migration 0003 name the active statuses, ``booked`` and
``confirmed``, in SQL.
"""

from __future__ import annotations

from enum import StrEnum


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"  # by a confirmation call: its room exists from then on
    RESCHEDULED = "rescheduled"  # retired: a new appointment took its place
    CANCELLED = "cancelled"
    HEARD = "heard"  # the room ended
    NO_SHOW = "no_show"
    ABORTED = "aborted"
    # The audience ended on a failed connection (degraded mode): she is rebooked first.
    TECHNICAL_FAILURE = "tech_failure"  # the column holds 16 characters


ACTIVE_APPOINTMENT = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED})


class CallOutcome(StrEnum):
    """What a coordinator's confirmation call came to."""

    CONFIRMED = "confirmed"
    NO_ANSWER = "no_answer"
    ASKED_TO_RESCHEDULE = "asked_to_reschedule"
    WRONG_NUMBER = "wrong_number"


def values(statuses: frozenset[AppointmentStatus] | set[AppointmentStatus]) -> list[str]:
    """The stored strings of ``statuses``, sorted (for ``IN (...)`` conditions)."""
    return sorted(status.value for status in statuses)
