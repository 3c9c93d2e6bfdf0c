"""Development only (``MAJLIS_DEV_CAPTURE_VIDEO``, which needs ``MAJLIS_DEV``): the booth's
video exactly as the server forwards it to the office, reassembled into VP8 frames and written
to an IVF file, so a test can show that what the server carries does not decode as pictures
while the audience is end-to-end encrypted (docs/SECURITY.md) and does when it is not.

Never on by default: the forwarding path then calls nothing of this module. The frames are
taken from the RTP packets the route forwards (the payload the browsers sealed, unchanged),
not from a decoder: the server decodes nothing of a live audience.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import BinaryIO

from aiortc.codecs.vpx import VpxPayloadDescriptor

from media.rtp_packets import MalformedRtp, header_fields, payload_of

# IVF: signature, version, header size, codec, width, height, rate, scale, frames, unused.
IVF_HEADER = struct.Struct("<4sHH4sHHIII4x")
IVF_FRAME = struct.Struct("<IQ")  # frame size, timestamp


def capture_path(directory: Path, room_id: str) -> Path:
    """``<directory>/<room id>.ivf`` (the room id made safe for a file name)."""
    return directory / f"{re.sub(r'[^A-Za-z0-9_-]', '_', room_id)}.ivf"


class ForwardedVideoCapture:
    """Writes each complete VP8 frame of the forwarded packets (RFC 7741 descriptors taken
    off, partitions joined) as one IVF frame; a frame missing its start is left out."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = path.open("wb")
        # Width and height 0: a VP8 decoder reads them from each keyframe.
        self._file.write(IVF_HEADER.pack(b"DKIF", 0, 32, b"VP80", 0, 0, 90_000, 1, 0))
        self._file.flush()
        self._timestamp: int | None = None
        self._parts: list[bytes] = []
        self.frames = 0

    def packet(self, packet: bytes) -> None:
        """One forwarded RTP packet of the video route."""
        try:
            _, _, timestamp, _ = header_fields(packet)
            descriptor, data = VpxPayloadDescriptor.parse(bytes(payload_of(packet)))
        except (MalformedRtp, ValueError):
            return
        if descriptor.partition_start and descriptor.partition_id == 0:
            self._timestamp, self._parts = timestamp, []  # a frame's first packet
        if timestamp != self._timestamp:
            return  # the rest of a frame whose start this capture never saw
        self._parts.append(data)
        if packet[1] & 0x80:  # marker: the frame's last packet
            frame = b"".join(self._parts)
            self._file.write(IVF_FRAME.pack(len(frame), timestamp) + frame)
            self._file.flush()  # read while the server runs
            self.frames += 1
            self._timestamp, self._parts = None, []

    def close(self) -> None:
        self._file.close()
