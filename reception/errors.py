"""Reception's typed errors (codes and message keys in the web catalogs)."""

from __future__ import annotations

from typed_errors import TypedError


class ReceptionError(TypedError):
    code = "reception_error"
    message_key = "errors.reception.generic"


class UnknownVisit(ReceptionError):
    """A visit that does not exist, or one of a centre the caller does not serve."""

    code = "unknown_visit"
    message_key = "errors.reception.unknown_visit"


class VisitAlreadyFinished(ReceptionError):
    code = "visit_already_finished"
    message_key = "errors.reception.visit_already_finished"


class UnknownLinkedRequest(ReceptionError):
    """A tracking number that names no request of the visit's (or call's) centre."""

    code = "unknown_linked_request"
    message_key = "errors.reception.unknown_linked_request"
