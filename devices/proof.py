"""Proof that a device's call comes from the device itself, not from whoever copied its
credential string: a DPoP-style proof of possession of the device's key.

At enrollment the device's browser makes a non-extractable ECDSA P-256 key pair (WebCrypto,
kept in IndexedDB) and sends the public key (JWK) with its one-time code; the server keeps it
with the credential (``DeviceKey``, SPKI DER). Every call then carries, next to the credential,
a proof in the ``Majlis-Proof`` header: ``base64url(payload) "." base64url(signature)``, the
payload the JSON object ``{htm, htu, iat, jti}`` — the call's method, its path and query, the
time it was made (Unix seconds) and a random nonce — and the signature WebCrypto's ECDSA with
SHA-256 over the ASCII of the first part, raw ``r‖s`` (64 bytes).

``DeviceProofs.check`` accepts a proof signed by the device's key, for this very method and
target, made within ``PROOF_WINDOW`` of the server's clock, whose nonce the device has not used
before; anything else is ``proof_required`` (none sent, or a credential without a key) or
``proof_invalid``. Nonces are remembered per device until their proof is too old to be
accepted anyway; a device that sends more than ``MAX_PROOFS_REMEMBERED`` proofs in that time
is refused rather than forgotten, so no nonce can be replayed by flooding the memory.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from yarl import URL

from devices.errors import InvalidDeviceKey, ProofInvalid, ProofRequired

PROOF_HEADER = "Majlis-Proof"
PROOF_WINDOW = timedelta(seconds=60)  # either side of the server's clock
MAX_PROOFS_REMEMBERED = 1024  # per device, within twice the window
MAX_PAYLOAD_CHARS = 1024  # base64url; a real payload is about 150
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_COORDINATE_BYTES = 32  # P-256
_SIGNATURE_BYTES = 2 * _COORDINATE_BYTES
_PROOF_FIELDS = frozenset({"htm", "htu", "iat", "jti"})


def _unbase64url(text: str) -> bytes:
    if _BASE64URL.fullmatch(text) is None:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class DeviceKey:
    """A device's public key as the server keeps it: SPKI DER in base64url."""

    spki: str

    @classmethod
    def from_jwk(cls, x: str, y: str) -> DeviceKey:
        """The P-256 point of a JWK's coordinates; ``InvalidDeviceKey`` unless it is one."""
        try:
            xy = [_unbase64url(c) for c in (x, y)]
            if any(len(c) != _COORDINATE_BYTES for c in xy):
                raise ValueError("a P-256 coordinate is 32 bytes")
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(xy[0]), int.from_bytes(xy[1]), ec.SECP256R1()
            )
            key = numbers.public_key()  # ValueError: not a point of the curve
        except (ValueError, binascii.Error):
            raise InvalidDeviceKey("not a P-256 public key") from None
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(base64.urlsafe_b64encode(der).decode().rstrip("="))

    def jwk(self) -> dict[str, str]:
        """The key as WebCrypto imports it (the JWK's EC fields)."""
        key = serialization.load_der_public_key(_unbase64url(self.spki))
        assert isinstance(key, ec.EllipticCurvePublicKey)  # only P-256 keys are stored
        numbers = key.public_numbers()
        x, y = (
            base64.urlsafe_b64encode(n.to_bytes(_COORDINATE_BYTES)).decode().rstrip("=")
            for n in (numbers.x, numbers.y)
        )
        return {"kty": "EC", "crv": "P-256", "x": x, "y": y}

    def point(self) -> bytes:
        """The key as WebCrypto's "raw" export: the uncompressed point, 0x04 ‖ x ‖ y."""
        key = serialization.load_der_public_key(_unbase64url(self.spki))
        assert isinstance(key, ec.EllipticCurvePublicKey)  # only P-256 keys are stored
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def signed(self, message: bytes, raw_signature: bytes) -> bool:
        """Whether ``raw_signature`` (WebCrypto's ``r‖s``) signs ``message`` with this key."""
        if len(raw_signature) != _SIGNATURE_BYTES:
            return False
        key = serialization.load_der_public_key(_unbase64url(self.spki))
        assert isinstance(key, ec.EllipticCurvePublicKey)  # only P-256 keys are stored
        r = int.from_bytes(raw_signature[:_COORDINATE_BYTES])
        s = int.from_bytes(raw_signature[_COORDINATE_BYTES:])
        try:
            key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class ProofClaims:
    htm: str  # the HTTP method, or CONNECT for a Socket.IO connect
    htu: str  # the path and query
    iat: int  # Unix seconds
    jti: str  # a nonce, used once


def read_proof(token: str, key: DeviceKey) -> ProofClaims:
    """The claims of a proof signed by ``key``; ``ProofInvalid`` for anything else."""
    encoded, _, signature = token.partition(".")
    try:
        if len(encoded) > MAX_PAYLOAD_CHARS or not key.signed(
            encoded.encode("ascii"), _unbase64url(signature)
        ):
            raise ProofInvalid("the proof is not signed by the device's key")
        payload = _unbase64url(encoded)
    except (ValueError, binascii.Error):
        raise ProofInvalid("the proof is not base64url") from None
    if payload.count(b"{") + payload.count(b"[") > 1:  # one flat object: nothing to recurse
        raise ProofInvalid("the proof's payload is not a flat object")
    try:
        claims = json.loads(payload)
    except ValueError:
        raise ProofInvalid("the proof's payload is not JSON") from None
    if not isinstance(claims, dict) or set(claims) != _PROOF_FIELDS:
        raise ProofInvalid("the proof's payload is htm, htu, iat and jti")
    htm, htu, iat, jti = (claims[name] for name in ("htm", "htu", "iat", "jti"))
    if not (
        isinstance(htm, str)
        and isinstance(htu, str)
        and type(iat) is int
        and isinstance(jti, str)
        and 16 <= len(jti) <= 64
    ):
        raise ProofInvalid("the proof's claims have the wrong types")
    return ProofClaims(htm, htu, iat, jti)


def same_target(htu: str, target: URL) -> bool:
    """Whether a proof's ``htu`` names ``target`` (path and query, compared decoded: a
    browser and a server may percent-encode the same characters differently)."""
    try:
        named = URL(htu)
    except (ValueError, TypeError):
        return False
    return not named.absolute and named.path == target.path and named.query == target.query


@dataclass
class DeviceProofs:
    """Checks proofs and remembers each device's recent nonces (in memory: a restart forgets
    them, and a proof older than the window is refused anyway)."""

    _nonces: dict[str, dict[str, datetime]] = field(default_factory=dict)

    def check(
        self,
        device: str,
        key: DeviceKey | None,
        proof: str | None,
        method: str,
        target: URL,
        now: datetime,
    ) -> None:
        """Accept a fresh proof of ``key`` for ``method`` on ``target``, once."""
        if not proof:
            raise ProofRequired("sign the call with the device's key")
        if key is None:  # enrolled before device keys: the device enrolls again
            raise ProofRequired("this credential has no device key: enroll the device again")
        claims = read_proof(proof, key)
        # In whole seconds, as ints: an iat of any size cannot overflow a float or a datetime.
        if abs(claims.iat - int(now.timestamp())) > PROOF_WINDOW.total_seconds():
            raise ProofInvalid("the proof was not made now")
        if claims.htm != method or not same_target(claims.htu, target):
            raise ProofInvalid("the proof is for another call")
        self._remember(device, claims.jti, now + 2 * PROOF_WINDOW, now)

    def _remember(self, device: str, nonce: str, forget_at: datetime, now: datetime) -> None:
        seen = {n: t for n, t in self._nonces.get(device, {}).items() if t >= now}
        if nonce in seen:
            raise ProofInvalid("the proof was used before")
        if len(seen) >= MAX_PROOFS_REMEMBERED:
            raise ProofInvalid("too many proofs: slow down")
        seen[nonce] = forget_at
        self._nonces[device] = seen
