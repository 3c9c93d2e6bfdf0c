"""The desk's ``quality`` event names the booth device: the board's row for its indicator."""

from __future__ import annotations

from foundation.media_quality import DirectionQuality
from rooms.degraded import Verdict
from signaling.quality import quality_payload


def test_the_quality_event_names_the_booth_and_its_verdict() -> None:
    video = DirectionQuality("booth", "video", 8.0, 300.0, 0.2, 12.0, 40.0)
    payload = quality_payload(
        "appt-7", "riyadh/booth-1", frozenset({"booth", "office"}), [video], Verdict(False, True)
    )
    assert payload["booth"] == "riyadh/booth-1"
    assert (payload["video_usable"], payload["audio_usable"]) == (False, True)
    assert payload["directions"][0]["fps"] == 8.0
