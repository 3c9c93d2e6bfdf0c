"""The reference data's typed errors (codes and message keys in the web catalogs)."""

from __future__ import annotations

from typed_errors import TypedError


class ReferenceDataError(TypedError):
    code = "reference_error"
    message_key = "errors.reference.generic"


class UnknownCentre(ReferenceDataError):
    """A request registered in a centre that does not exist."""

    code = "unknown_centre"
    message_key = "errors.reference.unknown_centre"


class UnknownCategory(ReferenceDataError):
    """A request's category that does not exist or is no longer offered (inactive)."""

    code = "unknown_category"
    message_key = "errors.reference.unknown_category"


class UnknownDepartment(ReferenceDataError):
    """A referral to a department that does not exist or no longer takes referrals."""

    code = "unknown_department"
    message_key = "errors.reference.unknown_department"


class UnknownEntry(ReferenceDataError):
    """An administrator's change to a centre, category or department whose code names none."""

    code = "unknown_entry"
    message_key = "errors.reference.unknown_entry"


class DuplicateCode(ReferenceDataError):
    """A new centre, category or department with a code already taken (codes never change:
    requests and referrals keep them)."""

    code = "duplicate_code"
    message_key = "errors.reference.duplicate_code"


class InvalidOpeningHours(ReferenceDataError):
    """A centre's opening hours that do not open before they close."""

    code = "invalid_opening_hours"
    message_key = "errors.reference.invalid_opening_hours"
