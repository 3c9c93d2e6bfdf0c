"""Sliding-window rate limits, in memory, per key (a client address, a device)."""

from __future__ import annotations

import time
from collections import deque

FORGET_AFTER = 10_000  # keys tracked before idle ones are forgotten


class SlidingWindow:
    """At most ``limit`` events per key in any ``window_s`` seconds."""

    def __init__(self, limit: int, window_s: float) -> None:
        self._limit = limit
        self._window_s = window_s
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Count one event for ``key`` if the window has room for it; False (and nothing
        counted) when it is full."""
        if not self.has_room(key):
            return False
        now = time.monotonic()
        self._seen.setdefault(key, deque()).append(now)
        if len(self._seen) > FORGET_AFTER:
            self._seen = {k: q for k, q in self._seen.items() if q and now - q[-1] < self._window_s}
        return True

    def has_room(self, key: str) -> bool:
        """Whether one more event for ``key`` would be allowed (nothing is counted)."""
        recent = self._seen.get(key)
        if recent is None:
            return True
        now = time.monotonic()
        while recent and now - recent[0] > self._window_s:
            recent.popleft()
        return len(recent) < self._limit
