"""The API's bodies and queries bound what the database and the calendar can hold: ids to
64-bit integers, moments to aware times between 2000 and 2100, text to no NUL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from api.models import MAX_ID, BookingBody, DayQuery, QueueQuery, Referral, SignIn, Sitting

offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


def test_the_largest_64_bit_id_is_an_id_and_the_next_is_not() -> None:
    assert BookingBody(request_id=MAX_ID, slot_id=1, booth="riyadh/booth-1").request_id == MAX_ID
    for too_big in (MAX_ID + 1, 10**40):
        with pytest.raises(ValidationError):
            BookingBody(request_id=too_big, slot_id=1, booth="riyadh/booth-1")


@pytest.mark.parametrize(
    "day_start",
    [
        "2026-11-29T00:00:00",  # naive
        "9999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00+14:00",
        "1999-12-31T23:59:59+00:00",
        "2099-12-31T20:00:00-12:00",  # 2100 in UTC
    ],
)
def test_a_queue_day_without_a_zone_or_outside_the_calendar_is_refused(day_start: str) -> None:
    with pytest.raises(ValidationError):
        QueueQuery.model_validate({"office": "office-1", "day_start": day_start})


def test_a_queue_day_with_a_zone_inside_the_calendar_is_taken() -> None:
    query = QueueQuery.model_validate(
        {"office": "office-1", "day_start": "2026-11-29T00:00:00+03:00"}
    )
    assert query.day_start == datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


@given(moment=st.datetimes(timezones=offsets))
def test_every_moment_taken_can_be_moved_a_day_and_read_in_utc(moment: datetime) -> None:
    try:
        taken = DayQuery(day_start=moment).day_start
    except ValidationError:
        return
    for shifted in (taken + timedelta(days=1), taken - timedelta(days=1)):
        assert shifted.astimezone(UTC).tzinfo is UTC


def test_a_sitting_or_a_due_day_at_the_end_of_the_calendar_is_refused() -> None:
    with pytest.raises(ValidationError):
        Sitting(
            office_device="office-1",
            starts_at=datetime(9999, 12, 31, 22, tzinfo=UTC),
            ends_at=datetime(9999, 12, 31, 23, tzinfo=UTC),
        )
    with pytest.raises(ValidationError):
        Referral.model_validate({"department": "health", "due_on": "9999-12-31"})


def test_text_with_a_nul_is_refused() -> None:
    with pytest.raises(ValidationError):
        SignIn(username="coordinator1\x00", password="x")


@pytest.mark.parametrize("spelling", [True, "2", 2.0, "١"])
def test_an_id_in_a_body_is_a_json_integer_never_coerced(spelling: object) -> None:
    with pytest.raises(ValidationError):
        BookingBody.model_validate({"request_id": spelling, "slot_id": 1, "booth": "riyadh/b-1"})
