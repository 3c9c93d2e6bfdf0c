"""Tracking numbers: ten digits, read over the phone as ``4821 7730 95``.

The first nine digits are a keyed permutation (a 4-round Feistel network on 30 bits with
keyed BLAKE2b rounds, cycle-walked into 0…999,999,999) of the request's sequence number: unique
by construction, and without the key the next number cannot be guessed from the last. The
tenth is a Damm check digit (python-stdnum), which catches every single wrong digit and every
swap of two adjacent digits.
"""

from __future__ import annotations

import hashlib
import hmac

from stdnum import damm
from stdnum.exceptions import ValidationError

from casework.errors import InvalidTrackingNumber
from casework.identity import ascii_digits

DOMAIN = 10**9
HALF_BITS = 15
HALF_MASK = (1 << HALF_BITS) - 1
ROUNDS = 4


class TrackingNumbers:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the tracking-number key needs at least 16 bytes")
        self._round_keys = [
            hmac.new(key, bytes([r]), hashlib.sha256).digest()[:32] for r in range(ROUNDS)
        ]

    def for_sequence(self, sequence: int) -> str:
        """The tracking number of the request with this sequence number (0 ≤ n < 10⁹)."""
        if not 0 <= sequence < DOMAIN:
            raise ValueError("sequence out of range")
        value = self._permute(sequence)
        while value >= DOMAIN:  # cycle-walking keeps the permutation inside the domain
            value = self._permute(value)
        body = f"{value:09d}"
        return body + damm.calc_check_digit(body)

    def _permute(self, value: int) -> int:
        left, right = value >> HALF_BITS, value & HALF_MASK
        for round_key in self._round_keys:
            digest = hashlib.blake2b(right.to_bytes(2, "big"), key=round_key, digest_size=2)
            left, right = right, left ^ (int.from_bytes(digest.digest(), "big") & HALF_MASK)
        return (left << HALF_BITS) | right


def parse_tracking_number(text: str) -> str:
    """The ten digits of a tracking number as typed or read out; raises if the check fails."""
    digits = "".join(ascii_digits(text).split()).replace("-", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise InvalidTrackingNumber("ten digits expected")
    try:
        damm.validate(digits)
    except ValidationError:
        raise InvalidTrackingNumber("check digit does not match") from None
    return digits


def format_tracking_number(digits: str) -> str:
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"
