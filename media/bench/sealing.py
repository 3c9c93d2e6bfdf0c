"""The browsers' end-to-end frame format (docs/SECURITY.md, "Frame format";
``web_client/shared/e2ee_worker.js``) in Python, for the benchmark's simulated booths and
offices: with ``--e2ee`` the server forwards sealed frames, as it does in a live audience.

    frame = clear header ‖ AES-GCM-256(payload, aad = clear header) ‖ IV (12) ‖ key id (1)

The clear header is what forwarding needs: a VP8 keyframe's first 10 bytes (frame tag, start
code, size), a delta frame's 3 (frame tag), Opus's TOC byte. The IV is sender ‖ kind ‖ 0 0 ‖
a 64-bit frame counter. The key is given (the browsers agree theirs by ECDH; the server does no
part of that beyond relaying two small events, so the benchmark leaves it out).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SENDERS = {"booth": 1, "office": 2}
KINDS = {"audio": 1, "video": 2}
IV_BYTES = 12
TRAILER_BYTES = IV_BYTES + 1  # IV and key id
TAG_BYTES = 16


def clear_length(kind: str, frame: bytes) -> int:
    """Bytes left clear at the start of an encoded frame of ``kind``."""
    if kind == "audio":
        return 1
    keyframe = bool(frame) and not frame[0] & 0x01  # VP8 frame tag: P bit 0 on a keyframe
    return 10 if keyframe else 3


class FrameSealer:
    """Seals one sender's frames under one key, and opens the other end's."""

    def __init__(self, key: bytes, key_id: int, sender: str) -> None:
        if not 1 <= key_id <= 255:
            raise ValueError("key ids 1-255 (0 is a browser's own, shared with nobody)")
        self._aead = AESGCM(key)
        self._key_id = key_id
        self._sender = SENDERS[sender]
        self._counters = dict.fromkeys(KINDS, 0)

    def seal(self, kind: str, frame: bytes) -> bytes:
        clear = min(clear_length(kind, frame), len(frame))
        counter = self._counters[kind]
        self._counters[kind] = counter + 1
        iv = bytes((self._sender, KINDS[kind], 0, 0)) + counter.to_bytes(8, "big")
        header = frame[:clear]
        return header + self._aead.encrypt(iv, frame[clear:], header) + iv + bytes((self._key_id,))

    def open(self, kind: str, sealed: bytes) -> bytes | None:
        """The frame, or None when it was not sealed under this key (or was altered)."""
        if len(sealed) < TAG_BYTES + TRAILER_BYTES or sealed[-1] != self._key_id:
            return None
        end = len(sealed) - TRAILER_BYTES
        clear = min(clear_length(kind, sealed), end - TAG_BYTES)
        header = sealed[:clear]
        try:
            payload = self._aead.decrypt(sealed[end : end + IV_BYTES], sealed[clear:end], header)
        except InvalidTag:
            return None
        return header + payload
