"""Per-participant media statistics for the desk's monitoring wall."""

from __future__ import annotations

import time
from dataclasses import dataclass

from media.participant import Participant


@dataclass(frozen=True)
class DirectionStats:
    packets: int
    packets_lost: int
    bitrate_kbps: float
    frames_per_second: float | None


@dataclass(frozen=True)
class ParticipantStats:
    """``inbound``: what arrives from her; ``outbound_*``: what she reports receiving."""

    inbound: dict[str, DirectionStats]
    outbound_packets_lost: dict[str, int]
    outbound_jitter_ms: dict[str, float]
    round_trip_ms: float | None
    receive_queue_dropped: int


@dataclass(frozen=True)
class RouteCounters:
    """RTP-level forwarding of one kind of media from one participant to the other."""

    source: str
    target: str
    kind: str
    forwarded: int
    resent: int  # answered from the NACK cache
    waiting_for_keyframe: bool
    last_estimate_bps: int = 0  # the target's latest REMB, passed back to the source


async def participant_stats(participant: Participant) -> ParticipantStats:
    now = time.monotonic()
    inbound: dict[str, DirectionStats] = {}
    if participant.passthrough is not None:
        for kind, stream in participant.passthrough.streams.items():
            then, octets, frames = participant.stats_snapshots.get(kind, (now, 0, 0))
            elapsed = now - then
            bitrate = (stream.octets - octets) * 8 / 1000 / elapsed if elapsed > 0 else 0.0
            fps = (stream.frames - frames) / elapsed if elapsed > 0 else 0.0
            participant.stats_snapshots[kind] = (now, stream.octets, stream.frames)
            inbound[kind] = DirectionStats(
                packets=stream.packets,
                packets_lost=stream.packets_lost,
                bitrate_kbps=round(bitrate, 1),
                frames_per_second=round(fps, 1) if kind == "video" else None,
            )
    lost: dict[str, int] = {}
    jitter: dict[str, float] = {}
    round_trip: float | None = None
    for kind, media in participant.media.items():
        report = await media.sender.getStats()
        for entry in report.values():
            if entry.type == "remote-inbound-rtp":
                lost[kind] = int(entry.packetsLost)
                jitter[kind] = round(entry.jitter * 1000 / media.clock_rate, 2)
                if entry.roundTripTime is not None:
                    round_trip = round(entry.roundTripTime * 1000, 1)
    return ParticipantStats(
        inbound=inbound,
        outbound_packets_lost=lost,
        outbound_jitter_ms=jitter,
        round_trip_ms=round_trip,
        receive_queue_dropped=participant.receive_queue.dropped,
    )
