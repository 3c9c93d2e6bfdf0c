"""An audience's quality in a few numbers, kept with it: seconds measured, seconds in poor
quality (video or audio unusable), seconds in voice only, and its worst 10 seconds (most poor
seconds, then the lowest booth frame rate and the highest loss seen in them). Counts and
rates only: nothing about who was in it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from foundation.media_quality import DirectionQuality
from rooms.degraded import Verdict

WORST_WINDOW = 10  # samples (seconds)


@dataclass(frozen=True)
class Second:
    poor: bool
    booth_fps: float | None
    worst_loss: float


@dataclass
class QualitySummary:
    seconds: int = 0
    poor_seconds: int = 0
    worst_start: int | None = None  # second of the audience where its worst 10 s began
    worst_poor: int = -1
    worst_min_fps: float | None = None
    worst_max_loss: float = 0.0
    voice_only_seconds: int = 0  # seconds measured while no video of her left the booth
    _window: deque[Second] = field(default_factory=lambda: deque(maxlen=WORST_WINDOW))

    def add(
        self, seen: Verdict, samples: list[DirectionQuality], *, voice_only: bool = False
    ) -> None:
        """One second of the audience (``voice_only``: no video of her was sent in it, so her
        video's silence is neither its frame rate nor its loss)."""
        if voice_only:
            samples = [s for s in samples if not (s.source == "booth" and s.kind == "video")]
        poor = not (seen.video_usable and seen.audio_usable)
        self.voice_only_seconds += voice_only
        fps = [
            s.frames_per_second
            for s in samples
            if s.source == "booth" and s.frames_per_second is not None
        ]
        second = Second(poor, fps[0] if fps else None, max((s.loss for s in samples), default=0))
        self._window.append(second)
        self.seconds += 1
        self.poor_seconds += poor
        poor_in_window = sum(s.poor for s in self._window)
        if poor_in_window > self.worst_poor:
            rates = [s.booth_fps for s in self._window if s.booth_fps is not None]
            self.worst_poor = poor_in_window
            self.worst_start = self.seconds - len(self._window)
            self.worst_min_fps = min(rates) if rates else None
            self.worst_max_loss = max(s.worst_loss for s in self._window)

    @property
    def poor_share(self) -> float:
        return round(self.poor_seconds / self.seconds, 3) if self.seconds else 0.0
