"""The wall clock, passed in wherever time matters: domain rules take ``now`` as an argument,
services and loops hold a ``Clock``. Tests pass a clock they move by hand.

(The media path measures intervals with a monotonic seconds function instead; that is not a
wall clock and has its own name there.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always aware and in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
