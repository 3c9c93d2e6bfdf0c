"""Ed25519 keys that sign join tokens: ``token-signing-<key id>.pem`` files (0600) under the
certificates directory. The newest file signs; every file present verifies, so a rotation is:
add a key (``rotate_signing_key``), wait for old tokens to expire, delete the old file.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certs.files import PRIVATE_MODE, write_file_atomically

PREFIX = "token-signing-"


def load_signing_keys(certs_dir: Path) -> tuple[str, dict[str, Ed25519PrivateKey]]:
    """(key id that signs, every key by id); creates the first key when there is none."""
    keys: dict[str, tuple[float, Ed25519PrivateKey]] = {}
    for path in sorted(certs_dir.glob(f"{PREFIX}*.pem")):
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key")
        keys[path.stem.removeprefix(PREFIX)] = (path.stat().st_mtime, key)
    if not keys:
        key_id = rotate_signing_key(certs_dir)
        return load_signing_keys(certs_dir) if key_id else ("", {})
    newest = max(keys, key=lambda kid: (keys[kid][0], kid))
    return newest, {kid: key for kid, (_, key) in keys.items()}


def rotate_signing_key(certs_dir: Path) -> str:
    """Create a new signing key; it signs from now on. Returns its key id."""
    key_id = secrets.token_hex(4)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_file_atomically(certs_dir / f"{PREFIX}{key_id}.pem", pem, PRIVATE_MODE)
    return key_id
