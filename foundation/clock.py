"""The wall clock, passed in wherever time matters: domain rules take ``now`` as an argument,
services and loops hold a ``Clock``. Tests pass a clock they move by hand.

(The media path measures intervals with a monotonic seconds function instead; that is not a
wall clock and has its own name there.)
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

# The service's own day runs in the ministry's time zone, wherever a server or browser is.
SERVICE_ZONE = ZoneInfo("Asia/Riyadh")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always aware and in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def service_day_start(now: datetime) -> datetime:
    """Midnight at the start of the service's local day (Asia/Riyadh) that holds ``now``."""
    local = now.astimezone(SERVICE_ZONE)
    return datetime.combine(local.date(), time(0), tzinfo=SERVICE_ZONE)
