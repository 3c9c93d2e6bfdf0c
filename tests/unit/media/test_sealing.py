"""The browsers' end-to-end frame format in Python (media/bench/sealing.py), as the bench
clients seal frames: clear header, AES-GCM, IV and key id trailer."""

from __future__ import annotations

import pytest

from media.bench.sealing import FrameSealer, clear_length

KEY = bytes(range(32))
KEYFRAME = bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01]) + b"picture" * 20
DELTA = bytes([0x31, 0x05, 0x00]) + b"change" * 10
OPUS = bytes([0xFC]) + b"voice" * 12


@pytest.mark.parametrize(
    ("kind", "frame", "clear"), [("video", KEYFRAME, 10), ("video", DELTA, 3), ("audio", OPUS, 1)]
)
def test_a_sealed_frame_keeps_only_its_header_clear_and_opens_at_the_other_end(
    kind: str, frame: bytes, clear: int
) -> None:
    booth, office = FrameSealer(KEY, 7, "booth"), FrameSealer(KEY, 7, "office")
    assert clear_length(kind, frame) == clear
    sealed = booth.seal(kind, frame)
    assert len(sealed) == len(frame) + 16 + 13  # tag, IV and key id
    assert sealed[:clear] == frame[:clear]
    assert frame[clear : clear + 8] not in sealed
    iv = sealed[-13:-1]
    assert iv == bytes([1, 1 if kind == "audio" else 2, 0, 0]) + (0).to_bytes(8, "big")
    assert sealed[-1] == 7
    assert office.open(kind, sealed) == frame
    assert booth.seal(kind, frame)[-13:-1][-8:] == (1).to_bytes(8, "big")  # a counter per frame


def test_a_frame_under_another_key_or_altered_does_not_open() -> None:
    sealed = FrameSealer(KEY, 7, "booth").seal("video", DELTA)
    assert FrameSealer(bytes(32), 7, "office").open("video", sealed) is None
    assert FrameSealer(KEY, 8, "office").open("video", sealed) is None  # another key id
    altered = bytearray(sealed)
    altered[1] ^= 1  # the clear header is authenticated too
    assert FrameSealer(KEY, 7, "office").open("video", bytes(altered)) is None
    assert FrameSealer(KEY, 7, "office").open("video", b"short") is None
    with pytest.raises(ValueError, match="key ids"):
        FrameSealer(KEY, 0, "booth")
