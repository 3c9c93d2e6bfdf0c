"""Random secrets kept in files under the data directory (0600), created on first use."""

from __future__ import annotations

import secrets
from pathlib import Path

from certs.files import PRIVATE_MODE, write_file_atomically


def load_or_create_secret(path: Path, size: int = 32) -> bytes:
    if path.exists():
        data = path.read_bytes()
        if len(data) < size:
            raise ValueError(f"{path} holds fewer than {size} bytes")
        return data
    data = secrets.token_bytes(size)
    write_file_atomically(path, data, PRIVATE_MODE)
    return data
