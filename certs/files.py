"""Writing key and certificate files safely: atomic replace, private keys readable by owner only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_MODE = 0o600
PUBLIC_MODE = 0o644


def write_file_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` so a reader never sees a half-written file.

    The temporary file is created readable by its owner only, so a private key is never
    readable by others, not even for a moment; it gets ``mode`` before it takes the name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own (mkstemp: 0600, O_EXCL): two processes writing the same file at once
    # (the server and a `majlis` command both signing the audit checkpoint) must not replace
    # or remove each other's temporary file.
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # mkstemp made it 0600
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
