"""A device's key pair as the kiosk's browser makes it at enrollment, for the tests that enroll
or act as a device: its public key (JWK) and a fresh proof for each call."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class DeviceKeyPair:
    """A device's P-256 key pair as the kiosk's browser makes it at enrollment, signing a
    fresh proof for each call as ``web_client/shared/device_key.js`` does (WebCrypto's raw
    ``r‖s`` signature)."""

    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())

    def public_jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _base64url(numbers.x.to_bytes(32)),
            "y": _base64url(numbers.y.to_bytes(32)),
        }

    def sign(self, message: bytes) -> str:
        """WebCrypto's raw ``r‖s`` ECDSA signature over ``message``, base64url."""
        r, s = decode_dss_signature(self.private_key.sign(message, ec.ECDSA(hashes.SHA256())))
        return _base64url(r.to_bytes(32) + s.to_bytes(32))

    def proof(self, method: str, target: str, now: datetime, **overrides: object) -> str:
        """A proof for ``method`` on ``target`` (path and query) made at ``now``; a test
        changes a claim with ``overrides``."""
        claims = {
            "htm": method,
            "htu": target,
            "iat": int(now.timestamp()),
            "jti": secrets.token_urlsafe(16),
            **overrides,
        }
        payload = _base64url(json.dumps(claims).encode())
        return f"{payload}.{self.sign(payload.encode())}"
