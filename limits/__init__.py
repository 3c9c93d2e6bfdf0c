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
        now = time.monotonic()
        recent = self._seen.setdefault(key, deque())
        while recent and now - recent[0] > self._window_s:
            recent.popleft()
        if len(recent) >= self._limit:
            return False
        recent.append(now)
        if len(self._seen) > FORGET_AFTER:
            self._seen = {k: q for k, q in self._seen.items() if q and now - q[-1] < self._window_s}
        return True
