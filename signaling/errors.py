"""Typed errors of the signalling edge and how every error becomes a client payload."""

from __future__ import annotations

from typing import TypedDict

from pydantic import ValidationError

from typed_errors import FieldProblem, InvalidPayload, TypedError, validation_problems


class SignalingError(TypedError):
    code = "signaling_error"
    message_key = "errors.signaling.generic"


class UnknownEvent(SignalingError):
    code = "unknown_event"
    message_key = "errors.signaling.unknown_event"


class NotConnected(SignalingError):
    code = "not_connected"
    message_key = "errors.signaling.not_connected"


class EndToEndUnsupported(SignalingError):
    """A seat whose browser cannot seal frames end to end, while that is required
    (``MAJLIS_E2EE_REQUIRED``)."""

    code = "e2ee_unsupported"
    message_key = "errors.e2ee.e2ee_unsupported"


class MissingToken(SignalingError):
    code = "token_missing"
    message_key = "errors.token.missing"


class DevTokenRefused(SignalingError):
    """A dev terminal token on ``/desk`` of a server not in development mode: the desk is a
    signed-in coordinator's or supervisor's session, nothing else."""

    code = "not_a_desk_credential"
    message_key = "errors.token.not_a_desk_credential"


class StaffSessionEnded(SignalingError):
    """A signed-in person's connection outlived her staff session (signed out or expired)."""

    code = "session_expired"
    message_key = "errors.accounts.session_expired"


class TooManyConnects(SignalingError):
    code = "too_many_connects"
    message_key = "errors.signaling.too_many_connects"


class TooManyEvents(SignalingError):
    code = "too_many_events"
    message_key = "errors.signaling.too_many_events"


class ErrorBody(TypedDict):
    code: str
    message_key: str
    details: str | list[FieldProblem]


def error_payload(error: Exception) -> ErrorBody:
    """``{code, message_key, details}`` for a client: never a traceback, never input echoed."""
    if isinstance(error, ValidationError):
        return {
            "code": InvalidPayload.code,
            "message_key": InvalidPayload.message_key,
            "details": validation_problems(error),
        }
    if isinstance(error, TypedError):
        return {"code": error.code, "message_key": error.message_key, "details": error.detail}
    return {"code": "internal", "message_key": "errors.internal", "details": ""}
