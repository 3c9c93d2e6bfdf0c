"""National ID / iqama numbers and Saudi mobiles: accepted in their usual forms, refused
otherwise, with typed errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from casework.errors import InvalidNationalId, InvalidPhone
from casework.identity import id_kind, normalise_national_id, normalise_saudi_mobile


def valid_id(first: str, middle: str) -> str:
    body = first + middle
    return body + luhn.calc_check_digit(body)


@given(st.sampled_from("12"), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_luhn_valid_number_starting_1_or_2_is_accepted(first: str, middle: str) -> None:
    number = valid_id(first, middle)
    assert normalise_national_id(f" {number[:4]} {number[4:]} ") == number
    assert id_kind(number) == ("citizen" if first == "1" else "resident")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 9), st.integers(1, 9))
def test_one_wrong_digit_is_refused(middle: str, position: int, change: int) -> None:
    number = valid_id("1", middle)
    wrong = number[:position] + str((int(number[position]) + change) % 10) + number[position + 1 :]
    with pytest.raises(InvalidNationalId):
        normalise_national_id(wrong)


@pytest.mark.parametrize(
    "text", ["", "123", "3000000007", "10000000000", "1O00000008", "١٠٠٠٠٠٠٠٠٩"]
)
def test_malformed_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidNationalId):
        normalise_national_id(text)


def test_arabic_indic_digits_are_read() -> None:
    assert normalise_national_id("١٠٠٠٠٠٠٠٠٨") == "1000000008"


@pytest.mark.parametrize(
    "text", ["0501234567", "501234567", "+966501234567", "00966 50 123 4567", "٠٥٠١٢٣٤٥٦٧"]
)
def test_saudi_mobiles_are_normalised_to_e164(text: str) -> None:
    assert normalise_saudi_mobile(text) == "+966501234567"


@pytest.mark.parametrize(
    "text", ["0112345678", "+447911123456", "+971501234567", "12345", "", "phone", "0" * 40]
)
def test_landlines_foreign_and_malformed_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_saudi_mobile(text)
