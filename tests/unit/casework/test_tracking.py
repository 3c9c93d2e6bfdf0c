"""Tracking numbers: unique, unguessable in sequence, and checked by a Damm digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.errors import InvalidTrackingNumber
from casework.tracking import TrackingNumbers, format_tracking_number, parse_tracking_number

KEY = b"a test key of enough length!"


@pytest.mark.slow
def test_a_million_numbers_have_no_duplicates() -> None:
    numbers = TrackingNumbers(KEY)
    issued = {numbers.for_sequence(n) for n in range(1_000_000)}
    assert len(issued) == 1_000_000
    assert all(len(number) == 10 for number in list(issued)[:1000])


def test_consecutive_requests_do_not_get_consecutive_numbers() -> None:
    numbers = TrackingNumbers(KEY)
    first, second = numbers.for_sequence(41), numbers.for_sequence(42)
    assert abs(int(first[:9]) - int(second[:9])) > 1000
    assert TrackingNumbers(b"another key, also long").for_sequence(41) != first


@given(st.integers(0, 10**9 - 1))
def test_every_number_passes_its_own_check(sequence: int) -> None:
    number = TrackingNumbers(KEY).for_sequence(sequence)
    assert parse_tracking_number(format_tracking_number(number)) == number


@given(st.integers(0, 10**9 - 1), st.integers(0, 9), st.integers(1, 9))
def test_every_single_wrong_digit_is_caught(sequence: int, position: int, change: int) -> None:
    number = TrackingNumbers(KEY).for_sequence(sequence)
    digit = (int(number[position]) + change) % 10
    with pytest.raises(InvalidTrackingNumber):
        parse_tracking_number(number[:position] + str(digit) + number[position + 1 :])


@given(st.integers(0, 10**9 - 1), st.integers(0, 8))
def test_every_adjacent_swap_is_caught(sequence: int, position: int) -> None:
    number = TrackingNumbers(KEY).for_sequence(sequence)
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    if swapped == number:
        return  # two equal digits: nothing was swapped
    with pytest.raises(InvalidTrackingNumber):
        parse_tracking_number(swapped)


@pytest.mark.parametrize("text", ["", "12345", "abcdefghij", "12345678901"])
def test_malformed_input_is_refused(text: str) -> None:
    with pytest.raises(InvalidTrackingNumber):
        parse_tracking_number(text)
