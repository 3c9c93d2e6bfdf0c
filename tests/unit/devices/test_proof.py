"""``devices.proof``: a device key from a JWK's coordinates, and the nonces a device's proofs
used, remembered until their proofs are too old and bounded per device."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from yarl import URL

from devices.errors import InvalidDeviceKey, ProofInvalid, ProofRequired
from devices.proof import MAX_PROOFS_REMEMBERED, DeviceKey, DeviceProofs, read_proof
from tests.device_keys import DeviceKeyPair

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
TARGET = URL("/api/device")


def _key_of(pair: DeviceKeyPair) -> DeviceKey:
    jwk = pair.public_jwk()
    return DeviceKey.from_jwk(jwk["x"], jwk["y"])


def test_a_point_off_the_curve_or_of_the_wrong_size_is_no_device_key() -> None:
    jwk = DeviceKeyPair().public_jwk()
    with pytest.raises(InvalidDeviceKey):
        DeviceKey.from_jwk(jwk["x"], jwk["x"])  # (x, x) is not on P-256
    with pytest.raises(InvalidDeviceKey):
        DeviceKey.from_jwk(jwk["x"][:-2], jwk["y"])
    assert len(DeviceKey.from_jwk(jwk["x"], jwk["y"]).spki) <= 128  # fits its column


def test_a_payload_that_nests_is_refused_before_it_is_parsed() -> None:
    pair = DeviceKeyPair()
    proof = pair.proof("GET", "/api/device", NOW, htu=[[["/api/device"]]])
    with pytest.raises(ProofInvalid, match="flat"):
        read_proof(proof, _key_of(pair))


def test_each_nonce_is_accepted_once_per_device() -> None:
    pair, proofs = DeviceKeyPair(), DeviceProofs()
    key = _key_of(pair)
    proof = pair.proof("GET", "/api/device", NOW)
    proofs.check("booth", key, proof, "GET", TARGET, NOW)
    with pytest.raises(ProofInvalid, match="used before"):
        proofs.check("booth", key, proof, "GET", TARGET, NOW + timedelta(seconds=30))
    proofs.check("other-booth", key, proof, "GET", TARGET, NOW)  # another device's memory


def test_a_flood_of_proofs_is_refused_until_they_are_too_old_to_remember() -> None:
    pair, proofs = DeviceKeyPair(), DeviceProofs()
    key = _key_of(pair)
    for _ in range(MAX_PROOFS_REMEMBERED):
        proofs.check("booth", key, pair.proof("GET", "/api/device", NOW), "GET", TARGET, NOW)
    with pytest.raises(ProofInvalid, match="too many"):  # refused, not a nonce forgotten
        proofs.check("booth", key, pair.proof("GET", "/api/device", NOW), "GET", TARGET, NOW)
    later = NOW + timedelta(minutes=3)
    proofs.check("booth", key, pair.proof("GET", "/api/device", later), "GET", TARGET, later)


def test_no_proof_or_no_key_is_a_proof_required() -> None:
    pair = DeviceKeyPair()
    with pytest.raises(ProofRequired):
        DeviceProofs().check("booth", _key_of(pair), None, "GET", TARGET, NOW)
    with pytest.raises(ProofRequired, match="enroll"):
        DeviceProofs().check(
            "booth", None, pair.proof("GET", "/api/device", NOW), "GET", TARGET, NOW
        )


def test_the_target_is_compared_decoded() -> None:
    pair = DeviceKeyPair()
    proof = pair.proof("GET", "/api/queue?day_start=2026-12-06T00:00:00%2B03:00", NOW)
    wire = URL("/api/queue?day_start=2026-12-06T00%3A00%3A00%2B03%3A00", encoded=True)
    DeviceProofs().check("office-1", _key_of(pair), proof, "GET", wire, NOW)
