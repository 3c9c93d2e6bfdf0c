"""The one module that reaches into aiortc's private internals.

Encoded forwarding needs hooks aiortc does not offer publicly: where SRTP-decrypted packets
are routed, the sender's SSRC and RTCP counters, the receiver's PLI, decoder queue and jitter
buffer, aioice's host addresses and receive queue, and where aiortc builds codecs (counted).
No other module touches a private member of aiortc or aioice. aiortc is pinned exactly in
pyproject.toml, and ``missing_hooks()`` (run by a test and by ``MediaServer.start()``, which
refuses to start unless it is empty) names every hook an upgrade has moved.

The two hooks that must replace a module attribute are held (``media.process_patch``) and
restored when their last holder lets go: nothing stays patched after the servers close.
"""

from __future__ import annotations

import asyncio
import queue
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

import aioice.ice
import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
import pylibsrtp
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtp import is_rtcp

from media.process_patch import CountedPatch, PatchHold

AIORTC_VERSION = "1.16.0"
NTP_UNIX_OFFSET_S = 2_208_988_800  # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)

RtpHandler = Callable[[bytes, int], Coroutine[Any, Any, None]]
RtcpHandler = Callable[[bytes], Coroutine[Any, Any, None]]

_SENDER_PREFIX = "_RTCRtpSender__"
_RECEIVER_PREFIX = "_RTCRtpReceiver__"


async def missing_hooks() -> list[str]:
    """Names of the private aiortc/aioice members this package uses that do not exist."""
    import aiortc

    problems: list[str] = []
    if aiortc.__version__ != AIORTC_VERSION:
        problems.append(f"aiortc {aiortc.__version__} (forwarding is built for {AIORTC_VERSION})")
    for owner, names in (
        (RTCDtlsTransport, ("_handle_rtp_data", "_handle_rtcp_data", "_send_rtp")),
        (RTCRtpReceiver, ("_handle_rtp_packet", "_handle_rtcp_packet", "_send_rtcp_pli")),
        (RTCRtpSender, ("_handle_rtcp_packet", "_send_keyframe", "_next_encoded_frame")),
        (aioice.ice, ("get_host_addresses",)),
        (aiortc.rtcrtpreceiver, ("get_decoder",)),
        (aiortc.rtcrtpsender, ("get_encoder",)),
    ):
        problems.extend(
            f"{getattr(owner, '__name__', owner)}.{name}"
            for name in names
            if not hasattr(owner, name)
        )
    # Name-mangled attributes only exist on instances: look at throw-away ones.
    pc = RTCPeerConnection()
    try:
        transceiver = pc.addTransceiver("video")
        sender, receiver = transceiver.sender, transceiver.receiver
        wanted: list[tuple[object, str]] = [(sender, "_ssrc")]
        wanted += [
            (sender, _SENDER_PREFIX + name)
            for name in ("ntp_timestamp", "rtp_timestamp", "octet_count", "packet_count")
        ]
        wanted += [
            (receiver, _RECEIVER_PREFIX + name)
            for name in ("decoder_queue", "jitter_buffer", "rtcp_ssrc")
        ]
        wanted += [
            (receiver.transport, "_rtp_router"),
            (receiver.transport, "_rtp_header_extensions_map"),
            (receiver.transport, "_rx_srtp"),
            (receiver.transport, "_tx_srtp"),
            (receiver.transport, "_state"),
            (receiver.transport.transport, "_connection"),
        ]
        problems.extend(
            f"{type(owner).__name__}.{name}" for owner, name in wanted if not hasattr(owner, name)
        )
        connection = getattr(receiver.transport.transport, "_connection", None)
        if connection is not None:
            if not isinstance(getattr(connection, "_queue", None), asyncio.Queue):
                problems.append("aioice.Connection._queue")
            for name in ("_protocols", "_nominated"):
                if not hasattr(connection, name):
                    problems.append(f"aioice.Connection.{name}")
        track = aiortc.rtcrtpreceiver.RemoteStreamTrack(kind="video")
        if not isinstance(getattr(track, "_queue", None), asyncio.Queue):
            problems.append("RemoteStreamTrack._queue")
    finally:
        await pc.close()
    return problems


# -- ICE ------------------------------------------------------------------------------------


def _host_addresses_of_latest_holder(
    _original: Any, holds: list[PatchHold[tuple[str, ...]]]
) -> Callable[[bool, bool], list[str]]:
    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        chosen = holds[-1].value  # several servers in one process: the latest started decides
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    return host_addresses


_HOST_ADDRESSES = CountedPatch(aioice.ice, "get_host_addresses", _host_addresses_of_latest_holder)


def gather_only_on(addresses: tuple[str, ...]) -> PatchHold[tuple[str, ...]]:
    """While held, every ICE agent of this process gathers host candidates on ``addresses``
    only (aioice asks one module function, for the whole process); released by the last
    holder, aioice's own function is back.

    aioice otherwise offers every interface address (and skips loopback), which would send
    connectivity checks to networks this server must not touch.
    """
    return _HOST_ADDRESSES.hold(tuple(addresses))


class DropOldestQueue(asyncio.Queue[Any]):
    """A bounded receive queue: when full, the oldest datagram is dropped, never the newest,
    so overload costs a lost packet (recovered by NACK or a keyframe), not seconds of delay."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self.dropped = 0

    def put_nowait(self, item: Any) -> None:
        if item is not None and self.full():
            self.get_nowait()
            self.dropped += 1
        elif item is None and self.full():
            self.get_nowait()  # the end-of-stream marker must always get in
        super().put_nowait(item)


def dtls_transport(pc: RTCPeerConnection) -> RTCDtlsTransport:
    transceivers = pc.getTransceivers()
    if not transceivers:
        raise ValueError("peer connection has no transceivers")
    transport: RTCDtlsTransport = transceivers[0].receiver.transport
    return transport


def replace_ice_receive_queue(dtls: RTCDtlsTransport, receive_queue: asyncio.Queue[Any]) -> None:
    """aioice queues every datagram it receives here until the DTLS transport reads it."""
    dtls.transport._connection._queue = receive_queue


def bound_ice_receive_queue(dtls: RTCDtlsTransport, maxsize: int) -> DropOldestQueue:
    bounded = DropOldestQueue(maxsize)
    replace_ice_receive_queue(dtls, bounded)
    return bounded


# -- packet routing -------------------------------------------------------------------------


def route_packets_to(dtls: RTCDtlsTransport, on_rtp: RtpHandler, on_rtcp: RtcpHandler) -> None:
    """Send every SRTP-decrypted RTP/RTCP packet of ``dtls`` to our handlers, as bytes."""

    async def handle_rtp_data(data: bytes, arrival_time_ms: int) -> None:
        await on_rtp(data, arrival_time_ms)

    dtls._handle_rtp_data = handle_rtp_data  # type: ignore[method-assign]
    dtls._handle_rtcp_data = on_rtcp  # type: ignore[method-assign,assignment]


def packet_handlers(dtls: RTCDtlsTransport) -> tuple[RtpHandler, RtcpHandler]:
    """Where ``dtls`` sends decrypted RTP and RTCP now (aiortc's own, until replaced)."""
    return dtls._handle_rtp_data, dtls._handle_rtcp_data


async def deliver_rtcp_to_aiortc(dtls: RTCDtlsTransport, packet: Any) -> None:
    """Let aiortc's own senders/receivers see an RTCP packet (stats, round-trip time)."""
    for recipient in dtls._rtp_router.route_rtcp(packet):
        await recipient._handle_rtcp_packet(packet)


async def deliver_rtp_to_receiver(dtls: RTCDtlsTransport, data: bytes, arrival_ms: int) -> None:
    """aiortc's normal receive path (depayload, jitter buffer, decoder): preflight only."""
    from aiortc.rtp import RtpPacket

    packet = RtpPacket.parse(data, dtls._rtp_header_extensions_map)
    receiver = dtls._rtp_router.route_rtp(packet)
    if receiver is not None:
        await receiver._handle_rtp_packet(packet, arrival_time_ms=arrival_ms)


def receive_srtp_directly(dtls: RTCDtlsTransport, on_srtp: Callable[[bytes], bool]) -> None:
    """Give every arriving SRTP datagram (not SRTCP, DTLS or STUN) to ``on_srtp`` at once,
    inside the socket callback: no STUN parse attempt, no queue, no task switch. When
    ``on_srtp`` returns False the datagram takes aiortc's normal path."""
    connection = dtls.transport._connection
    for protocol in connection._protocols:
        normal_path = protocol.datagram_received

        def datagram_received(
            data: bytes, addr: tuple[Any, ...], normal_path: Any = normal_path
        ) -> None:
            if (
                len(data) >= 12
                and 127 < data[0] < 192
                and not 191 < data[1] < 224
                and on_srtp(data)
            ):
                return
            normal_path(data, addr)

        protocol.datagram_received = datagram_received  # type: ignore[method-assign,assignment]


def unprotect_rtp(dtls: RTCDtlsTransport, data: bytes) -> bytes | None:
    """Decrypt and authenticate an SRTP packet; None when keys are not ready or it fails."""
    session = dtls._rx_srtp
    if session is None:
        return None
    try:
        plain: bytes = session.unprotect(data)
    except pylibsrtp.Error:
        return None
    return plain


def send_now(dtls: RTCDtlsTransport, data: bytes) -> bool:
    """Protect and send an RTP or RTCP packet synchronously; False if the leg is not up."""
    session = dtls._tx_srtp
    if session is None or dtls._state != DtlsState.CONNECTED:
        return False
    pair = dtls.transport._connection._nominated.get(1)
    if pair is None or pair.protocol.transport is None:
        return False
    protected = session.protect_rtcp(data) if is_rtcp(data) else session.protect(data)
    pair.protocol.transport.sendto(protected, pair.remote_addr)
    return True


def dtls_connected(dtls: RTCDtlsTransport) -> bool:
    return bool(dtls.state == "connected")


# -- sender and receiver state --------------------------------------------------------------


class SenderReportCounters:
    """Keeps an aiortc sender's RTCP sender reports true for packets we send past it."""

    __slots__ = ("_sender",)

    def __init__(self, sender: RTCRtpSender) -> None:
        self._sender = sender

    def sent(self, rtp_timestamp: int, payload_bytes: int, end_of_frame: bool) -> None:
        sender: Any = self._sender
        sender._RTCRtpSender__packet_count += 1
        sender._RTCRtpSender__octet_count += payload_bytes
        if end_of_frame:
            # One NTP reading per frame is enough to map RTP time to wall time.
            sender._RTCRtpSender__ntp_timestamp = int((time.time() + NTP_UNIX_OFFSET_S) * 2**32)
            sender._RTCRtpSender__rtp_timestamp = rtp_timestamp


def sender_ssrc(sender: RTCRtpSender) -> int:
    """The SSRC ``sender`` announces in the answer (aiortc has no public getter)."""
    ssrc: int = sender._ssrc
    return ssrc


async def request_keyframe(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Send a PLI for ``media_ssrc`` from ``receiver``: the publisher's next frame is a key."""
    await receiver._send_rtcp_pli(media_ssrc)


def discard_decoded_frames(track: MediaStreamTrack) -> None:
    """Empty a receiving track of frames decoded but never read (preflight's leftovers)."""
    remote: Any = track
    decoded: asyncio.Queue[Any] = remote._queue
    while not decoded.empty():
        decoded.get_nowait()


def rtcp_ssrc(receiver: RTCRtpReceiver) -> int | None:
    value: int | None = getattr(receiver, _RECEIVER_PREFIX + "rtcp_ssrc")
    return value


def disable_audio_playout_delay(receiver: RTCRtpReceiver) -> None:
    """A relay needs no playout smoothing: release audio frames as soon as they complete."""
    setattr(receiver, _RECEIVER_PREFIX + "jitter_buffer", JitterBuffer(capacity=16, prefetch=0))


class DecoderQueueTap:
    """Stands in for a receiver's decoder queue: encoded frames go to ``sink`` instead of
    the decoder thread, which then never builds a decoder. The end marker still reaches the
    thread, so the receiver stops cleanly."""

    def __init__(self, original: queue.Queue[Any], sink: Callable[[Any, Any], None]) -> None:
        self._original = original
        self._sink = sink
        self.also_decode = False  # preflight: let the decoder thread see the frames too

    def get(self) -> Any:
        # The decoder thread may be started after the tap is installed and read from it.
        return self._original.get()

    def put(self, item: Any) -> None:
        if item is None:
            self._original.put(None)
            return
        codec, encoded_frame = item
        self._sink(codec, encoded_frame)
        if self.also_decode:
            self._original.put(item)


def tap_encoded_frames(
    receiver: RTCRtpReceiver, sink: Callable[[Any, Any], None]
) -> DecoderQueueTap:
    original = getattr(receiver, _RECEIVER_PREFIX + "decoder_queue")
    tap = DecoderQueueTap(original, sink)
    setattr(receiver, _RECEIVER_PREFIX + "decoder_queue", tap)
    return tap


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` when the far end of ``sender`` asks for a keyframe (PLI/FIR)."""
    sender._send_keyframe = callback  # type: ignore[method-assign]


# -- codec construction ---------------------------------------------------------------------


def _counting(kind: str) -> Callable[[Any, list[PatchHold[Counter[str]]]], Any]:
    def make_replacement(build: Any, holds: list[PatchHold[Counter[str]]]) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            for hold in holds:
                hold.value[kind] += 1
            return build(*args, **kwargs)

        return counted

    return make_replacement


_DECODERS = CountedPatch(aiortc.rtcrtpreceiver, "get_decoder", _counting("decoder"))
_ENCODERS = CountedPatch(aiortc.rtcrtpsender, "get_encoder", _counting("encoder"))


def count_codec_builds(counts: Counter[str]) -> tuple[PatchHold[Counter[str]], ...]:
    """While held, each decoder and encoder aiortc builds adds one to ``counts["decoder"]``
    or ``counts["encoder"]``."""
    return _DECODERS.hold(counts), _ENCODERS.hold(counts)
