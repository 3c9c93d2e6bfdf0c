"""What a viewer of one stream saw, from the arrival times of its frames: delivered frame
rate, freezes (a gap longer than ``FREEZE_S`` without a frame) and the time to recover after
a blackout. Pure: the impaired benchmark feeds it, a unit test checks it."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

FREEZE_S = 0.5


@dataclass(frozen=True)
class Playback:
    frames: int
    fps: float
    freezes: int
    frozen_s: float
    longest_gap_s: float
    # From the blackout's end to the first frame after it; None without a blackout, or
    # when no frame came after it (never recovered within the window).
    recovery_s: float | None


def playback(
    arrivals: Sequence[float],
    window_start: float,
    window_end: float,
    blackout_end: float | None = None,
    freeze_s: float = FREEZE_S,
) -> Playback:
    """``arrivals``: times a frame became complete; only those inside the window count. The
    window's edges count as frames' times, so a stream that stops (or starts late) shows the
    freeze it caused."""
    if window_end <= window_start:
        raise ValueError("the window must end after it starts")
    inside = sorted(t for t in arrivals if window_start <= t <= window_end)
    edges = [window_start, *inside, window_end]
    gaps = [later - earlier for earlier, later in itertools.pairwise(edges)]
    frozen = [gap for gap in gaps if gap > freeze_s]
    recovery: float | None = None
    if blackout_end is not None:
        after = [t for t in inside if t >= blackout_end]
        recovery = after[0] - blackout_end if after else None
    return Playback(
        frames=len(inside),
        fps=len(inside) / (window_end - window_start),
        freezes=len(frozen),
        frozen_s=sum(frozen),
        longest_gap_s=max(gaps),
        recovery_s=recovery,
    )
