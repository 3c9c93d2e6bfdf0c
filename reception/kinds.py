"""What a visit or an enquiry call can be: the closed lists the desk offers and the database
checks (their labels are in the web catalogs, ``reception.*``)."""

from __future__ import annotations

from enum import StrEnum


class VisitPurpose(StrEnum):
    NEW_REQUEST = "new_request"
    FOLLOW_UP = "follow_up"
    AUDIENCE = "audience"  # also recorded by a booth check-in
    ENQUIRY = "enquiry"


class CallDirection(StrEnum):
    INCOMING = "in"
    OUTGOING = "out"


class CallPurpose(StrEnum):
    ENQUIRY = "enquiry"
    FOLLOW_UP = "follow_up"
    APPOINTMENT = "appointment"
    COMPLAINT = "complaint"


class CallOutcome(StrEnum):
    ANSWERED = "answered"  # the question was answered during the call
    CALL_BACK = "call_back"  # someone calls back
    REFERRED = "referred"  # sent to another service or a department
    NO_ANSWER = "no_answer"  # an outgoing call nobody took


def sql_list(kind: type[StrEnum]) -> str:
    """The values as an SQL ``IN`` list, for a CHECK constraint."""
    return ", ".join(f"'{member.value}'" for member in kind)
