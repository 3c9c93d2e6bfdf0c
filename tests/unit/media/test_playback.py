"""What the impaired benchmark reports a viewer saw: frame rate, freezes, blackout recovery."""

from __future__ import annotations

import pytest

from media.bench.playback import playback


def frames(start: float, end: float, fps: float = 30.0) -> list[float]:
    count = round((end - start) * fps)
    return [start + i / fps for i in range(count)]


def test_a_steady_stream_has_its_frame_rate_and_no_freeze() -> None:
    seen = playback(frames(0.0, 10.0), 0.0, 10.0)
    assert seen.fps == pytest.approx(30.0)
    assert seen.freezes == 0
    assert seen.frozen_s == 0
    assert seen.recovery_s is None


def test_a_gap_longer_than_half_a_second_is_one_freeze_and_a_shorter_one_is_none() -> None:
    arrivals = frames(0.0, 3.0) + frames(3.4, 5.0) + frames(5.9, 10.0)
    seen = playback(arrivals, 0.0, 10.0)
    assert seen.freezes == 1
    assert seen.frozen_s == pytest.approx(5.9 - (5.0 - 1 / 30), abs=1e-6)
    assert seen.longest_gap_s == pytest.approx(seen.frozen_s)


def test_recovery_is_from_the_blackouts_end_to_the_first_frame_after_it() -> None:
    arrivals = frames(0.0, 2.0) + frames(5.7, 10.0)  # blackout 2.0 → 5.0
    seen = playback(arrivals, 0.0, 10.0, blackout_end=5.0)
    assert seen.recovery_s == pytest.approx(0.7)
    assert seen.freezes == 1


def test_a_stream_that_never_comes_back_has_no_recovery_and_freezes_to_the_windows_end() -> None:
    seen = playback(frames(0.0, 2.0), 0.0, 10.0, blackout_end=5.0)
    assert seen.recovery_s is None
    assert seen.frozen_s == pytest.approx(10.0 - (2.0 - 1 / 30))


def test_frames_outside_the_window_do_not_count_and_a_late_start_is_a_freeze() -> None:
    seen = playback([-1.0, *frames(1.0, 4.0), 4.5, 11.0], 0.0, 4.0)
    assert seen.frames == 90
    assert seen.freezes == 1  # nothing in the first second
    assert seen.longest_gap_s == pytest.approx(1.0)


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="window"):
        playback([], 5.0, 5.0)
