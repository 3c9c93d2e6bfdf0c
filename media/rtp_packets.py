"""RTP packets as bytes: read and rewrite header fields without building packet objects.

The forwarding path calls these for every packet, so they work on ``bytes`` with ``struct``
and a single output buffer; they never parse the payload beyond what a decision needs (the
VP8 keyframe bit). Pure functions, tested exhaustively.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_HEADER_SIZE = 12
ONE_BYTE_EXTENSION_PROFILE = 0xBEDE
_HEADER = struct.Struct("!BBHII")  # byte0, marker|pt, sequence, timestamp, ssrc
_SEQUENCE = struct.Struct("!H")
_U32 = struct.Struct("!I")


class MalformedRtp(ValueError):
    """A packet too short or inconsistent to forward."""


@dataclass(frozen=True)
class ExtensionRewrite:
    """How to carry one-byte header extensions from one leg to the other.

    ``id_map`` maps an incoming extension id to the outgoing id (absent: dropped);
    ``mid_in_id`` / ``mid_value`` replace the MID extension's value with the outgoing leg's.
    """

    id_map: dict[int, int]
    mid_in_id: int | None
    mid_value: bytes
    identity: bool


def header_fields(packet: bytes) -> tuple[int, int, int, int]:
    """(payload type, sequence number, timestamp, ssrc) of an RTP packet."""
    if len(packet) < RTP_HEADER_SIZE:
        raise MalformedRtp("shorter than an RTP header")
    _, marker_pt, sequence, timestamp, ssrc = _HEADER.unpack_from(packet)
    return marker_pt & 0x7F, sequence, timestamp, ssrc


def sequence_number(packet: bytes) -> int:
    return int(_SEQUENCE.unpack_from(packet, 2)[0])


def header_length(packet: bytes) -> int:
    """Bytes before the payload: fixed header, CSRCs and the extension block."""
    if len(packet) < RTP_HEADER_SIZE:
        raise MalformedRtp("shorter than an RTP header")
    first = packet[0]
    if first >> 6 != 2:
        raise MalformedRtp("not RTP version 2")
    length = RTP_HEADER_SIZE + 4 * (first & 0x0F)
    if first & 0x10:
        if len(packet) < length + 4:
            raise MalformedRtp("truncated header extension")
        words = _SEQUENCE.unpack_from(packet, length + 2)[0]
        length += 4 + 4 * words
    if len(packet) < length:
        raise MalformedRtp("truncated header")
    return length


def payload_of(packet: bytes) -> memoryview:
    """The payload without padding."""
    start = header_length(packet)
    end = len(packet)
    if packet[0] & 0x20:
        padding = packet[-1]
        if padding == 0 or end - padding < start:
            raise MalformedRtp("bad padding")
        end -= padding
    return memoryview(packet)[start:end]


def rewrite_header(
    packet: bytes,
    payload_type: int,
    sequence: int,
    timestamp: int,
    ssrc: int,
    extensions: ExtensionRewrite,
) -> bytes:
    """A copy of ``packet`` for the outgoing leg: new PT, sequence, timestamp, SSRC, and
    header extensions translated to the outgoing leg's ids (MID replaced)."""
    if len(packet) < RTP_HEADER_SIZE:
        raise MalformedRtp("shorter than an RTP header")
    marker = packet[1] & 0x80
    if not packet[0] & 0x10 or extensions.identity:
        out = bytearray(packet)
        _HEADER.pack_into(out, 0, out[0], marker | payload_type, sequence, timestamp, ssrc)
        return bytes(out)  # pylibsrtp's protect takes bytes only
    csrc_end = RTP_HEADER_SIZE + 4 * (packet[0] & 0x0F)
    if len(packet) < csrc_end + 4:
        raise MalformedRtp("truncated header extension")
    profile, words = struct.unpack_from("!HH", packet, csrc_end)
    block_end = csrc_end + 4 + 4 * words
    if len(packet) < block_end:
        raise MalformedRtp("truncated header extension")
    elements = (
        _translate_one_byte_extensions(packet[csrc_end + 4 : block_end], extensions)
        if profile == ONE_BYTE_EXTENSION_PROFILE
        else b""  # two-byte extensions are not negotiated by our answers: drop them
    )
    first = packet[0] & ~0x10
    head = bytearray(packet[:csrc_end])
    if elements:
        first |= 0x10
        padded = elements + b"\x00" * (-len(elements) % 4)
        head += struct.pack("!HH", ONE_BYTE_EXTENSION_PROFILE, len(padded) // 4) + padded
    _HEADER.pack_into(head, 0, first, marker | payload_type, sequence, timestamp, ssrc)
    return bytes(head) + packet[block_end:]


def _translate_one_byte_extensions(block: bytes, rewrite: ExtensionRewrite) -> bytes:
    out = bytearray()
    position = 0
    while position < len(block):
        byte = block[position]
        if byte == 0:  # padding between elements
            position += 1
            continue
        element_id, length = byte >> 4, (byte & 0x0F) + 1
        if element_id == 15:  # reserved: stop parsing, as RFC 8285 says
            break
        value = block[position + 1 : position + 1 + length]
        position += 1 + length
        if len(value) != length:
            raise MalformedRtp("truncated extension element")
        out_id = rewrite.id_map.get(element_id)
        if out_id is None:
            continue
        if element_id == rewrite.mid_in_id:
            value = rewrite.mid_value
        out.append((out_id << 4) | (len(value) - 1))
        out += value
    return bytes(out)


def unwrap_rtx(packet: bytes, payload_type: int, ssrc: int) -> bytes | None:
    """The original packet carried by an RTX retransmission (RFC 4588), or None for
    padding-only probes."""
    start = header_length(packet)
    payload = payload_of(packet)
    if len(payload) < 2:
        return None
    original_sequence = _SEQUENCE.unpack_from(payload, 0)[0]
    out = bytearray(packet[:start])
    out[0] &= ~0x20  # the padding went with the RTX payload
    _HEADER.pack_into(
        out,
        0,
        out[0],
        (packet[1] & 0x80) | payload_type,
        original_sequence,
        _U32.unpack_from(packet, 4)[0],
        ssrc,
    )
    out += payload[2:]
    return bytes(out)


def is_vp8_keyframe_start(payload: bytes | memoryview) -> bool:
    """True when this VP8 RTP payload (RFC 7741) starts a keyframe."""
    if len(payload) < 1:
        return False
    descriptor = payload[0]
    start_of_partition = descriptor & 0x10
    partition_id = descriptor & 0x07
    if not start_of_partition or partition_id != 0:
        return False
    position = 1
    if descriptor & 0x80:  # X: extension byte present
        if len(payload) < 2:
            return False
        extension = payload[1]
        position = 2
        if extension & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= position:
                return False
            position += 2 if payload[position] & 0x80 else 1
        if extension & 0x40:  # L: TL0PICIDX
            position += 1
        if extension & 0x30:  # T or K: TID/KEYIDX byte
            position += 1
    if len(payload) <= position:
        return False
    return not payload[position] & 0x01  # P bit: 0 means keyframe


def extended_sequence(previous_extended: int, sequence: int) -> int:
    """Extend a 16-bit sequence number to a monotonic count near ``previous_extended``."""
    base = previous_extended & ~0xFFFF
    candidate = base | sequence
    if candidate - previous_extended > 0x8000:
        candidate -= 0x10000
    elif previous_extended - candidate > 0x8000:
        candidate += 0x10000
    return candidate
