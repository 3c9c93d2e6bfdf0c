"""Tracks the server's senders read from: idle (RTP-level forwarding bypasses the sender) or
a bounded queue of encoded frames (frame-level forwarding)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack


class IdleTrack(MediaStreamTrack):
    """Never yields a frame: the sender's loop waits without waking, and never encodes.

    RTP-level forwarding sends packets past the sender, so the sender only needs a track to
    announce (SSRC, msid) in the answer."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def recv(self) -> Any:
        await self._never
        raise MediaStreamError

    def stop(self) -> None:
        super().stop()
        if not self._never.done():
            self._never.cancel()


class EncodedFrameTrack(MediaStreamTrack):
    """Encoded frames as ``av.Packet``s, which aiortc's sender packs without encoding.

    The queue is bounded: when the sender falls behind, the oldest frame is dropped and
    ``on_overflow`` asks the publisher for a keyframe, so delay never builds up."""

    def __init__(self, kind: str, clock_rate: int, max_frames: int) -> None:
        super().__init__()
        self.kind = kind
        self._time_base = Fraction(1, clock_rate)
        self._queue: asyncio.Queue[av.Packet[Any]] = asyncio.Queue(maxsize=max_frames)
        self.on_overflow: Callable[[], None] = _nothing
        self.dropped = 0

    def push(self, data: bytes, timestamp: int) -> None:
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = self._time_base
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            self.on_overflow()
        self._queue.put_nowait(packet)

    def clear(self) -> None:
        """A (re)joining receiver must not get a burst of stale frames."""
        while not self._queue.empty():
            self._queue.get_nowait()

    async def recv(self) -> av.Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._queue.get()


def _nothing() -> None:
    """Overflow before the track is wired to a publisher: nobody to ask for a keyframe."""


class PendingTrack(MediaStreamTrack):
    """Relay mode: a sender's track whose source (a relayed, decoded track) is set later.

    aiortc's sender keeps awaiting the track it started with, so the source must be switched
    behind a track object that stays the same."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._source: MediaStreamTrack | None = None
        self._ready = asyncio.Event()

    def set_source(self, source: MediaStreamTrack) -> None:
        self._source = source
        self._ready.set()

    async def recv(self) -> Any:
        await self._ready.wait()
        assert self._source is not None
        return await self._source.recv()
