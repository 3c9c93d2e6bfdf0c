"""An audience's quality summary, told one second at a time."""

from __future__ import annotations

from foundation.media_quality import DirectionQuality
from rooms.degraded import Verdict
from rooms.quality_summary import QualitySummary

GOOD = Verdict(video_usable=True, audio_usable=True)
POOR_VIDEO = Verdict(video_usable=False, audio_usable=True)


def booth_video(fps: float, loss: float) -> list[DirectionQuality]:
    return [DirectionQuality("booth", "video", fps, 300.0, loss, None, None)]


def test_the_worst_ten_seconds_hold_the_most_poor_seconds() -> None:
    summary = QualitySummary()
    for _ in range(12):
        summary.add(GOOD, booth_video(30.0, 0.0))
    for _ in range(5):
        summary.add(POOR_VIDEO, booth_video(4.0, 0.2))
    for _ in range(8):
        summary.add(GOOD, booth_video(30.0, 0.01))
    assert (summary.seconds, summary.poor_seconds, summary.poor_share) == (25, 5, 0.2)
    # The first window holding all five poor seconds: seconds 7..16.
    assert (summary.worst_start, summary.worst_poor) == (7, 5)
    assert (summary.worst_min_fps, summary.worst_max_loss) == (4.0, 0.2)


def test_a_short_audience_in_good_quality_has_no_poor_second() -> None:
    summary = QualitySummary()
    for _ in range(3):
        summary.add(GOOD, booth_video(25.0, 0.0))
    assert (summary.poor_share, summary.worst_start, summary.worst_poor) == (0.0, 0, 0)


def test_seconds_in_voice_only_are_counted_and_her_unsent_video_is_not_measured() -> None:
    summary = QualitySummary()
    summary.add(GOOD, booth_video(30.0, 0.0))
    for _ in range(4):
        summary.add(GOOD, booth_video(0.0, 0.5), voice_only=True)
    assert (summary.seconds, summary.voice_only_seconds, summary.poor_seconds) == (5, 4, 0)
    assert (summary.worst_min_fps, summary.worst_max_loss) == (30.0, 0.0)
