"""A request's status lifecycle: which change is allowed, and which SMS it sends."""

from __future__ import annotations

from enum import StrEnum

from casework.errors import IllegalStatusChange
from casework.sms import SmsKind


class RequestStatus(StrEnum):
    REGISTERED = "registered"
    UNDER_REVIEW = "under_review"
    AUDIENCE_BOOKED = "audience_booked"
    CONFIRMED = "confirmed"
    HEARD = "heard"
    REFERRED = "referred"
    DEPARTMENT_REPLIED = "department_replied"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = RequestStatus
ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.REGISTERED: frozenset({S.UNDER_REVIEW, S.AUDIENCE_BOOKED, S.CANCELLED}),
    S.UNDER_REVIEW: frozenset({S.AUDIENCE_BOOKED, S.REFERRED, S.CLOSED, S.CANCELLED}),
    # Cancelling or rescheduling an appointment takes the request back to under review.
    S.AUDIENCE_BOOKED: frozenset({S.CONFIRMED, S.UNDER_REVIEW, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.HEARD, S.UNDER_REVIEW, S.AUDIENCE_BOOKED, S.CANCELLED}),
    S.HEARD: frozenset({S.REFERRED, S.CLOSED, S.AUDIENCE_BOOKED}),
    S.REFERRED: frozenset({S.DEPARTMENT_REPLIED, S.CLOSED}),
    S.DEPARTMENT_REPLIED: frozenset({S.REFERRED, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
BOOKABLE = frozenset({S.REGISTERED, S.UNDER_REVIEW, S.HEARD})


def check_change(current: RequestStatus, wanted: RequestStatus) -> None:
    if wanted not in ALLOWED[current]:
        raise IllegalStatusChange(f"{current} → {wanted}")


def sms_for(wanted: RequestStatus) -> SmsKind:
    """The SMS a change to ``wanted`` sends (every change sends one)."""
    return {
        S.AUDIENCE_BOOKED: SmsKind.BOOKED,
        S.CONFIRMED: SmsKind.CONFIRMED,
        S.CLOSED: SmsKind.CLOSED,
        S.REFERRED: SmsKind.REFERRED,
        S.DEPARTMENT_REPLIED: SmsKind.DEPARTMENT_REPLIED,
    }.get(wanted, SmsKind.STATUS_CHANGED)
