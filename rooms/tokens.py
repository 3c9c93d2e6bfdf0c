"""Join and resume tokens: Ed25519-signed claims bound to a room, a role, a device and the
slot's time window. Pure functions (the clock is an argument); key files live in certs/.

Wire form: ``mj1.<key id>.<claims, base64url JSON>.<signature, base64url>``, the signature
covering everything before the last dot. There is one algorithm and it is implied by the
``mj1`` prefix, so no header can ask for ``none`` or another key type.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from rooms.errors import (
    TokenBadSignature,
    TokenExpired,
    TokenMalformed,
    TokenNotYetValid,
    TokenWrongRole,
    TokenWrongRoom,
)

PREFIX = "mj1"
AUDIENCE = "majlis-signaling"
MAX_TOKEN_CHARS = 1024
# join and resume: a seat's, for Socket.IO only; terminal: a dev terminal's (MAJLIS_DEV only)
TokenKind = Literal["join", "resume", "terminal"]
Role = Literal["booth", "office", "desk"]


@dataclass(frozen=True)
class TokenClaims:
    room: str
    role: str
    device: str
    not_before: int  # Unix seconds
    expires: int
    token_id: str
    kind: str = "join"
    audience: str = AUDIENCE


@dataclass(frozen=True)
class Keyring:
    """The key that signs new tokens, and every key whose tokens are still accepted."""

    signing_key_id: str
    private_keys: dict[str, Ed25519PrivateKey]

    def public_key(self, key_id: str) -> Ed25519PublicKey | None:
        private = self.private_keys.get(key_id)
        return private.public_key() if private is not None else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_token_id() -> str:
    return secrets.token_urlsafe(16)


def window_claims(
    room: str,
    role: str,
    device: str,
    slot_start: datetime,
    slot_end: datetime,
    open_before: timedelta,
    grace: timedelta,
    kind: TokenKind = "join",
) -> TokenClaims:
    """Claims valid from the room's opening (slot start − open_before) to slot end + grace."""
    return TokenClaims(
        room=room,
        role=role,
        device=device,
        not_before=int((slot_start - open_before).timestamp()),
        expires=int((slot_end + grace).timestamp()),
        token_id=new_token_id(),
        kind=kind,
    )


def issue(claims: TokenClaims, keyring: Keyring) -> str:
    key_id = keyring.signing_key_id
    body = _b64(json.dumps(asdict(claims), separators=(",", ":"), sort_keys=True).encode())
    signed = f"{PREFIX}.{key_id}.{body}"
    signature = keyring.private_keys[key_id].sign(signed.encode("ascii"))
    return f"{signed}.{_b64(signature)}"


def verify(
    token: str,
    keyring: Keyring,
    now: datetime,
    *,
    role: str,
    room: str | None = None,
    kind: TokenKind | None = None,
) -> TokenClaims:
    """The token's claims if it is genuine, current, and for this role (and room, and kind).

    Single use of join tokens is the caller's business (it needs storage): see
    ``rooms.service``."""
    claims = _authentic_claims(token, keyring)
    moment = int(now.timestamp())
    if claims.audience != AUDIENCE:
        raise TokenMalformed("not a signalling token")
    if kind is not None and claims.kind != kind:
        raise TokenMalformed(f"a {claims.kind} token where a {kind} token is needed")
    if claims.role != role:
        raise TokenWrongRole(f"a {claims.role} token on the {role} side")
    if room is not None and claims.room != room:
        raise TokenWrongRoom("the token is for another room")
    if moment < claims.not_before:
        raise TokenNotYetValid("the room is not open yet")
    if moment >= claims.expires:
        raise TokenExpired("the token has expired")
    return claims


def _authentic_claims(token: str, keyring: Keyring) -> TokenClaims:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise TokenMalformed("not a token")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise TokenMalformed("not a token")
    _, key_id, body, signature_text = parts
    public_key = keyring.public_key(key_id)
    if public_key is None:
        raise TokenBadSignature("unknown key")
    try:
        signature = _unb64(signature_text)
        public_key.verify(signature, f"{PREFIX}.{key_id}.{body}".encode("ascii"))
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError):
        raise TokenBadSignature("signature does not match") from None
    try:
        raw = json.loads(_unb64(body))
        claims = TokenClaims(**raw)
    except (ValueError, TypeError, binascii.Error):
        raise TokenMalformed("unreadable claims") from None
    if not all(isinstance(v, str) for v in (claims.room, claims.role, claims.device)):
        raise TokenMalformed("unreadable claims")
    if not all(isinstance(v, int) for v in (claims.not_before, claims.expires)):
        raise TokenMalformed("unreadable claims")
    return claims
