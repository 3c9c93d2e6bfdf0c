"""Typed casework errors, every one of the package: each has a stable code and an i18n message key
for the edges."""

from __future__ import annotations

from typed_errors import TypedError


class CaseworkError(TypedError):
    code = "desk_error"
    message_key = "errors.desk.generic"


class InvalidNationalId(CaseworkError):
    code = "invalid_national_id"
    message_key = "errors.desk.invalid_national_id"


class InvalidPhone(CaseworkError):
    code = "invalid_phone"
    message_key = "errors.desk.invalid_phone"


class InvalidTrackingNumber(CaseworkError):
    code = "invalid_tracking_number"
    message_key = "errors.desk.invalid_tracking_number"


class IllegalStatusChange(CaseworkError):
    code = "illegal_status_change"
    message_key = "errors.desk.illegal_status_change"


class UnknownRequest(CaseworkError):
    code = "unknown_request"
    message_key = "errors.desk.unknown_request"


class TooManyLookups(CaseworkError):
    code = "too_many_lookups"
    message_key = "errors.desk.too_many_lookups"


class InvalidRequestText(CaseworkError):
    code = "invalid_request_text"
    message_key = "errors.desk.invalid_request_text"


class InvalidName(CaseworkError):
    code = "invalid_name"
    message_key = "errors.desk.invalid_name"


class ApplicantExists(CaseworkError):
    """A registration gave a known national ID with another name or phone: her contact details
    change only through an explicit update of her contact, never by registering."""

    code = "applicant_exists"
    message_key = "errors.desk.applicant_exists"


class CentreNotServed(CaseworkError):
    """A request registered, or a booth booked, for a centre the staff member does not serve
    (a request of another centre is not refused but unknown: ``UnknownRequest``)."""

    code = "centre_not_served"
    message_key = "errors.desk.centre_not_served"


class ReasonRequired(CaseworkError):
    """A request closed as not possible says why."""

    code = "reason_required"
    message_key = "errors.desk.reason_required"
