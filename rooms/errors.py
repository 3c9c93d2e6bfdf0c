"""Typed room errors: each has a stable code and an i18n message key for the edges."""

from __future__ import annotations

from typed_errors import TypedError


class RoomError(TypedError):
    code = "room_error"
    message_key = "errors.room.generic"


class IllegalTransition(RoomError):
    code = "illegal_transition"
    message_key = "errors.room.illegal_transition"


class TooEarly(RoomError):
    code = "too_early"
    message_key = "errors.room.too_early"


class ExtensionLimit(RoomError):
    code = "extension_limit"
    message_key = "errors.room.extension_limit"


class ExtensionOverlapsNextSlot(RoomError):
    code = "extension_overlaps_next_slot"
    message_key = "errors.room.extension_overlaps_next_slot"


class ResumeOverrunsNextSlot(RoomError):
    """Giving the paused time back would run into the next slot: the office must accept an
    end at the next slot's start."""

    code = "resume_overruns_next_slot"
    message_key = "errors.room.resume_overruns_next_slot"


class PausedByDesk(RoomError):
    """A coordinator's pause (a safeguarding alert's) is lifted by the coordinators only: not
    by the office, not by degraded mode."""

    code = "paused_by_desk"
    message_key = "errors.room.paused_by_desk"


class NotPermitted(RoomError):
    """The actor's role does not carry the permission this action needs."""

    code = "not_permitted"
    message_key = "errors.room.not_permitted"


class UnknownRoom(RoomError):
    code = "unknown_room"
    message_key = "errors.room.unknown_room"


class TokenError(RoomError):
    code = "token_invalid"
    message_key = "errors.token.invalid"


class TokenMalformed(TokenError):
    code = "token_malformed"
    message_key = "errors.token.malformed"


class TokenBadSignature(TokenError):
    code = "token_bad_signature"
    message_key = "errors.token.bad_signature"


class TokenNotYetValid(TokenError):
    code = "token_not_yet_valid"
    message_key = "errors.token.not_yet_valid"


class TokenExpired(TokenError):
    code = "token_expired"
    message_key = "errors.token.expired"


class TokenWrongRoom(TokenError):
    code = "token_wrong_room"
    message_key = "errors.token.wrong_room"


class TokenWrongRole(TokenError):
    code = "token_wrong_role"
    message_key = "errors.token.wrong_role"


class TokenReused(TokenError):
    code = "token_reused"
    message_key = "errors.token.reused"
