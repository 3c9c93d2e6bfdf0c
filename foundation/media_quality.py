"""One second of one direction's media quality: what the media server measures (``media.quality``)
and what the room rules (``rooms.degraded``) and the desks' broadcast (``signaling.quality``)
read. A plain value at the bottom, so neither of those sibling packages imports the other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DirectionQuality:
    """One second of one kind of media from ``source`` (a role: booth or office)."""

    source: str
    kind: str
    frames_per_second: float | None  # video only
    bitrate_kbps: float
    loss: float  # 0..1
    jitter_ms: float | None
    round_trip_ms: float | None
