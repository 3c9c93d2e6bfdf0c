"""What one participant's peer connection agreed on: payload types, MID, header extensions.

Read from the answer we generated, so both directions of a leg share one set of numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc import sdp as aiortc_sdp

from media.aiortc_hooks import sender_ssrc
from media.rtp_packets import ExtensionRewrite

MID_EXTENSION_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
MEDIA_KINDS = ("audio", "video")


@dataclass(frozen=True)
class NegotiatedMedia:
    """One m-section of a leg: its codec numbers and aiortc's sender/receiver for it."""

    kind: str
    mid: str
    payload_type: int
    rtx_payload_type: int | None
    clock_rate: int
    extensions: dict[int, str]  # header extension id -> URI
    sender: RTCRtpSender
    receiver: RTCRtpReceiver
    sender_ssrc: int  # fixed when aiortc builds the sender; a field, as every packet reads it


def negotiated_media(pc: RTCPeerConnection, answer_sdp: str) -> dict[str, NegotiatedMedia]:
    description = aiortc_sdp.SessionDescription.parse(answer_sdp)
    transceivers = {t.mid: t for t in pc.getTransceivers()}
    result: dict[str, NegotiatedMedia] = {}
    for section in description.media:
        if section.kind not in MEDIA_KINDS or section.kind in result or section.port == 0:
            continue
        transceiver = transceivers.get(section.rtp.muxId)
        primary = next((c for c in section.rtp.codecs if c.name.lower() != "rtx"), None)
        if transceiver is None or primary is None or primary.payloadType is None:
            continue
        rtx = next(
            (
                c.payloadType
                for c in section.rtp.codecs
                if c.name.lower() == "rtx" and c.parameters.get("apt") == primary.payloadType
            ),
            None,
        )
        result[section.kind] = NegotiatedMedia(
            kind=section.kind,
            mid=str(section.rtp.muxId),
            payload_type=primary.payloadType,
            rtx_payload_type=rtx,
            clock_rate=primary.clockRate,
            extensions={ext.id: ext.uri for ext in section.rtp.headerExtensions},
            sender=transceiver.sender,
            receiver=transceiver.receiver,
            sender_ssrc=sender_ssrc(transceiver.sender),
        )
    return result


def extension_rewrite(source: NegotiatedMedia, target: NegotiatedMedia) -> ExtensionRewrite:
    """How header extensions from ``source`` must look on ``target``'s leg."""
    target_ids = {uri: ext_id for ext_id, uri in target.extensions.items()}
    id_map = {
        in_id: target_ids[uri] for in_id, uri in source.extensions.items() if uri in target_ids
    }
    mid_in_id = next((i for i, uri in source.extensions.items() if uri == MID_EXTENSION_URI), None)
    identity = (
        source.extensions == target.extensions
        and all(in_id == out_id for in_id, out_id in id_map.items())
        and (mid_in_id is None or source.mid == target.mid)
    )
    return ExtensionRewrite(
        id_map=id_map,
        mid_in_id=mid_in_id,
        mid_value=target.mid.encode(),
        identity=identity,
    )
