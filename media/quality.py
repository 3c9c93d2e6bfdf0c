"""Live quality of each direction of a room, sampled every second without decoding anything.

For each participant and kind of media the server already counts, on the forwarding path,
the packets, octets and frames (marker bits) that arrive and the highest sequence number;
the target's RTCP receiver reports say what it lost on the server's leg and its jitter, and
aiortc's sender statistics give the round-trip time. A sample is the difference between two
readings of those counters: delivered frame rate, bitrate, loss (the worse of the sequence
gaps on arrival and the receiver's report), jitter and round-trip time.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundation.media_quality import DirectionQuality
from media.participant import Participant

__all__ = ["KINDS", "DirectionQuality", "StreamReading"]  # DirectionQuality: the one value

KINDS = ("audio", "video")


@dataclass(frozen=True)
class StreamReading:
    """Cumulative counters of one incoming stream at one moment."""

    at: float  # monotonic seconds
    packets: int
    octets: int
    frames: int
    expected: int  # packets the sequence numbers say were sent


def reading_of(participant: Participant, kind: str, now: float) -> StreamReading | None:
    if participant.passthrough is None:
        return None
    stream = participant.passthrough.streams.get(kind)
    if stream is None:
        return None
    expected = 0
    if stream.first_sequence is not None:
        expected = stream.highest_sequence - stream.first_sequence + 1
    return StreamReading(now, stream.packets, stream.octets, stream.frames, expected)


def direction_quality(
    source: str,
    kind: str,
    before: StreamReading,
    after: StreamReading,
    reported_loss: float,
    jitter_ms: float | None,
    round_trip_ms: float | None,
) -> DirectionQuality:
    """Pure: the quality between two readings of the same stream."""
    elapsed = after.at - before.at
    packets = after.packets - before.packets
    expected = after.expected - before.expected
    if packets < 0 or expected < 0:  # a new SSRC (a reconnect) restarted the counters
        packets, expected = after.packets, after.expected
    arrival_loss = max(0.0, 1 - packets / expected) if expected > 0 else 0.0
    if elapsed <= 0:
        bitrate, fps = 0.0, 0.0
    else:
        bitrate = max(0, after.octets - before.octets) * 8 / 1000 / elapsed
        fps = max(0, after.frames - before.frames) / elapsed
    return DirectionQuality(
        source=source,
        kind=kind,
        frames_per_second=round(fps, 1) if kind == "video" else None,
        bitrate_kbps=round(bitrate, 1),
        loss=round(min(1.0, max(arrival_loss, reported_loss)), 3),
        jitter_ms=None if jitter_ms is None else round(jitter_ms, 1),
        round_trip_ms=round_trip_ms,
    )


async def round_trip_ms(participant: Participant) -> float | None:
    """The server↔participant round trip, from the receiver reports on the server's senders."""
    for media in participant.media.values():
        report = await media.sender.getStats()
        for entry in report.values():
            if entry.type == "remote-inbound-rtp" and entry.roundTripTime is not None:
                return round(float(entry.roundTripTime) * 1000, 1)
    return None


async def sample_participant(
    participant: Participant, now: float, previous: dict[str, StreamReading]
) -> list[DirectionQuality]:
    """Her media's quality since ``previous`` (updated in place with the new readings)."""
    rtt = await round_trip_ms(participant)
    samples: list[DirectionQuality] = []
    for kind in KINDS:
        reading = reading_of(participant, kind, now)
        if reading is None:
            continue
        before = previous.get(kind)
        previous[kind] = reading
        if before is None:
            continue  # a first reading: a rate needs two
        route = participant.passthrough.streams[kind].route if participant.passthrough else None
        reported = route.reported_fraction_lost if route is not None else 0.0
        jitter = route.reported_jitter_ms if route is not None else None
        samples.append(
            direction_quality(participant.role, kind, before, reading, reported, jitter, rtt)
        )
    return samples
