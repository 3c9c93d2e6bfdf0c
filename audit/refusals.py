"""Anonymous refusals counted, not written one by one: a flood of 401/403 answers to callers
nobody knows (no session, no device, no token) would otherwise cost one audit row and one
signed checkpoint each, under the log's one lock. ``RefusalTally`` counts them per source
address and minute; each minute that has ended becomes one ``access.denied`` row whose detail
says how many there were (``count=50; token_invalid``). Refusals of a known caller are still
written one row each, at once (``AuditLog.record``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

MINUTE = timedelta(minutes=1)


@dataclass
class _Count:
    subject: str  # the first path refused in the minute
    last_at: datetime
    count: int = 0
    codes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class TalliedRefusals:
    """One source's refusals in one minute: an ``access.denied`` row to write."""

    source: str
    subject: str
    detail: str
    at: datetime  # the last of them


class RefusalTally:
    def __init__(self, period: timedelta = MINUTE) -> None:
        self._period = period
        self._counts: dict[tuple[str, datetime], _Count] = {}

    def _window(self, now: datetime) -> datetime:
        epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
        return now - (now - epoch) % self._period

    def add(self, source: str, subject: str, code: str, now: datetime) -> None:
        key = (source[:64], self._window(now))
        counted = self._counts.setdefault(key, _Count(subject[:64], now))
        counted.count += 1
        counted.last_at = max(counted.last_at, now)
        counted.codes.add(code)

    def due(self, now: datetime | None) -> list[TalliedRefusals]:
        """The rows of the minutes that have ended by ``now`` (every one when None: at
        shutdown), removed from the tally."""
        ended = [key for key in self._counts if now is None or key[1] + self._period <= now]
        rows = []
        for source, window in sorted(ended, key=lambda key: (key[1], key[0])):
            counted = self._counts.pop((source, window))
            detail = f"count={counted.count}; {', '.join(sorted(counted.codes))}"
            rows.append(TalliedRefusals(source, counted.subject, detail, counted.last_at))
        return rows
