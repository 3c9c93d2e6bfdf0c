"""The development capture of forwarded video (media/capture.py): RTP packets of VP8 frames
in, the frames out as an IVF file a decoder reads back into the pictures that went in."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from aiortc.codecs.vpx import VpxPayloadDescriptor

from media.bench.pattern import EncodedFrame
from media.capture import ForwardedVideoCapture, capture_path
from tests.conftest import face_picture
from tests.vp8_capture import decode_capture, likeness

PAYLOAD_BYTES = 300


def packets(frame: bytes, timestamp: int, first_sequence: int) -> list[bytes]:
    """One VP8 frame as RTP packets (RFC 7741 descriptors, the marker on the last)."""
    chunks = [frame[i : i + PAYLOAD_BYTES] for i in range(0, len(frame), PAYLOAD_BYTES)]
    out = []
    for index, chunk in enumerate(chunks):
        descriptor = VpxPayloadDescriptor(partition_start=int(index == 0), partition_id=0)
        marker = 0x80 if index == len(chunks) - 1 else 0
        header = struct.pack("!BBHII", 0x80, marker | 96, first_sequence + index, timestamp, 1)
        out.append(header + bytes(descriptor) + chunk)
    return out


def test_forwarded_frames_are_written_whole_and_decode_to_the_pictures_sent(
    tmp_path: Path, face_video: list[EncodedFrame]
) -> None:
    path = capture_path(tmp_path / "capture", "room/1")
    assert path == tmp_path / "capture" / "room_1.ivf"
    capture = ForwardedVideoCapture(path)
    sequence = 0
    for index, frame in enumerate(face_video):
        for packet in packets(frame.data, index * 3000, sequence):
            capture.packet(packet)
            sequence += 1
    capture.packet(b"\x80")  # not RTP: ignored
    capture.close()

    assert capture.frames == len(face_video)
    decoded = decode_capture(path)
    assert (decoded.frames, decoded.refused) == (len(face_video), 0)
    assert len(decoded.pictures) == len(face_video)
    face = face_picture()
    for index, picture in enumerate(decoded.pictures):  # the fixture's face moves 3 px a frame
        assert likeness(picture, np.roll(face, 3 * index, axis=1)) > 0.95, index


def test_a_frame_whose_first_packet_was_not_forwarded_is_left_out(
    tmp_path: Path, face_video: list[EncodedFrame]
) -> None:
    capture = ForwardedVideoCapture(tmp_path / "room.ivf")
    first, second = (
        packets(frame.data, i * 3000, i * 100) for i, frame in enumerate(face_video[:2])
    )
    for packet in first + second[1:]:
        capture.packet(packet)
    capture.close()
    assert capture.frames == 1
