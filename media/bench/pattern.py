"""Pre-encoded test media: a moving VP8 pattern and Opus tones, encoded once and replayed.

Every replayed frame carries a trailer (magic, frame counter, send time) after the codec
data, so a receiver can check order and measure latency without decoding anything.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from numpy.typing import NDArray

TRAILER = struct.Struct("!4sId")
TRAILER_MAGIC = b"MJLS"
VIDEO_CLOCK_RATE = 90_000
AUDIO_CLOCK_RATE = 48_000
AUDIO_FRAME_SAMPLES = 960  # 20 ms


@dataclass(frozen=True)
class EncodedFrame:
    data: bytes
    keyframe: bool


def stamp(data: bytes, counter: int, sent_at: float | None = None) -> bytes:
    return data + TRAILER.pack(TRAILER_MAGIC, counter, time.time() if sent_at is None else sent_at)


def read_stamp(data: bytes | memoryview) -> tuple[int, float] | None:
    """(counter, send time) from a stamped frame, or None for an unstamped one."""
    if len(data) < TRAILER.size:
        return None
    magic, counter, sent_at = TRAILER.unpack_from(data, len(data) - TRAILER.size)
    if magic != TRAILER_MAGIC:
        return None
    return counter, sent_at


def encode_video_pattern(
    width: int = 640,
    height: int = 480,
    frames: int = 60,
    fps: int = 30,
    keyframe_interval: int = 30,
    bitrate: int = 900_000,
) -> list[EncodedFrame]:
    """A moving colour pattern with a checkerboard, so every frame differs from the last."""
    x = np.arange(width, dtype=np.uint16)
    y = np.arange(height, dtype=np.uint16)[:, None]
    images = []
    for index in range(frames):
        image = np.empty((height, width, 3), dtype=np.uint8)
        image[..., 2] = (x + index * 8) % 256
        image[..., 1] = (y + index * 4) % 256
        image[..., 0] = ((x // 40 + y // 40 + index) % 2) * 200
        images.append(image)
    return encode_images(images, fps, keyframe_interval, bitrate)


def encode_images(
    images: list[NDArray[np.uint8]],
    fps: int = 30,
    keyframe_interval: int = 30,
    bitrate: int = 900_000,
) -> list[EncodedFrame]:
    """VP8-encode BGR images (all the same size) once, for replay."""
    height, width = images[0].shape[:2]
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height = width, height
    codec.bit_rate = bitrate
    codec.pix_fmt = "yuv420p"
    codec.framerate = Fraction(fps, 1)
    codec.time_base = Fraction(1, fps)
    codec.gop_size = keyframe_interval
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    encoded: list[EncodedFrame] = []
    for index, image in enumerate(images):
        frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
        frame.pts = index
        frame.pict_type = av.video.frame.PictureType.I if index % keyframe_interval == 0 else 0
        for packet in codec.encode(frame):
            encoded.append(EncodedFrame(bytes(packet), bool(packet.is_keyframe)))
    for packet in codec.encode(None):
        encoded.append(EncodedFrame(bytes(packet), bool(packet.is_keyframe)))
    return encoded


def encode_audio_pattern(frames: int = 50) -> list[EncodedFrame]:
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate = AUDIO_CLOCK_RATE
    codec.layout = "stereo"
    codec.format = "s16"
    codec.bit_rate = 32_000
    codec.time_base = Fraction(1, AUDIO_CLOCK_RATE)
    encoded: list[EncodedFrame] = []
    t = np.arange(AUDIO_FRAME_SAMPLES * frames) / AUDIO_CLOCK_RATE
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    for index in range(frames):
        chunk = tone[index * AUDIO_FRAME_SAMPLES : (index + 1) * AUDIO_FRAME_SAMPLES]
        stereo = np.repeat(chunk[None, :], 2, axis=0).T.reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
        frame.sample_rate = AUDIO_CLOCK_RATE
        frame.pts = index * AUDIO_FRAME_SAMPLES
        for packet in codec.encode(frame):
            encoded.append(EncodedFrame(bytes(packet), True))
    return encoded
