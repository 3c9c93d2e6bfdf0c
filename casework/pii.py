"""Personal data at rest: AES-256-GCM ciphertext with a key id, and keyed blind indexes.

A stored value is ``pii1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``; the field's name
is the associated data, so a ciphertext moved to another column does not decrypt. Lookups by
national ID or phone use ``HMAC-SHA256(index key, normalised value)`` instead of the value.
The keys live outside the database (``<data dir>/keys/``, 0600); ``rotate`` re-encrypts every
row under a new key while the old one still decrypts what has not been done yet.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from certs.files import PRIVATE_MODE, write_file_atomically

PREFIX = "pii1"
KEY_BYTES = 32
NONCE_BYTES = 12
RELOAD_EVERY_S = 2.0  # a key added by `majlis keys rotate` is in use this soon


class UnreadableData(Exception):
    """A stored value that no key we hold can decrypt (wrong key, tampered, truncated)."""


@dataclass(frozen=True)
class PiiKeys:
    current: str
    keys: dict[str, bytes]
    index_key: bytes


class PiiCipher:
    """``loader`` (re)reads the keys: a running server picks up a rotated key by itself."""

    def __init__(self, loader: Callable[[], PiiKeys]) -> None:
        self._loader = loader
        self._loaded_at = 0.0
        self._keys = loader()
        self._aead = {kid: AESGCM(key) for kid, key in self._keys.keys.items()}
        self._loaded_at = time.monotonic()

    @classmethod
    def fixed(cls, keys: PiiKeys) -> PiiCipher:
        return cls(lambda: keys)

    def _reload(self, force: bool = False) -> None:
        if force or time.monotonic() - self._loaded_at > RELOAD_EVERY_S:
            self._keys = self._loader()
            self._aead = {kid: AESGCM(key) for kid, key in self._keys.keys.items()}
            self._loaded_at = time.monotonic()

    @property
    def current_key_id(self) -> str:
        self._reload()
        return self._keys.current

    def encrypt(self, value: str, field: str) -> str:
        self._reload()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._keys.current].encrypt(nonce, value.encode(), field.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{PREFIX}.{self._keys.current}.{body}"

    def decrypt(self, stored: str, field: str) -> str:
        try:
            prefix, key_id, body = stored.split(".", 2)
            if prefix == PREFIX and key_id not in self._aead:
                self._reload(force=True)  # written under a key added since we loaded
            aead = self._aead[key_id] if prefix == PREFIX else None
            if aead is None:
                raise KeyError(prefix)
            raw = base64.urlsafe_b64decode(body)
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()
        except (ValueError, KeyError, InvalidTag, UnicodeDecodeError):
            raise UnreadableData(f"{field} cannot be decrypted") from None

    def key_id_of(self, stored: str) -> str:
        return stored.split(".", 2)[1]

    def blind_index(self, value: str, field: str) -> str:
        return hmac.new(
            self._keys.index_key, f"{field}\x00{value}".encode(), hashlib.sha256
        ).hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    write_file_atomically(path, data, PRIVATE_MODE)


def load_pii_keys(keys_dir: Path) -> PiiKeys:
    """The data keys (``data-<id>.key``; the newest encrypts) and the index key, created on
    first use."""
    index_path = keys_dir / "index.key"
    if not index_path.exists():
        _write_private(index_path, secrets.token_bytes(KEY_BYTES))
    found = sorted(keys_dir.glob("data-*.key"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    if not found:
        add_data_key(keys_dir)
        found = sorted(keys_dir.glob("data-*.key"))
    keys = {p.stem.removeprefix("data-"): p.read_bytes() for p in found}
    if any(len(key) != KEY_BYTES for key in keys.values()):
        raise ValueError(f"a data key in {keys_dir} is not {KEY_BYTES} bytes")
    current = found[-1].stem.removeprefix("data-")
    return PiiKeys(current, keys, index_path.read_bytes())


def add_data_key(keys_dir: Path) -> str:
    key_id = secrets.token_hex(4)
    _write_private(keys_dir / f"data-{key_id}.key", secrets.token_bytes(KEY_BYTES))
    return key_id
