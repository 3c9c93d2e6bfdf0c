"""Typed media errors: each has a stable code and an i18n message key for the edges."""

from __future__ import annotations

from typed_errors import TypedError


class MediaError(TypedError):
    code = "media_error"
    message_key = "errors.media.generic"


class SdpTooLarge(MediaError):
    code = "sdp_too_large"
    message_key = "errors.media.sdp_too_large"


class MalformedSdp(MediaError):
    code = "malformed_sdp"
    message_key = "errors.media.malformed_sdp"


class UnsupportedMedia(MediaError):
    """The offer lacks audio+video with the codecs both legs must share (VP8, Opus)."""

    code = "unsupported_media"
    message_key = "errors.media.unsupported_media"


class UnknownParticipant(MediaError):
    code = "unknown_participant"
    message_key = "errors.media.unknown_participant"


class RoomFull(MediaError):
    code = "room_full"
    message_key = "errors.media.room_full"


class TooManyCandidates(MediaError):
    code = "too_many_candidates"
    message_key = "errors.media.too_many_candidates"


class TooManyNegotiations(MediaError):
    code = "too_many_negotiations"
    message_key = "errors.media.too_many_negotiations"


class MalformedCandidate(MediaError):
    code = "malformed_candidate"
    message_key = "errors.media.malformed_candidate"


class PreflightUnavailable(MediaError):
    """Preflight is refused while media flows (no frame of a live audience is decoded) or
    when no video arrives in time."""

    code = "preflight_unavailable"
    message_key = "errors.media.preflight_unavailable"


class AiortcHooksMissing(MediaError):
    """aiortc or aioice lacks a private member media/ relies on (an upgrade moved it): the
    media server refuses to start rather than forward media wrongly. Operators see it at
    start-up; no participant ever does."""

    code = "aiortc_hooks_missing"

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "media server refused to start, aiortc hooks missing: " + ", ".join(missing)
        )
        self.missing = tuple(missing)


class MediaServerNotStarted(MediaError):
    """``join`` before ``MediaServer.start()``: ICE would gather on every interface."""

    code = "media_server_not_started"
