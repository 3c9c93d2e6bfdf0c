"""RTP-level forwarding: each packet is rewritten for the other leg and sent as it arrives.

No depayloading, no jitter buffer, no decoder, no per-packet task: the handler installed on a
leg's DTLS transport reads the header with ``struct``, rewrites PT/sequence/timestamp/SSRC and
the header extensions, keeps the packet in a small cache for NACKs, and protects and sends it
on the other leg. RTCP is translated between the legs: NACKs are answered from the cache (or
passed to the publisher), PLI/FIR become rate-limited PLIs to the publisher, REMB and receiver
reports go back to the publisher with its own SSRC.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    AnyRtcpPacket,
    RtcpPacket,
    RtcpPsfbPacket,
    RtcpReceiverInfo,
    RtcpRrPacket,
    RtcpRtpfbPacket,
    RtcpSrPacket,
    pack_remb_fci,
    unpack_remb_fci,
)

from media.aiortc_hooks import (
    SenderReportCounters,
    deliver_rtcp_to_aiortc,
    deliver_rtp_to_receiver,
    rtcp_ssrc,
    send_now,
    unprotect_rtp,
)
from media.negotiation import NegotiatedMedia, extension_rewrite
from media.rtp_packets import (
    MalformedRtp,
    extended_sequence,
    header_fields,
    is_vp8_keyframe_start,
    payload_of,
    rewrite_header,
    sequence_number,
    unwrap_rtx,
)

log = logging.getLogger(__name__)

# Seconds from a monotonic source (``time.monotonic``), for PLI pacing and timestamp gaps.
# Not the app's ``Clock`` (wall-clock datetimes for the room and booking rules).
MonotonicSeconds = Callable[[], float]


@dataclass(frozen=True)
class ForwardingLimits:
    nack_cache_packets: int = 512  # a power of two
    pli_min_interval_s: float = 0.5
    keyframe_retry_s: float = 0.3


class RtpRoute:
    """One kind of media from one participant (the source) to another (the target)."""

    def __init__(
        self,
        target: NegotiatedMedia,
        target_dtls: RTCDtlsTransport,
        limits: ForwardingLimits,
        monotonic_s: MonotonicSeconds = time.monotonic,
    ) -> None:
        self.kind = target.kind
        self.target = target
        self._target_dtls = target_dtls
        self._report = SenderReportCounters(target.sender)
        self._limits = limits
        self._monotonic_s = monotonic_s
        self._is_video = target.kind == "video"
        self.source: NegotiatedMedia | None = None
        self._source_dtls: RTCDtlsTransport | None = None
        self._extensions = extension_rewrite(target, target)
        self.flowing = False
        self.held = False  # the source's voice only: nothing of this route leaves the server
        self._source_ssrc: int | None = None
        self._needs_rebase = True
        self._seq_offset = 0
        self._ts_offset = 0
        self._last_out_seq = random.randint(0, 0x7FFF)  # noqa: S311 - not a secret
        self._last_out_ts = random.randint(0, 0xFFFFFFFF)  # noqa: S311
        self._last_out_time = monotonic_s()
        self._cache: list[bytes | None] = [None] * limits.nack_cache_packets
        self._cache_mask = limits.nack_cache_packets - 1
        self._last_pli = float("-inf")
        self.forwarded = 0
        self.frames_forwarded = 0
        self.waiting_for_keyframe = self._is_video
        self.resent = 0
        # Development only (media/capture.py): every forwarded packet is also handed here.
        self.tap: Callable[[bytes], None] | None = None
        # The target's latest receiver report on this route (RTCP path, not per packet).
        self.reported_fraction_lost = 0.0
        self.reported_jitter_ms: float | None = None
        self.last_estimate_bps = 0  # the target's latest REMB, passed back to the publisher

    def attach_source(self, source: NegotiatedMedia, source_dtls: RTCDtlsTransport) -> None:
        """(Re)connect the publishing leg; the target sees one continuous stream."""
        self.source = source
        self._source_dtls = source_dtls
        self._extensions = extension_rewrite(source, self.target)
        self._needs_rebase = True

    def set_flowing(self, flowing: bool) -> None:
        if flowing and not self.flowing:
            self._needs_rebase = True
        self.flowing = flowing

    def set_held(self, held: bool) -> None:
        """Held: no packet is forwarded (her voice-only choice for video); released, the
        target gets one continuous stream again from the next keyframe."""
        if self.held and not held:
            self._needs_rebase = True
        self.held = held

    def forward(self, packet: bytes, sequence: int, timestamp: int, ssrc: int) -> None:
        if not self.flowing or self.held:
            self._needs_rebase = True
            return
        if self._needs_rebase or ssrc != self._source_ssrc:
            if self._is_video and not is_vp8_keyframe_start(payload_of(packet)):
                # A receiver can do nothing with frames before a keyframe: drop them and ask.
                self.waiting_for_keyframe = True
                self._request_keyframe(ssrc, self._limits.keyframe_retry_s)
                return
            self._rebase(sequence, timestamp, ssrc)
        out_seq = (sequence + self._seq_offset) & 0xFFFF
        out_ts = (timestamp + self._ts_offset) & 0xFFFFFFFF
        out = rewrite_header(
            packet,
            self.target.payload_type,
            out_seq,
            out_ts,
            self.target.sender_ssrc,
            self._extensions,
        )
        if not send_now(self._target_dtls, out):
            self._needs_rebase = True  # the target leg is not up (yet, or any more)
            return
        self._cache[out_seq & self._cache_mask] = out
        if self.tap is not None:
            self.tap(packet)
        self._last_out_seq = out_seq
        self._last_out_ts = out_ts
        self.forwarded += 1
        end_of_frame = bool(packet[1] & 0x80)
        self.frames_forwarded += end_of_frame
        self._report.sent(out_ts, len(out) - 12, end_of_frame)

    def _rebase(self, sequence: int, timestamp: int, ssrc: int) -> None:
        now = self._monotonic_s()
        elapsed_ticks = int((now - self._last_out_time) * self.target.clock_rate)
        self._seq_offset = (self._last_out_seq + 1 - sequence) & 0xFFFF
        self._ts_offset = (self._last_out_ts + max(elapsed_ticks, 1) - timestamp) & 0xFFFFFFFF
        self._source_ssrc = ssrc
        self._needs_rebase = False
        self.waiting_for_keyframe = False
        self._last_out_time = now

    # -- feedback from the target ----------------------------------------------------------

    def resend(self, lost: list[int]) -> None:
        """Answer a NACK from the cache; ask the publisher for what the cache lacks."""
        missing: list[int] = []
        for out_seq in lost:
            packet = self._cache[out_seq & self._cache_mask]
            if packet is not None and sequence_number(packet) == out_seq:
                self.resent += 1
                send_now(self._target_dtls, packet)
            else:
                missing.append((out_seq - self._seq_offset) & 0xFFFF)
        if missing and self._source_ssrc is not None:
            nack = RtcpRtpfbPacket(
                fmt=RTCP_RTPFB_NACK, ssrc=self._feedback_ssrc(), media_ssrc=self._source_ssrc
            )
            nack.lost = missing
            self._send_to_source(nack)

    def keyframe_requested(self) -> None:
        if self._source_ssrc is not None:
            self._request_keyframe(self._source_ssrc, self._limits.pli_min_interval_s)

    def bandwidth_estimate(self, bitrate: int) -> None:
        self.last_estimate_bps = bitrate
        if self._source_ssrc is None:
            return
        remb = RtcpPsfbPacket(
            fmt=RTCP_PSFB_APP,
            ssrc=self._feedback_ssrc(),
            media_ssrc=0,
            fci=pack_remb_fci(bitrate, [self._source_ssrc]),
        )
        self._send_to_source(remb)

    def receiver_report(self, report: RtcpReceiverInfo) -> None:
        """Pass the target's reception quality back to the publisher, in its numbering."""
        self.reported_fraction_lost = report.fraction_lost / 256
        self.reported_jitter_ms = report.jitter * 1000 / self.target.clock_rate
        if self._source_ssrc is None:
            return
        highest = (report.highest_sequence & ~0xFFFF) | (
            (report.highest_sequence - self._seq_offset) & 0xFFFF
        )
        translated = RtcpReceiverInfo(
            ssrc=self._source_ssrc,
            fraction_lost=report.fraction_lost,
            packets_lost=report.packets_lost,
            highest_sequence=highest,
            jitter=report.jitter,
            lsr=0,
            dlsr=0,
        )
        self._send_to_source(RtcpRrPacket(ssrc=self._feedback_ssrc(), reports=[translated]))

    def _request_keyframe(self, ssrc: int, min_interval_s: float) -> None:
        now = self._monotonic_s()
        if now - self._last_pli < min_interval_s:
            return
        self._last_pli = now
        pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=self._feedback_ssrc(), media_ssrc=ssrc)
        self._send_to_source(pli)

    def _feedback_ssrc(self) -> int:
        if self.source is not None:
            ssrc = rtcp_ssrc(self.source.receiver)
            if ssrc is not None:
                return ssrc
        return self.target.sender_ssrc

    def _send_to_source(self, packet: AnyRtcpPacket) -> None:
        if self._source_dtls is not None:
            send_now(self._source_dtls, bytes(packet))


@dataclass
class IncomingStream:
    """What arrives from a participant for one kind of media, with its counters."""

    media: NegotiatedMedia
    route: RtpRoute | None = None
    ssrc: int | None = None
    packets: int = 0
    octets: int = 0
    frames: int = 0
    malformed: int = 0
    first_sequence: int | None = None
    highest_sequence: int = 0

    @property
    def packets_lost(self) -> int:
        if self.first_sequence is None:
            return 0
        return max(0, self.highest_sequence - self.first_sequence + 1 - self.packets)


class PassthroughLeg:
    """The RTP/RTCP handlers installed on one participant's DTLS transport."""

    def __init__(self, dtls: RTCDtlsTransport, media: dict[str, NegotiatedMedia]) -> None:
        self._dtls = dtls
        self.streams = {kind: IncomingStream(m) for kind, m in media.items()}
        self._by_payload_type: dict[int, tuple[IncomingStream, bool]] = {}
        for stream in self.streams.values():
            self._by_payload_type[stream.media.payload_type] = (stream, False)
            if stream.media.rtx_payload_type is not None:
                self._by_payload_type[stream.media.rtx_payload_type] = (stream, True)
        self.routes_to_here: dict[int, RtpRoute] = {}  # by our sender SSRC on this leg
        self.decode_video = False  # preflight only
        self.datagrams = 0  # SRTP datagrams seen: the server's liveness watchdog reads it

    def on_srtp(self, protected: bytes) -> bool:
        """The fast path, called in the socket callback. False: use the async path."""
        self.datagrams += 1
        if self.decode_video:
            return False
        data = unprotect_rtp(self._dtls, protected)
        if data is not None:
            self._handle(data)
        return True

    async def on_rtp(self, data: bytes, arrival_ms: int) -> None:
        """aiortc's path (already decrypted): during preflight and before the fast path."""
        forwarded = self._handle(data)
        if forwarded is not None and self.decode_video and forwarded.media.kind == "video":
            await deliver_rtp_to_receiver(self._dtls, data, arrival_ms)

    def _handle(self, data: bytes) -> IncomingStream | None:
        entry = self._by_payload_type.get(data[1] & 0x7F) if len(data) >= 12 else None
        if entry is None:
            return None
        stream, is_rtx = entry
        try:
            if is_rtx:
                if stream.ssrc is None:
                    return None
                unwrapped = unwrap_rtx(data, stream.media.payload_type, stream.ssrc)
                if unwrapped is None:
                    return None
                data = unwrapped
            _, sequence, timestamp, ssrc = header_fields(data)
            self._count(stream, data, sequence, ssrc, is_rtx)
            if stream.route is not None:
                stream.route.forward(data, sequence, timestamp, ssrc)
        except MalformedRtp:
            stream.malformed += 1
            return None
        return stream

    @staticmethod
    def _count(stream: IncomingStream, data: bytes, sequence: int, ssrc: int, rtx: bool) -> None:
        if ssrc != stream.ssrc:
            stream.ssrc = ssrc
            stream.first_sequence = None
        if rtx:
            return
        stream.packets += 1
        stream.octets += len(data)
        if data[1] & 0x80:
            stream.frames += 1
        if stream.first_sequence is None:
            stream.first_sequence = stream.highest_sequence = sequence + 0x10000
            stream.packets = 1
        else:
            extended = extended_sequence(stream.highest_sequence, sequence)
            stream.highest_sequence = max(extended, stream.highest_sequence)

    async def on_rtcp(self, data: bytes) -> None:
        try:
            packets = RtcpPacket.parse(data)
        except ValueError:
            return
        for packet in packets:
            if not await self._translate(packet):
                await deliver_rtcp_to_aiortc(self._dtls, packet)

    async def _translate(self, packet: AnyRtcpPacket) -> bool:
        """Handle feedback about media we forward to this leg; False: leave it to aiortc."""
        if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
            route = self.routes_to_here.get(packet.media_ssrc)
            if route is not None:
                route.resend(packet.lost)
                return True
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            media_ssrc = packet.media_ssrc
            if packet.fmt == RTCP_PSFB_FIR and len(packet.fci) >= 4:
                media_ssrc = int.from_bytes(packet.fci[:4], "big")
            route = self.routes_to_here.get(media_ssrc)
            if route is not None:
                route.keyframe_requested()
                return True
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                return True
            for ssrc in ssrcs:
                route = self.routes_to_here.get(ssrc)
                if route is not None:
                    route.bandwidth_estimate(bitrate)
            return True
        elif isinstance(packet, (RtcpRrPacket, RtcpSrPacket)):
            for report in packet.reports:
                route = self.routes_to_here.get(report.ssrc)
                if route is not None:
                    route.receiver_report(report)
        return False
