"""An applicant's identifiers: Saudi national ID or iqama number, and Saudi mobile number.

National ID (citizens, starting with 1) and iqama (residents, starting with 2) numbers are
ten digits whose last digit is a Luhn check digit (python-stdnum's implementation). Mobile
numbers are parsed and normalised to E.164 by ``phonenumbers`` and must be Saudi mobiles.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType
from stdnum import luhn
from stdnum.exceptions import ValidationError

from casework.errors import InvalidNationalId, InvalidPhone

SAUDI_REGION = "SA"
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII: numbers are typed either way at a desk."""
    return text.translate(_ARABIC_DIGITS)


def normalise_national_id(text: str) -> str:
    """Ten ASCII digits, first 1 (national ID) or 2 (iqama), valid Luhn check digit."""
    digits = ascii_digits(text.strip()).replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise InvalidNationalId("ten digits expected")
    if digits[0] not in "12":
        raise InvalidNationalId("a national ID starts with 1, an iqama number with 2")
    try:
        luhn.validate(digits)
    except ValidationError:
        raise InvalidNationalId("check digit does not match") from None
    return digits


def id_kind(national_id: str) -> str:
    return "citizen" if national_id.startswith("1") else "resident"


def normalise_saudi_mobile(text: str) -> str:
    """E.164 (+9665XXXXXXXX) for a valid Saudi mobile number written any usual way."""
    cleaned = ascii_digits(text.strip())
    if len(cleaned) > 32:
        raise InvalidPhone("too long")
    try:
        number = phonenumbers.parse(cleaned, SAUDI_REGION)
    except NumberParseException:
        raise InvalidPhone("not a phone number") from None
    if phonenumbers.region_code_for_number(number) != SAUDI_REGION:
        raise InvalidPhone("not a Saudi number")
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid number")
    if phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidPhone("not a mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def last_four(e164: str) -> str:
    return e164[-4:]
