"""A simulated booth or office: aiortc, replaying pre-encoded media, counting without decoding.

Used by ``majlis bench media`` (one process per side) and by the media integration tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RTCP_PSFB_APP, RtcpPacket, RtcpPsfbPacket, unpack_remb_fci

from media.aiortc_hooks import (
    dtls_transport,
    on_keyframe_request,
    packet_handlers,
    replace_ice_receive_queue,
    route_packets_to,
    tap_encoded_frames,
)
from media.bench.pattern import (
    AUDIO_CLOCK_RATE,
    AUDIO_FRAME_SAMPLES,
    TRAILER,
    VIDEO_CLOCK_RATE,
    EncodedFrame,
    read_stamp,
    stamp,
)
from media.bench.sealing import FrameSealer
from media.negotiation import negotiated_media
from media.rtp_packets import MalformedRtp, payload_of

VIDEO_FPS = 30


class ReplayTrack(MediaStreamTrack):
    """Replays pre-encoded frames in real time, each stamped with a counter and send time
    (after sealing it end to end, with a ``sealer``: the stamp stays readable)."""

    def __init__(
        self, kind: str, frames: list[EncodedFrame], sealer: FrameSealer | None = None
    ) -> None:
        super().__init__()
        self.kind = kind
        self._frames = frames
        self._sealer = sealer
        self._keyframes = [i for i, f in enumerate(frames) if f.keyframe] or [0]
        if kind == "video":
            self._interval, self._ticks = 1 / VIDEO_FPS, VIDEO_CLOCK_RATE // VIDEO_FPS
            self._time_base = Fraction(1, VIDEO_CLOCK_RATE)
        else:
            self._interval, self._ticks = (
                AUDIO_FRAME_SAMPLES / AUDIO_CLOCK_RATE,
                AUDIO_FRAME_SAMPLES,
            )
            self._time_base = Fraction(1, AUDIO_CLOCK_RATE)
        self._index = 0
        self.counter = 0
        self._start: float | None = None
        self.keyframes_requested = 0

    def request_keyframe(self) -> None:
        self.keyframes_requested += 1
        following = [i for i in self._keyframes if i >= self._index]
        self._index = following[0] if following else self._keyframes[0]

    async def recv(self) -> av.Packet[Any]:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            await asyncio.sleep(max(0.0, self._start + self.counter * self._interval - time.time()))
        frame = self._frames[self._index]
        self._index = (self._index + 1) % len(self._frames)
        data = frame.data if self._sealer is None else self._sealer.seal(self.kind, frame.data)
        packet = av.Packet(stamp(data, self.counter))
        packet.pts = self.counter * self._ticks
        packet.time_base = self._time_base
        self.counter += 1
        return packet


@dataclass
class Reception:
    """Frames received of one kind, in the current measuring window."""

    frames: int = 0
    stamped: int = 0
    out_of_order: int = 0
    last_counter: int = -1
    counters: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    first_at: float | None = None
    last_at: float | None = None
    longest_gap_s: float = 0.0
    arrivals: list[float] = field(default_factory=list)  # each frame's time (playback)
    keyframe_arrivals: list[float] = field(default_factory=list)  # assembled VP8 keyframes

    def add(self, data: bytes | memoryview) -> None:
        now = time.time()
        self.arrivals.append(now)
        if self.last_at is not None:
            self.longest_gap_s = max(self.longest_gap_s, now - self.last_at)
        self.first_at = self.first_at or now
        self.last_at = now
        self.frames += 1
        stamped = read_stamp(data)
        if stamped is None:
            return
        counter, sent_at = stamped
        self.stamped += 1
        if counter <= self.last_counter:
            self.out_of_order += 1
        self.last_counter = counter
        self.counters.append(counter)
        self.latencies_ms.append((now - sent_at) * 1000)

    def summary(self, window_s: float) -> dict[str, Any]:
        latencies = sorted(self.latencies_ms)
        return {
            "frames": self.frames,
            "fps": round(self.frames / window_s, 2) if window_s > 0 else 0.0,
            "stamped": self.stamped,
            "out_of_order": self.out_of_order,
            "longest_gap_s": round(self.longest_gap_s, 3),
            "latency_p50_ms": round(statistics.median(latencies), 2) if latencies else None,
            "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2)
            if latencies
            else None,
            "latencies_ms": [round(x, 2) for x in latencies],
        }


class LossyQueue(asyncio.Queue[Any]):
    """Drops a share of incoming RTP datagrams (never RTCP, DTLS or STUN): injected loss."""

    def __init__(self, loss: float, seed: int) -> None:
        super().__init__()
        self._loss = loss
        self._random = random.Random(seed)  # noqa: S311 - simulation, not security
        self.dropped = 0

    def put_nowait(self, item: Any) -> None:
        if item is not None:
            data = item[0]
            is_rtp = len(data) > 1 and 127 < data[0] < 192 and not 191 < data[1] < 224
            if is_rtp and self._random.random() < self._loss:
                self.dropped += 1
                return
        super().put_nowait(item)


class MediaClient:
    """One simulated participant."""

    def __init__(
        self,
        video: list[EncodedFrame],
        audio: list[EncodedFrame],
        loss: float = 0.0,
        seed: int = 1,
        sealer: FrameSealer | None = None,
    ) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.video_track = ReplayTrack("video", video, sealer)
        self.audio_track = ReplayTrack("audio", audio, sealer)
        # Sealed end to end: each frame out of the jitter buffer is opened, as a browser would.
        self._sealer = sealer
        self.unopened = 0
        self.received = {"audio": Reception(), "video": Reception()}
        # Frames the receiver's jitter buffer completed (what a decoder would get).
        self.assembled = {"audio": Reception(), "video": Reception()}
        self._loss, self._seed = loss, seed
        self.lossy_queue: LossyQueue | None = None
        self._window_start = time.time()
        self.bandwidth_estimates: list[tuple[float, int]] = []  # (time, REMB bits/s)

    async def offer(self) -> str:
        self.pc.addTrack(self.audio_track)
        self.pc.addTrack(self.video_track)
        for transceiver in self.pc.getTransceivers():
            # Frames are counted, never decoded: the decoder thread gets nothing.
            tap_encoded_frames(transceiver.receiver, self._assembled_sink(transceiver.kind))
            if transceiver.kind == "video":
                on_keyframe_request(transceiver.sender, self.video_track.request_keyframe)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        if self._loss > 0:
            self.lossy_queue = LossyQueue(self._loss, self._seed)
            replace_ice_receive_queue(dtls_transport(self.pc), self.lossy_queue)
        return str(self.pc.localDescription.sdp)

    async def accept(self, answer_sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer"))
        kinds = {m.payload_type: kind for kind, m in negotiated_media(self.pc, answer_sdp).items()}
        dtls = dtls_transport(self.pc)
        deliver, deliver_rtcp = packet_handlers(dtls)

        async def count_then_deliver(data: bytes, arrival_time_ms: int) -> None:
            # A frame is complete when its marker packet arrives; the stamp ends its payload.
            if len(data) > 12 and data[1] & 0x80:
                kind = kinds.get(data[1] & 0x7F)
                if kind is not None:
                    with contextlib.suppress(MalformedRtp):
                        self.received[kind].add(payload_of(data))
            await deliver(data, arrival_time_ms)

        async def note_then_deliver_rtcp(data: bytes) -> None:
            self._note_bandwidth_estimate(data)
            await deliver_rtcp(data)

        route_packets_to(dtls, count_then_deliver, note_then_deliver_rtcp)

    def _note_bandwidth_estimate(self, data: bytes) -> None:
        """Keeps each REMB the sender is told (what a real encoder would follow)."""
        try:
            packets = RtcpPacket.parse(data)
        except ValueError:
            return
        for packet in packets:
            if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
                with contextlib.suppress(ValueError):
                    self.bandwidth_estimates.append((time.time(), unpack_remb_fci(packet.fci)[0]))

    def _assembled_sink(self, kind: str) -> Callable[[Any, Any], None]:
        def sink(_codec: Any, encoded_frame: Any) -> None:
            reception = self.assembled[kind]
            reception.add(encoded_frame.data)
            if self._sealer is not None:
                sealed = bytes(encoded_frame.data[: -TRAILER.size])  # the bench's stamp off
                self.unopened += self._sealer.open(kind, sealed) is None
            # A VP8 frame tag's lowest bit is 0 on a keyframe: the picture is whole again.
            if kind == "video" and encoded_frame.data and not encoded_frame.data[0] & 1:
                reception.keyframe_arrivals.append(reception.arrivals[-1])

        return sink

    def start_window(self) -> None:
        self.received = {"audio": Reception(), "video": Reception()}
        self.assembled = {"audio": Reception(), "video": Reception()}
        self.unopened = 0
        self._window_start = time.time()

    def summary(self) -> dict[str, Any]:
        window = time.time() - self._window_start
        summary = {kind: reception.summary(window) for kind, reception in self.received.items()}
        return {**summary, "unopened": self.unopened}

    async def close(self) -> None:
        await self.pc.close()
