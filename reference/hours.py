"""A centre's opening hours: local wall-clock times ("HH:MM", Asia/Riyadh) that open before
they close. Pure: the edges and the service both ask it."""

from __future__ import annotations

import re

from reference.errors import InvalidOpeningHours

HH_MM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


def is_wall_clock_time(text: str) -> bool:
    return HH_MM.fullmatch(text) is not None


def require_opening_hours(opens_at: str, closes_at: str) -> None:
    """Both "HH:MM" (24 h, two digits each) and opening strictly before closing; a centre
    open past midnight is not a thing the service schedules."""
    if not (is_wall_clock_time(opens_at) and is_wall_clock_time(closes_at)):
        raise InvalidOpeningHours("opening hours are HH:MM")
    # Two-digit, zero-padded times order as text exactly as they order in the day.
    if not opens_at < closes_at:
        raise InvalidOpeningHours(f"opens at {opens_at}, not before it closes at {closes_at}")
