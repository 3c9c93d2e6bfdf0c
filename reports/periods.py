"""The period a report covers: a Hijri (Umm al-Qura) year, a Gregorian month or a range of
days, each a run of whole days in the service's time zone (Asia/Riyadh). Pure: the UTC
bounds are computed from the days, nothing is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from hijridate import Hijri

from foundation.clock import SERVICE_ZONE
from typed_errors import InvalidPayload

# hijridate's Umm al-Qura table covers 1343–1500 AH; a year outside it has no days.
FIRST_HIJRI_YEAR, LAST_HIJRI_YEAR = 1343, 1499
LONGEST_RANGE = timedelta(days=3660)  # ten years: a longer range is a typing mistake


class PeriodKind(StrEnum):
    HIJRI_YEAR = "hijri_year"
    MONTH = "month"
    RANGE = "range"


class InvalidPeriod(InvalidPayload):
    code = "invalid_period"
    message_key = "errors.report.invalid_period"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first_day: date
    last_day: date  # included
    hijri_year: int | None = None

    @property
    def starts_at(self) -> datetime:
        """The first moment of the first day, in UTC."""
        return _midnight(self.first_day)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the last day, in UTC."""
        return _midnight(self.last_day + timedelta(days=1))


def hijri_year(year: int) -> Period:
    if not FIRST_HIJRI_YEAR <= year <= LAST_HIJRI_YEAR:
        raise InvalidPeriod(f"a Hijri year from {FIRST_HIJRI_YEAR} to {LAST_HIJRI_YEAR}")
    first = Hijri(year, 1, 1).to_gregorian()
    after = Hijri(year + 1, 1, 1).to_gregorian()
    return Period(
        PeriodKind.HIJRI_YEAR,
        date(first.year, first.month, first.day),
        date(after.year, after.month, after.day) - timedelta(days=1),
        hijri_year=year,
    )


def gregorian_month(year: int, month: int) -> Period:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidPeriod("a month of the years 2000 to 2100")
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    return Period(PeriodKind.MONTH, first, after - timedelta(days=1))


def day_range(first_day: date, last_day: date) -> Period:
    if last_day < first_day:
        raise InvalidPeriod("the range ends before it starts")
    if last_day - first_day > LONGEST_RANGE:
        raise InvalidPeriod("a range of at most ten years")
    return Period(PeriodKind.RANGE, first_day, last_day)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SERVICE_ZONE).astimezone(UTC)
