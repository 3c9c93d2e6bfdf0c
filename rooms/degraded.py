"""Degraded mode: what a live audience's measured quality calls for. Pure, the clock passed in.

Every quality sample (``media.quality``) becomes a ``Verdict`` — is video usable, is audio
usable — and ``assess(state, verdict, now, thresholds)`` returns the next state and the
actions due: video unusable for a while while audio is fine → both sides are offered voice
only, and after a further interval the server turns the booth's video off itself; audio
unusable for a while (either way) → a technical pause; a pause that does not recover within
its limit → the audience ends as a technical failure; audio back during that pause → resume.

Times are monotonic seconds: how long the network has been bad is measured time, not the
business clock of bookings (which tests move by hand).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from foundation.media_quality import DirectionQuality

TECHNICAL_FAILURE = "technical_failure"  # the abort's reason, and the appointment's outcome
QUALITY_PAUSE = "audio_unusable"  # the reason of the pause degraded mode starts
SEAT_ROLES = ("booth", "office")


@dataclass(frozen=True)
class DegradedThresholds:
    """Settings ``MAJLIS_QUALITY_*`` (docs/CONFIGURATION.md says why these defaults)."""

    video_min_fps: float = 10.0
    video_max_loss: float = 0.10
    video_unusable_for_s: float = 10.0
    video_off_after_offer_s: float = 10.0
    audio_max_loss: float = 0.20
    audio_min_kbps: float = 6.0
    audio_unusable_for_s: float = 20.0
    failure_after_pause_s: float = 10.0


@dataclass(frozen=True)
class Verdict:
    video_usable: bool
    audio_usable: bool


def verdict(
    present: Iterable[str],
    samples: list[DirectionQuality],
    thresholds: DegradedThresholds,
    *,
    voice_only: bool = False,
) -> Verdict:
    """Audio must be usable both ways (a seat that is gone is not); video is judged on the
    booth's, the one the audience is about. A stream not yet measured counts as usable. In
    voice only no video of her is sent: its silence is not poor video, only sound is judged."""
    roles = set(present)
    audio = all(role in roles for role in SEAT_ROLES)
    video = "booth" in roles or voice_only
    for sample in samples:
        if sample.kind == "audio" and (
            sample.loss > thresholds.audio_max_loss
            or sample.bitrate_kbps < thresholds.audio_min_kbps
        ):
            audio = False
        if sample.kind == "video" and sample.source == "booth" and not voice_only:
            fps = sample.frames_per_second or 0.0
            if fps < thresholds.video_min_fps or sample.loss > thresholds.video_max_loss:
                video = False
    return Verdict(video_usable=video, audio_usable=audio)


class Action(StrEnum):
    OFFER_VOICE_ONLY = "offer_voice_only"
    VIDEO_OFF = "video_off"
    PAUSE = "pause"
    RESUME = "resume"
    FAIL = "fail"


@dataclass(frozen=True)
class DegradedState:
    video_bad_since: float | None = None
    voice_offered_at: float | None = None
    video_off: bool = False
    audio_bad_since: float | None = None
    paused_at: float | None = None  # a pause degraded mode started, still running
    failed: bool = False  # the audience was ended: nothing more is due


def assess(
    state: DegradedState, seen: Verdict, now: float, thresholds: DegradedThresholds
) -> tuple[DegradedState, list[Action]]:
    if state.failed:
        return state, []
    if seen.audio_usable:
        state = replace(state, audio_bad_since=None)
    elif state.audio_bad_since is None:
        state = replace(state, audio_bad_since=now)
    if state.paused_at is not None:
        if seen.audio_usable:
            return replace(state, paused_at=None, video_bad_since=None), [Action.RESUME]
        if now - state.paused_at >= thresholds.failure_after_pause_s:
            return replace(state, paused_at=None, failed=True), [Action.FAIL]
        return state, []
    bad_since = state.audio_bad_since
    if bad_since is not None and now - bad_since >= thresholds.audio_unusable_for_s:
        return replace(state, paused_at=now), [Action.PAUSE]
    if not seen.audio_usable:
        return state, []
    return _assess_video(state, seen, now, thresholds)


def _assess_video(
    state: DegradedState, seen: Verdict, now: float, thresholds: DegradedThresholds
) -> tuple[DegradedState, list[Action]]:
    if state.video_off:
        return state, []  # switched off: only her own choice turns it back on
    if seen.video_usable:
        return replace(state, video_bad_since=None, voice_offered_at=None), []
    since = now if state.video_bad_since is None else state.video_bad_since
    state = replace(state, video_bad_since=since)
    if state.voice_offered_at is None:
        if now - since >= thresholds.video_unusable_for_s:
            return replace(state, voice_offered_at=now), [Action.OFFER_VOICE_ONLY]
        return state, []
    if now - state.voice_offered_at >= thresholds.video_off_after_offer_s:
        return replace(state, video_off=True), [Action.VIDEO_OFF]
    return state, []
