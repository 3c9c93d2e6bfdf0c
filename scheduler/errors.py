"""Typed scheduling errors: each has a stable code and an i18n message key for the edges."""

from __future__ import annotations

from typed_errors import TypedError


class SchedulingError(TypedError):
    code = "scheduling_error"
    message_key = "errors.scheduler.generic"


class SlotTaken(SchedulingError):
    code = "slot_taken"
    message_key = "errors.scheduler.slot_taken"


class BoothTaken(SchedulingError):
    code = "booth_taken"
    message_key = "errors.scheduler.booth_taken"


class BoothOutOfService(SchedulingError):
    code = "booth_out_of_service"
    message_key = "errors.scheduler.booth_out_of_service"


class ApplicantAlreadyBooked(SchedulingError):
    code = "applicant_already_booked"
    message_key = "errors.scheduler.applicant_already_booked"


class RequestNotBookable(SchedulingError):
    code = "request_not_bookable"
    message_key = "errors.scheduler.request_not_bookable"


class SlotInPast(SchedulingError):
    code = "slot_in_past"
    message_key = "errors.scheduler.slot_in_past"


class InvalidSitting(SchedulingError):
    code = "invalid_sitting"
    message_key = "errors.scheduler.invalid_sitting"


class UnknownAppointment(SchedulingError):
    code = "unknown_appointment"
    message_key = "errors.scheduler.unknown_appointment"


class NotConfirmable(SchedulingError):
    code = "not_confirmable"
    message_key = "errors.scheduler.not_confirmable"


class AudienceNotOver(NotConfirmable):
    """The office's outcome of an audience that is still to come or under way."""

    code = "audience_not_over"
    message_key = "errors.scheduler.audience_not_over"


class AudienceNotHeld(NotConfirmable):
    """The office's outcome of an audience that did not take place (interrupted, or she did not
    come): there is nothing to decide; the request goes back to be booked again."""

    code = "audience_not_held"
    message_key = "errors.scheduler.audience_not_held"


class BoothOccupied(SchedulingError):
    """Another applicant is seated at the booth and her audience has not ended."""

    code = "booth_occupied"
    message_key = "errors.scheduler.booth_occupied"


class NotCheckedIn(SchedulingError):
    code = "not_checked_in"
    message_key = "errors.scheduler.not_checked_in"


class AudienceInProgress(SchedulingError):
    """She cannot be checked out while her audience is under way at the booth."""

    code = "audience_in_progress"
    message_key = "errors.scheduler.audience_in_progress"


class UnknownOfficeTerminal(SchedulingError):
    """A sitting for a device that is not an enrolled office terminal."""

    code = "unknown_office_terminal"
    message_key = "errors.scheduler.unknown_office_terminal"


class BoothInAudience(SchedulingError):
    """A booth is not set out of service while an applicant's audience runs at it: the
    office ends or the coordinator waits for the audience first (docs/OPERATIONS.md)."""

    code = "booth_in_audience"
    message_key = "errors.scheduler.booth_in_audience"


class NotABooth(SchedulingError):
    """Only a booth is set out of service here (an office terminal's sittings are
    rescheduled by hand)."""

    code = "not_a_booth"
    message_key = "errors.scheduler.not_a_booth"


class SameBooth(SchedulingError):
    """An appointment moved to the booth it already has."""

    code = "same_booth"
    message_key = "errors.scheduler.same_booth"


class BoothNotInCentre(SchedulingError):
    """An applicant is booked at a booth of her request's centre only."""

    code = "booth_not_in_centre"
    message_key = "errors.scheduler.booth_not_in_centre"


class NotOnStandby(SchedulingError):
    """The request is not (or no longer) on the sitting's standby list, or a new order of the
    list does not name exactly the requests on it."""

    code = "not_on_standby"
    message_key = "errors.scheduler.not_on_standby"
