"""``majlis keys export``: every secret of the data directory in one file sealed with a
passphrase, kept apart from the database backups.

The secrets are the files of the keys directory (personal-data, index and tracking-number
keys), of the certificates directory (the local CA, the server certificate, the token-signing
keys) and the audit checkpoint's signing key: derived from those directories, not listed by
name, so a key file added there later is exported too. The file is JSON: a header naming the
KDF (scrypt, memory-hard) and its salt, and AES-256-GCM over the files with the header as
associated data, so a changed header fails like a wrong passphrase.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from audit.log import Checkpoint
from certs.files import write_file_atomically

FORMAT = "majlis-keys/1"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1  # 128 MiB, about half a second: per guess too
SALT_BYTES, NONCE_BYTES, KEY_BYTES = 16, 12, 32


class KeysFileError(Exception):
    """The keys file cannot be used; the message is one line for the operator."""


@dataclass(frozen=True)
class SecretFile:
    relative: str  # path under the data directory, with "/"
    mode: int
    mtime_ns: int  # kept: the newest data key and token-signing key are the ones in use
    data: bytes


@dataclass(frozen=True)
class KeyBundle:
    files: tuple[SecretFile, ...]

    def names(self) -> list[str]:
        return [secret.relative for secret in self.files]


def collect(data_dir: Path, directories: tuple[Path, ...], checkpoint: Checkpoint) -> KeyBundle:
    """The secret files now in ``directories`` and the checkpoint's signing key (the signed
    head itself is no secret: a backup carries its own)."""
    signing_key, signed_head = checkpoint.files
    paths = {p for d in directories if d.is_dir() for p in d.iterdir() if p.is_file()}
    paths.discard(signed_head)
    if signing_key.is_file():
        paths.add(signing_key)
    return KeyBundle(
        tuple(
            SecretFile(
                path.relative_to(data_dir).as_posix(),
                stat.S_IMODE(path.stat().st_mode),
                path.stat().st_mtime_ns,
                path.read_bytes(),
            )
            for path in sorted(paths)
            if not path.name.startswith(".")  # an interrupted atomic write's temporary file
        )
    )


def seal(bundle: KeyBundle, passphrase: str) -> bytes:
    kdf = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    kdf["salt"] = _b64(os.urandom(SALT_BYTES))
    nonce = os.urandom(NONCE_BYTES)
    header: dict[str, Any] = {"format": FORMAT, "kdf": kdf, "nonce": _b64(nonce)}
    files = [
        {"path": f.relative, "mode": f.mode, "mtime_ns": f.mtime_ns, "data": _b64(f.data)}
        for f in bundle.files
    ]
    plain = json.dumps({"files": files}).encode()
    sealed = AESGCM(_derive(passphrase, kdf)).encrypt(nonce, plain, _canonical(header))
    return json.dumps({**header, "sealed": _b64(sealed)}, indent=1).encode()


def unseal(data: bytes, passphrase: str) -> KeyBundle:
    try:
        document = json.loads(data)
        header = {name: document[name] for name in ("format", "kdf", "nonce")}
        sealed = _unb64(document["sealed"])
    except (ValueError, KeyError, TypeError):
        raise KeysFileError("this is not a Majlis keys file (from `majlis keys export`)") from None
    if header["format"] != FORMAT:
        raise KeysFileError(f"unknown keys file format {header['format']!r} (expected {FORMAT})")
    try:
        key = _derive(passphrase, header["kdf"])
        plain = AESGCM(key).decrypt(_unb64(header["nonce"]), sealed, _canonical(header))
        files = json.loads(plain)["files"]
        return KeyBundle(
            tuple(
                SecretFile(f["path"], int(f["mode"]), int(f["mtime_ns"]), _unb64(f["data"]))
                for f in files
            )
        )
    except InvalidTag:
        raise KeysFileError(
            "cannot open the keys file: wrong passphrase, or the file was changed"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise KeysFileError("the keys file is damaged") from None


def install(bundle: KeyBundle, data_dir: Path) -> None:
    """Write every file under ``data_dir`` with its exported permissions and time (never a
    path that leaves the directory)."""
    root = data_dir.resolve()
    for secret in bundle.files:
        path = (root / secret.relative).resolve()
        if not path.is_relative_to(root) or path == root:
            raise KeysFileError(f"the keys file names a path outside: {secret.relative}")
        write_file_atomically(path, secret.data, secret.mode & 0o644)
        os.utime(path, ns=(secret.mtime_ns, secret.mtime_ns))


def _derive(passphrase: str, kdf: dict[str, Any]) -> bytes:
    if kdf.get("name") != "scrypt" or not 2**14 <= kdf.get("n", 0) <= 2**20:
        raise KeysFileError(f"unknown key derivation {kdf.get('name')!r}")
    return Scrypt(
        salt=_unb64(kdf["salt"]), length=KEY_BYTES, n=kdf["n"], r=kdf["r"], p=kdf["p"]
    ).derive(passphrase.encode())


def _canonical(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
