"""The development capture of forwarded video (media/capture.py): RTP packets of VP8 frames
in, the frames out as an IVF file a decoder reads back into the pictures that went in."""

from __future__ import annotations

import struct
from pathlib import Path

import av
import numpy as np
from aiortc.codecs.vpx import VpxPayloadDescriptor

from media.bench.pattern import EncodedFrame
from media.bench.sealing import FrameSealer, clear_length
from media.capture import ForwardedVideoCapture, capture_path
from tests.conftest import face_picture
from tests.vp8_capture import NOT_THE_FACE, THE_FACE, decode_capture, likeness

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


def test_a_sealed_keyframe_a_decoder_takes_is_noise_nothing_like_her_face(
    face_video: list[EncodedFrame],
) -> None:
    """What the server forwards of an encrypted audience (media/bench/sealing.py is the browsers'
    frame format): its 10 clear bytes make a VP8 decoder take some sealed keyframes, and what it
    makes of them must stay below NOT_THE_FACE, the bound tests/browser/test_e2ee.py holds to."""
    keyframe = face_video[0].data
    assert clear_length("video", keyframe) == 10
    face = face_picture()
    (clear_picture,) = av.CodecContext.create("vp8", "r").decode(av.Packet(keyframe))
    assert likeness(clear_picture.to_ndarray(format="gray"), face) > THE_FACE  # the control

    sealer = FrameSealer(bytes(range(32)), 7, "booth")  # a new IV, so a new payload, each time
    looks = []
    for _ in range(1_000):
        decoder = av.CodecContext.create("vp8", "r")
        try:
            pictures = decoder.decode(av.Packet(sealer.seal("video", keyframe)))
        except av.FFmpegError:
            continue
        looks += [likeness(picture.to_ndarray(format="gray"), face) for picture in pictures]
    assert len(looks) > 100  # the decoder does take some: this is what it makes of them
    assert max(looks) < NOT_THE_FACE, sorted(looks)[-5:]
