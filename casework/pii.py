"""Personal data at rest: AES-256-GCM ciphertext with a key id, and keyed blind indexes.

A stored value is ``pii2.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`` whose associated data
names where it lives: table, column and row key. A ciphertext copied to another row or another
column therefore does not decrypt (``UnreadableData``). Values written before row binding
(``pii1``, with the field's name as associated data) and notes written before notes were
encrypted (plain text) are still read; ``majlis keys rotate`` (``casework.rekey``) rewrites both
as ``pii2``. Lookups by national ID or phone use ``HMAC-SHA256(index key, normalised value)``
instead of the value. The keys live outside the database (``<data dir>/keys/``, 0600); a
rotation re-encrypts every row under a new key while the old one still decrypts what has not
been done yet.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.errors import CaseworkError
from certs.files import PRIVATE_MODE, write_file_atomically

log = logging.getLogger(__name__)

PREFIX = "pii2"  # bound to table, column and row
LEGACY_PREFIX = "pii1"  # bound to a field name only (before migration 0007)
KEY_BYTES = 32
NONCE_BYTES = 12
RELOAD_EVERY_S = 2.0  # a key added by `majlis keys rotate` is in use this soon
DATA_KEY_FILES = "data-*.key"


class UnreadableData(CaseworkError):
    """A stored value that no key we hold can decrypt for this place: wrong key, tampered,
    truncated, or copied from another row or column."""

    code = "unreadable_data"
    message_key = "errors.desk.unreadable_data"


@dataclass(frozen=True)
class SealedColumn:
    """Where ciphertexts live. ``legacy_field`` is the associated data ``pii1`` values of this
    column were written with; ``optional`` columns (notes, replies) may hold "" (no note), and
    plain text written before they were encrypted, which is read as it is until re-encrypted."""

    table: str
    column: str
    legacy_field: str | None = None
    optional: bool = False


RowKey = int | tuple[int, ...]


def associated_data(where: SealedColumn, row: RowKey) -> bytes:
    keys = row if isinstance(row, tuple) else (row,)
    return "\x1f".join((where.table, where.column, *map(str, keys))).encode()


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

    def seal(self, value: str, where: SealedColumn, row: RowKey) -> str:
        """``value`` encrypted for one place: this table's column on this row."""
        self._reload()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._keys.current].encrypt(
            nonce, value.encode(), associated_data(where, row)
        )
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{PREFIX}.{self._keys.current}.{body}"

    def unseal(self, stored: str, where: SealedColumn, row: RowKey) -> str:
        """The value stored at this place; ``UnreadableData`` if it was not sealed for it."""
        prefix = stored.split(".", 1)[0]
        if prefix == PREFIX:
            return self._decrypt(stored, associated_data(where, row), where, row)
        if prefix == LEGACY_PREFIX and where.legacy_field is not None:
            return self._decrypt(stored, where.legacy_field.encode(), where, row)
        if where.optional and not stored.startswith((f"{PREFIX}.", f"{LEGACY_PREFIX}.")):
            return stored  # "" (no note) or a note written before notes were encrypted
        raise self._unreadable(where, row)

    def is_current(self, stored: str) -> bool:
        """Sealed row-bound under the current key (nothing for a rotation to do)."""
        return stored.startswith(f"{PREFIX}.{self.current_key_id}.")

    def _decrypt(self, stored: str, aad: bytes, where: SealedColumn, row: RowKey) -> str:
        try:
            _, key_id, body = stored.split(".", 2)
            if key_id not in self._aead:
                self._reload(force=True)  # written under a key added since we loaded
            raw = base64.urlsafe_b64decode(body)
            return self._aead[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode()
        except (ValueError, KeyError, InvalidTag, UnicodeDecodeError):
            raise self._unreadable(where, row) from None

    @staticmethod
    def _unreadable(where: SealedColumn, row: RowKey) -> UnreadableData:
        # Names the place, never the content: tampering or a lost key is an operator's matter.
        log.warning("unreadable ciphertext in %s.%s row %s", where.table, where.column, row)
        return UnreadableData(f"{where.table}.{where.column} cannot be decrypted")

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
    found = sorted(keys_dir.glob(DATA_KEY_FILES), key=lambda p: (p.stat().st_mtime_ns, p.name))
    if not found:
        add_data_key(keys_dir)
        found = sorted(keys_dir.glob(DATA_KEY_FILES))
    keys = {p.stem.removeprefix("data-"): p.read_bytes() for p in found}
    if any(len(key) != KEY_BYTES for key in keys.values()):
        raise ValueError(f"a data key in {keys_dir} is not {KEY_BYTES} bytes")
    current = found[-1].stem.removeprefix("data-")
    return PiiKeys(current, keys, index_path.read_bytes())


def data_key_ids(keys_dir: Path) -> list[str]:
    """The ids of the data keys held (no key is read or made)."""
    return sorted(p.stem.removeprefix("data-") for p in keys_dir.glob(DATA_KEY_FILES))


def add_data_key(keys_dir: Path) -> str:
    key_id = secrets.token_hex(4)
    _write_private(keys_dir / f"data-{key_id}.key", secrets.token_bytes(KEY_BYTES))
    return key_id
