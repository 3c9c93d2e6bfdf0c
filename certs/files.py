"""Writing key and certificate files safely: atomic replace, private keys readable by owner only."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644


def write_file_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` so a reader never sees a half-written file.

    The temporary file is created with ``mode`` from the start, so a private key is never
    readable by others, not even for a moment.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # O_CREAT's mode is masked by umask; make it exact
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
