"""A centre's opening hours: "HH:MM" on a 24-hour clock, opening before closing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference.errors import InvalidOpeningHours
from reference.hours import is_wall_clock_time, require_opening_hours

times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


def test_a_usual_working_day_is_accepted() -> None:
    require_opening_hours("08:00", "16:00")


@pytest.mark.parametrize(
    ("opens_at", "closes_at"),
    [("16:00", "08:00"), ("09:00", "09:00"), ("8:00", "16:00"), ("08:00", "24:00"), ("", "")],
)
def test_hours_that_do_not_open_before_they_close_are_refused(
    opens_at: str, closes_at: str
) -> None:
    with pytest.raises(InvalidOpeningHours):
        require_opening_hours(opens_at, closes_at)


@pytest.mark.parametrize("text", ["8:00", "08:60", "24:00", "08:00:00", "٠٨:٠٠", "08:00\n", "0800"])
def test_only_two_digit_hours_and_minutes_are_a_wall_clock_time(text: str) -> None:
    assert not is_wall_clock_time(text)


@given(times, times)
def test_the_text_order_is_the_order_of_the_day(opens_at: str, closes_at: str) -> None:
    minutes = [int(t[:2]) * 60 + int(t[3:]) for t in (opens_at, closes_at)]
    if minutes[0] < minutes[1]:
        require_opening_hours(opens_at, closes_at)
    else:
        with pytest.raises(InvalidOpeningHours):
            require_opening_hours(opens_at, closes_at)
