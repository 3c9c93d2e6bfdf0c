"""RTP-level forwarding between real aiortc peers: order, keyframes for late joiners, loss."""

from __future__ import annotations

import asyncio

import pytest

from media.bench.client import MediaClient
from media.bench.clients import bench_sealer
from media.bench.pattern import EncodedFrame
from media.bench.run import run_once
from tests.integration.conftest import wait_for
from tests.integration.media.conftest import Harness


@pytest.mark.slow
def test_frames_cross_both_ways_in_order_between_separate_processes() -> None:
    """Server and clients each in their own process, as in production and the benchmark."""
    run = run_once("passthrough", audiences=1, seconds=3.0)
    assert run.decoders == 0
    assert run.encoders == 0
    assert run.out_of_order == 0
    assert set(run.fps_by_direction) == {
        f"{direction}_{kind}"
        for direction in ("booth_to_office", "office_to_booth")
        for kind in ("video", "audio")
    }
    for direction, fps in run.fps_by_direction.items():
        expected = 30 if direction.endswith("video") else 50
        assert min(fps) >= 0.9 * expected, direction
    assert len(run.latencies_ms) >= 80  # stamped video frames, both directions


async def test_counters_arrive_in_order_and_nothing_flows_before_admission(
    harness: Harness, video_short_gop: list[EncodedFrame]
) -> None:
    booth = await harness.connect("room-1", "booth", video_short_gop)
    office = await harness.connect("room-1", "office", video_short_gop)
    await asyncio.sleep(1.0)
    assert office.received["video"].frames == 0, "media reached the office before admission"
    assert booth.received["video"].frames == 0
    harness.server.set_media_flow("room-1", True)
    await wait_for(lambda: office.assembled["video"].stamped >= 30, 5, "30 frames at the office")
    await wait_for(lambda: booth.assembled["video"].stamped >= 30, 5, "30 frames at the booth")
    for client in (booth, office):
        counters = client.assembled["video"].counters
        assert counters == sorted(counters)
        assert client.assembled["video"].out_of_order == 0
        assert client.received["audio"].stamped >= 40
    harness.server.set_media_flow("room-1", False)
    await asyncio.sleep(0.3)
    paused_at = office.received["video"].frames
    await asyncio.sleep(0.5)
    assert office.received["video"].frames == paused_at, "media flowed after the flow stopped"


async def test_a_late_receiver_sees_its_first_frame_within_a_second(
    harness: Harness, video_long_gop: list[EncodedFrame]
) -> None:
    booth = await harness.connect("room-1", "booth", video_long_gop)
    harness.server.set_media_flow("room-1", True)
    await asyncio.sleep(1.5)  # the booth's camera is well past its only keyframe
    office = await harness.connect("room-1", "office", video_long_gop)
    waited = await wait_for(
        lambda: office.assembled["video"].frames > 0, 3, "the office's first video frame"
    )
    assert waited < 1.0
    assert booth.video_track.keyframes_requested >= 1


async def test_frames_sealed_end_to_end_cross_as_they_are_and_a_late_receiver_gets_a_keyframe(
    harness: Harness, video_long_gop: list[EncodedFrame]
) -> None:
    """The browsers' frame format (media/bench/sealing.py): the server finds the keyframe in
    the clear header, forwards the rest untouched, and every frame opens at the other end."""
    booth = await harness.connect(
        "room-1", "booth", video_long_gop, sealer=bench_sealer(0, "booth")
    )
    harness.server.set_media_flow("room-1", True)
    await asyncio.sleep(1.5)  # the booth's camera is well past its only keyframe
    office_sealer = bench_sealer(0, "office")
    office = await harness.connect("room-1", "office", video_long_gop, sealer=office_sealer)
    await wait_for(lambda: office.assembled["video"].stamped >= 30, 3, "30 frames at the office")
    await wait_for(lambda: booth.assembled["video"].stamped >= 30, 3, "30 frames at the booth")
    assert booth.video_track.keyframes_requested >= 1
    assert (booth.unopened, office.unopened) == (0, 0)
    assert office.assembled["audio"].stamped > 0
    assert harness.server.route_counters("room-1")  # forwarded, never decoded


async def test_video_keeps_flowing_with_five_percent_loss_on_one_leg(
    harness: Harness, video_long_gop: list[EncodedFrame]
) -> None:
    booth = await harness.connect("room-1", "booth", video_long_gop)
    office = await harness.connect("room-1", "office", video_long_gop, loss=0.05)
    harness.server.set_media_flow("room-1", True)
    await wait_for(lambda: office.assembled["video"].frames > 0, 3, "the first frame")
    office.start_window()
    await asyncio.sleep(6.0)
    video = office.assembled["video"]
    assert office.lossy_queue is not None
    assert office.lossy_queue.dropped > 20
    assert video.longest_gap_s < 1.0, f"video stalled for {video.longest_gap_s:.2f} s"
    assert video.frames >= 0.85 * 30 * 6
    to_office = [
        c
        for c in harness.server.route_counters("room-1")
        if (c.source, c.target, c.kind) == ("booth", "office", "video")
    ]
    assert len(to_office) == 1
    assert to_office[0].resent > 0, "no NACK was answered from the cache"
    assert booth.assembled["video"].longest_gap_s < 1.0


async def test_two_participants_joining_at_the_same_moment_are_wired_together(
    harness: Harness, video_short_gop: list[EncodedFrame]
) -> None:
    """Both sides rejoin at once after a restart: each join must see the other."""
    booth = MediaClient(video_short_gop, harness.audio)
    office = MediaClient(video_short_gop, harness.audio)
    harness.clients += [booth, office]
    booth_offer, office_offer = await asyncio.gather(booth.offer(), office.offer())
    booth_answer, office_answer = await asyncio.gather(
        harness.server.join("room-1", "booth", "booth", booth_offer),
        harness.server.join("room-1", "office", "office", office_offer),
    )
    await asyncio.gather(booth.accept(booth_answer), office.accept(office_answer))
    harness.server.set_media_flow("room-1", True)
    await wait_for(lambda: office.received["video"].frames > 10, 5, "booth video at the office")
    await wait_for(lambda: booth.received["video"].frames > 10, 5, "office video at the booth")


async def test_voice_only_forwards_no_booth_video_even_if_the_booth_still_sends_it(
    harness: Harness, video_short_gop: list[EncodedFrame]
) -> None:
    """Issue 16: the server's gate, not the browser's goodwill — this booth keeps sending."""
    booth = await harness.connect("room-1", "booth", video_short_gop)
    office = await harness.connect("room-1", "office", video_short_gop)
    harness.server.set_media_flow("room-1", True)
    await wait_for(lambda: office.assembled["video"].frames >= 10, 5, "video at the office")
    harness.server.set_voice_only("room-1", "booth", True)
    await asyncio.sleep(0.3)
    held_at, audio_at = office.received["video"].frames, office.received["audio"].stamped
    await asyncio.sleep(1.5)
    assert office.received["video"].frames == held_at, "booth video passed a voice-only room"
    assert office.received["audio"].stamped > audio_at + 20, "her voice stopped"
    assert booth.assembled["video"].frames > 0  # the office's video still reaches her
    harness.server.set_voice_only("room-1", "booth", False)
    await wait_for(
        lambda: office.received["video"].frames > held_at + 10, 2, "video back at the office"
    )


async def test_the_receivers_bandwidth_estimate_reaches_the_publisher(
    harness: Harness, video_short_gop: list[EncodedFrame]
) -> None:
    booth = await harness.connect("room-1", "booth", video_short_gop)
    await harness.connect("room-1", "office", video_short_gop)
    harness.server.set_media_flow("room-1", True)

    def passed_on() -> int:
        [route] = [
            c
            for c in harness.server.route_counters("room-1")
            if (c.source, c.target, c.kind) == ("booth", "office", "video")
        ]
        return route.last_estimate_bps

    def booth_told_the_latest() -> bool:
        told = booth.bandwidth_estimates
        return bool(told) and told[-1][1] == passed_on()

    await wait_for(lambda: passed_on() > 0, 5, "the office's REMB at the server")
    await wait_for(booth_told_the_latest, 3, "the booth told the office's latest estimate")
