"""Live quality and the room's video gate, through the UDP impairment proxy."""

from __future__ import annotations

import asyncio

from media.bench.client import MediaClient
from media.bench.pattern import EncodedFrame
from media.negotiation import negotiated_media
from media.quality import DirectionQuality
from tests.integration.conftest import wait_for
from tests.integration.media.conftest import Harness


def booth_video(samples: list[DirectionQuality]) -> DirectionQuality:
    return next(s for s in samples if s.source == "booth" and s.kind == "video")


async def settled_quality(harness: Harness, seconds: float) -> list[DirectionQuality]:
    await harness.server.quality("room-1")
    await asyncio.sleep(seconds)
    return (await harness.server.quality("room-1"))[1]


async def test_quality_through_the_proxy_sees_frame_rate_and_injected_loss(
    harness: Harness, video_short_gop: list[EncodedFrame]
) -> None:
    booth, proxy = await harness.connect_through("room-1", "booth", video_short_gop)
    office = await harness.connect("room-1", "office", video_short_gop)
    harness.server.set_media_flow("room-1", True)
    await wait_for(lambda: office.received["video"].frames > 30, 5, "booth video at the office")
    assert proxy.counters()["upstream"].passed > 0, "the booth's media did not cross the proxy"

    # The pattern is sent at 30 fps; a loaded 2-core machine delivers somewhat fewer.
    clean = booth_video(await settled_quality(harness, 2.0))
    assert clean.frames_per_second is not None
    assert clean.frames_per_second >= 20
    assert clean.loss < 0.05
    assert clean.bitrate_kbps > 0

    proxy.upstream.loss = 0.3
    proxy.upstream.loss_payload_types = frozenset({payload_type(booth, "video")})
    lossy = await settled_quality(harness, 2.0)
    assert booth_video(lossy).loss > 0.15
    audio = next(s for s in lossy if s.source == "booth" and s.kind == "audio")
    assert audio.loss < 0.05, "the loss was meant for video only"


async def test_voice_only_forwards_no_booth_video_while_audio_flows(
    harness: Harness, video_short_gop: list[EncodedFrame]
) -> None:
    booth = await harness.connect("room-1", "booth", video_short_gop)
    office = await harness.connect("room-1", "office", video_short_gop)
    harness.server.set_media_flow("room-1", True)
    await wait_for(lambda: office.received["video"].frames > 30, 5, "booth video at the office")
    harness.server.set_voice_only("room-1", "booth", True)
    await asyncio.sleep(0.2)
    video_before, audio_before = (office.received[k].frames for k in ("video", "audio"))
    booth_sees = booth.received["video"].frames
    await asyncio.sleep(1.0)
    assert office.received["video"].frames == video_before
    assert office.received["audio"].frames > audio_before + 30
    assert booth.received["video"].frames > booth_sees + 20, "the office's video must go on"
    harness.server.set_voice_only("room-1", "booth", False)
    await wait_for(lambda: office.received["video"].frames > video_before + 15, 2, "video back")


def payload_type(client: MediaClient, kind: str) -> int:
    """The payload type the client sends ``kind`` with (what the proxy sees in the clear)."""
    answer = client.pc.remoteDescription.sdp
    return negotiated_media(client.pc, answer)[kind].payload_type
