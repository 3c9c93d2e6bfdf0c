"""Reading a capture of forwarded video (media/capture.py) back: what a VP8 decoder makes of
its frames, and how much a picture looks like the test pattern the camera showed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
from numpy.typing import NDArray

Gray = NDArray[np.uint8]

THE_FACE = 0.7  # a picture at least this like the camera's face is hers
# A sealed keyframe keeps its 10 clear bytes, so a VP8 decoder takes about one in four and makes
# blocky noise of it: over 15,000 such keyframes (random payloads, 320x240 to 640x480) the noise
# was at most 0.37 like the face (tests/unit/media/test_capture.py keeps 1,000 of them).
NOT_THE_FACE = 0.5


@dataclass(frozen=True)
class Decoded:
    frames: int  # in the capture
    refused: int  # that the decoder refused outright
    pictures: list[Gray]  # what it made of the others (grey)


def decode_capture(path: Path) -> Decoded:
    """What a VP8 decoder makes of the capture's frames."""
    pictures: list[Gray] = []
    frames = refused = 0
    decoder = av.CodecContext.create("vp8", "r")
    with av.open(str(path), format="ivf") as container:
        for packet in container.demux(video=0):
            if packet.size == 0:
                continue
            frames += 1
            try:
                decoded = decoder.decode(packet)
            except av.FFmpegError:
                refused += 1
                continue
            pictures += [frame.to_ndarray(format="gray") for frame in decoded]
    return Decoded(frames, refused, pictures)


def likeness(picture: Gray, pattern_bgr: NDArray[np.uint8]) -> float:
    """Correlation of the two images reduced to 64x48 grey (1: the same picture; about 0:
    unrelated, noise or a flat field)."""
    size = (64, 48)
    a = cv2.resize(picture, size, interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    b = cv2.resize(
        cv2.cvtColor(pattern_bgr, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA
    )
    b_flat = b.astype(np.float64).ravel()
    if a.std() == 0 or b_flat.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b_flat)[0, 1])
