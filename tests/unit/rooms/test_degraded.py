"""Degraded mode's rules, as stories told one quality sample a second."""

from __future__ import annotations

from media.quality import DirectionQuality
from rooms.degraded import (
    Action,
    DegradedState,
    DegradedThresholds,
    Verdict,
    assess,
    verdict,
)

T0 = 1000.0  # monotonic seconds
RULES = DegradedThresholds()
GOOD = Verdict(video_usable=True, audio_usable=True)
NO_VIDEO = Verdict(video_usable=False, audio_usable=True)
NOTHING = Verdict(video_usable=False, audio_usable=False)


def run(
    seconds: int, seen: Verdict, state: DegradedState | None = None, start: int = 0
) -> tuple[DegradedState, dict[int, list[Action]]]:
    """Feed ``seen`` once a second; (final state, {second: actions})."""
    state = state or DegradedState()
    actions: dict[int, list[Action]] = {}
    for second in range(start, start + seconds):
        state, due = assess(state, seen, T0 + second, RULES)
        if due:
            actions[second] = due
    return state, actions


def sample(source: str, kind: str, fps: float | None, kbps: float, loss: float) -> DirectionQuality:
    return DirectionQuality(source, kind, fps, kbps, loss, None, None)


def test_heavy_video_loss_offers_voice_only_then_turns_her_video_off() -> None:
    state, actions = run(25, NO_VIDEO)
    assert actions == {10: [Action.OFFER_VOICE_ONLY], 20: [Action.VIDEO_OFF]}
    assert state.video_off


def test_video_that_recovers_before_the_switch_stays_on() -> None:
    state, _ = run(12, NO_VIDEO)
    state, actions = run(20, GOOD, state, start=12)
    assert actions == {}
    assert not state.video_off


def test_lost_audio_pauses_at_20_s_and_fails_10_s_later() -> None:
    _, actions = run(35, NOTHING)
    assert actions == {20: [Action.PAUSE], 30: [Action.FAIL]}


def test_audio_back_during_the_pause_resumes() -> None:
    state, _ = run(25, NOTHING)
    _, actions = run(5, GOOD, state, start=25)
    assert actions == {25: [Action.RESUME]}


def test_a_missing_seat_or_silent_audio_is_unusable_audio() -> None:
    office_only = verdict({"office"}, [], RULES)
    assert office_only == Verdict(video_usable=False, audio_usable=False)
    silent = [sample("booth", "audio", None, 0.0, 0.0)]
    assert not verdict({"booth", "office"}, silent, RULES).audio_usable


def test_booth_video_below_10_fps_or_above_10_percent_loss_is_unusable() -> None:
    audio = [sample(role, "audio", None, 32.0, 0.0) for role in ("booth", "office")]
    slow = [*audio, sample("booth", "video", 8.0, 300.0, 0.0)]
    lossy = [*audio, sample("booth", "video", 30.0, 300.0, 0.2)]
    fine = [*audio, sample("booth", "video", 30.0, 300.0, 0.02)]
    office_slow = [*fine, sample("office", "video", 2.0, 30.0, 0.0)]
    present = {"booth", "office"}
    assert verdict(present, slow, RULES) == NO_VIDEO
    assert verdict(present, lossy, RULES) == NO_VIDEO
    assert verdict(present, fine, RULES) == GOOD
    assert verdict(present, office_slow, RULES) == GOOD


def test_in_voice_only_her_unsent_video_is_not_poor_video() -> None:
    audio = [sample(role, "audio", None, 32.0, 0.0) for role in ("booth", "office")]
    unsent = [*audio, sample("booth", "video", 0.0, 0.0, 0.0)]
    present = {"booth", "office"}
    assert verdict(present, unsent, RULES) == NO_VIDEO
    assert verdict(present, unsent, RULES, voice_only=True) == GOOD
    assert verdict({"office"}, audio, RULES, voice_only=True).audio_usable is False
