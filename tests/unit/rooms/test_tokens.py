"""Join tokens: genuine, current, for this room and role, or a named refusal."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from rooms.errors import (
    TokenBadSignature,
    TokenError,
    TokenExpired,
    TokenMalformed,
    TokenNotYetValid,
    TokenWrongRole,
    TokenWrongRoom,
)
from rooms.tokens import Keyring, TokenClaims, issue, verify, window_claims

START = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
END = START + timedelta(minutes=6)


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    return Keyring("k1", {"k1": Ed25519PrivateKey.generate()})


def claims(**changes: object) -> TokenClaims:
    base = window_claims(
        "room-1", "booth", "booth-7", START, END, timedelta(minutes=10), timedelta(minutes=2)
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_genuine_token_in_its_window_is_accepted(keyring: Keyring) -> None:
    issued = claims()
    token = issue(issued, keyring)
    assert verify(token, keyring, START, role="booth", room="room-1", kind="join") == issued


@pytest.mark.parametrize(
    ("at", "error"),
    [
        (START - timedelta(minutes=10, seconds=1), TokenNotYetValid),
        (START - timedelta(minutes=10), None),
        (END + timedelta(minutes=2) - timedelta(seconds=1), None),
        (END + timedelta(minutes=2), TokenExpired),
    ],
)
def test_the_window_runs_from_opening_to_end_plus_grace(
    keyring: Keyring, at: datetime, error: type[TokenError] | None
) -> None:
    token = issue(claims(), keyring)
    if error is None:
        verify(token, keyring, at, role="booth")
    else:
        with pytest.raises(error):
            verify(token, keyring, at, role="booth")


def test_a_token_for_room_a_is_refused_at_room_b(keyring: Keyring) -> None:
    with pytest.raises(TokenWrongRoom):
        verify(issue(claims(), keyring), keyring, START, role="booth", room="room-2")


def test_a_booth_token_is_refused_on_the_office_side(keyring: Keyring) -> None:
    with pytest.raises(TokenWrongRole):
        verify(issue(claims(), keyring), keyring, START, role="office")


def test_a_join_token_is_not_a_resume_token(keyring: Keyring) -> None:
    with pytest.raises(TokenMalformed):
        verify(issue(claims(), keyring), keyring, START, role="booth", kind="resume")


def test_a_token_signed_by_another_key_is_refused(keyring: Keyring) -> None:
    stranger = Keyring("k1", {"k1": Ed25519PrivateKey.generate()})
    with pytest.raises(TokenBadSignature):
        verify(issue(claims(), stranger), keyring, START, role="booth")


def test_changed_claims_break_the_signature(keyring: Keyring) -> None:
    prefix, key_id, body, signature = issue(claims(), keyring).split(".")
    raw = json.loads(base64.urlsafe_b64decode(body + "=="))
    raw["room"] = "room-2"
    forged = base64.urlsafe_b64encode(json.dumps(raw).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenBadSignature):
        verify(f"{prefix}.{key_id}.{forged}.{signature}", keyring, START, role="booth")


def test_no_other_algorithm_or_unsigned_form_is_accepted(keyring: Keyring) -> None:
    _, key_id, body, _signature = issue(claims(), keyring).split(".")
    for token in (f"mj1.{key_id}.{body}.", f"none.{key_id}.{body}.x", f"mj1.{key_id}.{body}"):
        with pytest.raises((TokenBadSignature, TokenMalformed)):
            verify(token, keyring, START, role="booth")


def test_rotated_keys_keep_old_tokens_valid_until_the_old_key_is_dropped(
    keyring: Keyring,
) -> None:
    old_token = issue(claims(), keyring)
    rotated = Keyring("k2", {**keyring.private_keys, "k2": Ed25519PrivateKey.generate()})
    assert issue(claims(), rotated).split(".")[1] == "k2"
    verify(old_token, rotated, START, role="booth")
    retired = Keyring("k2", {"k2": rotated.private_keys["k2"]})
    with pytest.raises(TokenBadSignature):
        verify(old_token, retired, START, role="booth")


@given(st.text(max_size=300))
def test_any_text_is_refused_with_a_token_error(text: str) -> None:
    ring = Keyring("k1", {"k1": Ed25519PrivateKey.from_private_bytes(bytes(32))})
    with pytest.raises(TokenError):
        verify(text, ring, START, role="booth")


@given(st.integers(0, 200), st.binary(min_size=1, max_size=4))
def test_any_corruption_of_a_genuine_token_is_refused(position: int, noise: bytes) -> None:
    ring = Keyring("k1", {"k1": Ed25519PrivateKey.from_private_bytes(bytes(32))})
    token = issue(claims(), ring)
    position %= len(token)
    corrupted = token[:position] + noise.hex() + token[position + 1 :]
    if corrupted == token:
        return
    with pytest.raises(TokenError):
        verify(corrupted, ring, START, role="booth")


def test_a_genuine_token_for_another_audience_is_refused(keyring: Keyring) -> None:
    """Signed by our own key, but minted for something else: never a signalling pass."""
    token = issue(claims(audience="majlis-api"), keyring)
    with pytest.raises(TokenMalformed):
        verify(token, keyring, START, role="booth")
