"""The per-packet byte functions, checked against aiortc's own RTP parser and serializer."""

from __future__ import annotations

import contextlib

import pytest
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket, wrap_rtx
from hypothesis import given
from hypothesis import strategies as st

from media.rtp_packets import (
    ExtensionRewrite,
    MalformedRtp,
    extended_sequence,
    header_fields,
    is_vp8_keyframe_start,
    payload_of,
    rewrite_header,
    sequence_number,
    unwrap_rtx,
)

MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
NO_REWRITE = ExtensionRewrite(id_map={}, mid_in_id=None, mid_value=b"", identity=True)

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
payload_types = st.integers(0, 127)


def extensions_map(mid_id: int, abs_id: int) -> HeaderExtensionsMap:
    mapping = HeaderExtensionsMap()
    mapping.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=mid_id, uri=MID),
                RTCRtpHeaderExtensionParameters(id=abs_id, uri=ABS_SEND_TIME),
            ]
        )
    )
    return mapping


@st.composite
def rtp_packets(draw: st.DrawFn) -> RtpPacket:
    packet = RtpPacket(
        payload_type=draw(payload_types),
        marker=draw(st.integers(0, 1)),
        sequence_number=draw(u16),
        timestamp=draw(u32),
        ssrc=draw(u32),
        payload=draw(st.binary(min_size=0, max_size=300)),
    )
    packet.csrc = draw(st.lists(u32, max_size=3))
    packet.padding_size = draw(st.sampled_from([0, 0, 1, 4, 17]))
    return packet


@given(rtp_packets())
def test_header_fields_and_payload_match_aiortc(packet: RtpPacket) -> None:
    data = packet.serialize()
    assert header_fields(data) == (
        packet.payload_type,
        packet.sequence_number,
        packet.timestamp,
        packet.ssrc,
    )
    assert sequence_number(data) == packet.sequence_number
    assert bytes(payload_of(data)) == packet.payload


@given(rtp_packets(), payload_types, u16, u32, u32)
def test_rewrite_without_extensions_changes_only_the_four_fields(
    packet: RtpPacket, payload_type: int, sequence: int, timestamp: int, ssrc: int
) -> None:
    out = RtpPacket.parse(
        rewrite_header(packet.serialize(), payload_type, sequence, timestamp, ssrc, NO_REWRITE)
    )
    assert (out.payload_type, out.sequence_number, out.timestamp, out.ssrc) == (
        payload_type,
        sequence,
        timestamp,
        ssrc,
    )
    assert (out.marker, out.csrc, out.payload, out.padding_size) == (
        packet.marker,
        packet.csrc,
        packet.payload,
        packet.padding_size,
    )


@given(
    rtp_packets(),
    st.text(alphabet="0123456789abc", min_size=1, max_size=3),
    st.integers(0, (1 << 24) - 1),
    st.sampled_from([(1, 2, 3, 9), (3, 4, 1, 2), (5, 14, 5, 14)]),
)
def test_rewrite_translates_extension_ids_and_replaces_the_mid(
    packet: RtpPacket, mid: str, abs_send_time: int, ids: tuple[int, int, int, int]
) -> None:
    in_mid, in_abs, out_mid, out_abs = ids
    packet.extensions.mid = mid
    packet.extensions.abs_send_time = abs_send_time
    data = packet.serialize(extensions_map(in_mid, in_abs))
    rewrite = ExtensionRewrite(
        id_map={in_mid: out_mid, in_abs: out_abs},
        mid_in_id=in_mid,
        mid_value=b"7",
        identity=False,
    )
    out = RtpPacket.parse(
        rewrite_header(data, 96, 1, 2, 3, rewrite), extensions_map(out_mid, out_abs)
    )
    assert out.extensions.mid == "7"
    assert out.extensions.abs_send_time == abs_send_time
    assert (out.payload, out.csrc, out.marker) == (packet.payload, packet.csrc, packet.marker)


def test_rewrite_drops_extensions_the_target_did_not_negotiate() -> None:
    packet = RtpPacket(payload_type=100, payload=b"media")
    packet.extensions.mid = "0"
    packet.extensions.abs_send_time = 1234
    data = packet.serialize(extensions_map(1, 2))
    rewrite = ExtensionRewrite(id_map={1: 4}, mid_in_id=1, mid_value=b"1", identity=False)
    out = RtpPacket.parse(rewrite_header(data, 96, 1, 2, 3, rewrite), extensions_map(4, 2))
    assert out.extensions.mid == "1"
    assert out.extensions.abs_send_time is None
    assert out.payload == b"media"


@given(rtp_packets(), payload_types, u16, u32)
def test_unwrap_rtx_recovers_the_original_packet(
    packet: RtpPacket, rtx_payload_type: int, rtx_sequence: int, rtx_ssrc: int
) -> None:
    packet.padding_size = 0
    rtx = wrap_rtx(packet, rtx_payload_type, rtx_sequence, rtx_ssrc)
    unwrapped = unwrap_rtx(rtx.serialize(), packet.payload_type, packet.ssrc)
    assert unwrapped == packet.serialize()


def test_unwrap_rtx_of_a_padding_probe_is_none() -> None:
    probe = RtpPacket(payload_type=97, sequence_number=5, ssrc=9, payload=b"")
    probe.padding_size = 200
    assert unwrap_rtx(probe.serialize(), 96, 1) is None


@given(
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 0x7FFF)),
    st.one_of(st.none(), st.integers(0, 255)),
    st.one_of(st.none(), st.tuples(st.integers(0, 3), st.integers(0, 1))),
    st.one_of(st.none(), st.integers(0, 31)),
)
def test_vp8_keyframe_start_is_read_through_every_descriptor_shape(
    keyframe: bool,
    picture_id: int | None,
    tl0picidx: int | None,
    tid: tuple[int, int] | None,
    keyidx: int | None,
) -> None:
    frame_header = bytes([0x10 if keyframe else 0x11, 0x02, 0x00, 0x9D, 0x01, 0x2A])
    descriptor = VpxPayloadDescriptor(1, 0, picture_id, tl0picidx, tid, keyidx)
    assert is_vp8_keyframe_start(bytes(descriptor) + frame_header) is keyframe
    continuation = VpxPayloadDescriptor(0, 0, picture_id, tl0picidx, tid, keyidx)
    assert is_vp8_keyframe_start(bytes(continuation) + frame_header) is False


@given(st.booleans(), st.binary(min_size=16, max_size=200), st.integers(0, 0x7FFF))
def test_vp8_keyframe_start_is_read_from_the_clear_header_of_an_end_to_end_sealed_frame(
    keyframe: bool, sealed: bytes, picture_id: int
) -> None:
    # web_client/shared/e2ee_worker.js leaves 10 bytes of a keyframe clear (3 of a delta
    # frame) and the rest is AES-GCM ciphertext: random-looking bytes the server cannot read.
    clear = bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01])
    header = clear if keyframe else bytes([0x11, 0x02, 0x00])
    descriptor = bytes(VpxPayloadDescriptor(1, 0, picture_id, None, None, None))
    assert is_vp8_keyframe_start(descriptor + header + sealed) is keyframe


def test_vp8_keyframe_start_of_a_truncated_payload_is_false() -> None:
    assert is_vp8_keyframe_start(b"") is False
    assert is_vp8_keyframe_start(b"\x90") is False
    assert is_vp8_keyframe_start(b"\x90\x80") is False


@given(st.integers(0, 0xFFFF), st.lists(st.integers(1, 0x7FFF), max_size=50))
def test_extended_sequence_counts_through_wrap_around(start: int, steps: list[int]) -> None:
    true_count = start + 0x10000
    extended = true_count
    for step in steps:
        true_count += step
        extended = extended_sequence(extended, true_count & 0xFFFF)
        assert extended == true_count
    # A late (reordered) packet maps back behind the highest one.
    assert extended_sequence(extended, (true_count - 5) & 0xFFFF) == true_count - 5


@given(st.integers(0, 0x3F), st.binary(max_size=80))
def test_arbitrary_version_2_bytes_are_read_or_refused_with_malformed_rtp(
    flags: int, rest: bytes
) -> None:
    data = bytes([0x80 | flags]) + rest
    rewrite = ExtensionRewrite(id_map={1: 2}, mid_in_id=1, mid_value=b"0", identity=False)
    for read in (
        header_fields,
        payload_of,
        lambda d: unwrap_rtx(d, 96, 1),
        lambda d: rewrite_header(d, 96, 1, 2, 3, rewrite),
    ):
        with contextlib.suppress(MalformedRtp):
            read(data)


def test_a_short_packet_is_malformed() -> None:
    with pytest.raises(MalformedRtp):
        header_fields(b"\x80\x60\x00")
    with pytest.raises(MalformedRtp):
        payload_of(b"\x40" + bytes(11))  # version 1
