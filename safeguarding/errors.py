"""Safeguarding's typed errors (codes and message keys in the web catalogs)."""

from __future__ import annotations

from typed_errors import TypedError


class SafeguardingError(TypedError):
    code = "safeguarding_error"
    message_key = "errors.safeguarding.generic"


class UnknownSafeguardingAlert(SafeguardingError):
    """An alert that does not exist, one of a centre the caller does not serve, or (for the
    booth's undo) another booth's."""

    code = "unknown_safeguarding_alert"
    message_key = "errors.safeguarding.unknown"


class UndoTooLate(SafeguardingError):
    """The undo window has passed, or a coordinator has already acknowledged the alert."""

    code = "safeguarding_undo_too_late"
    message_key = "errors.safeguarding.undo_too_late"


class AlreadyHandled(SafeguardingError):
    code = "safeguarding_already_handled"
    message_key = "errors.safeguarding.already_handled"


class NotPaused(SafeguardingError):
    """Resume asked of an alert whose audience the coordinators did not pause."""

    code = "safeguarding_not_paused"
    message_key = "errors.safeguarding.not_paused"


class NoAudienceToPause(SafeguardingError):
    """The alert was raised before her audience had a room (at check-in)."""

    code = "safeguarding_no_audience"
    message_key = "errors.safeguarding.no_audience"
