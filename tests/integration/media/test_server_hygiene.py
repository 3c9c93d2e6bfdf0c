"""Preflight on real incoming video, bad input, clean-up and leaks of the MediaServer."""

from __future__ import annotations

import asyncio
import os
import threading

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender

from media.aiortc_hooks import dtls_transport
from media.bench.client import MediaClient
from media.bench.pattern import EncodedFrame, encode_images
from media.config import MediaConfig
from media.errors import (
    MalformedCandidate,
    MalformedSdp,
    PreflightUnavailable,
    RoomFull,
    SdpTooLarge,
    TooManyCandidates,
    TooManyNegotiations,
    UnknownParticipant,
    UnsupportedMedia,
)
from media.preflight import Verdict
from media.server import IceCandidate, MediaServer
from tests.conftest import face_picture
from tests.integration.conftest import wait_for
from tests.integration.media.conftest import Harness


@pytest.fixture(scope="module")
def camera_pictures() -> dict[str, list[EncodedFrame]]:
    face = face_picture()
    return {
        "black": encode_images([np.zeros_like(face)] * 30),
        "frozen": encode_images([face] * 30),
        "face": encode_images([np.roll(face, 3 * i, axis=1) for i in range(30)]),
    }


async def test_preflight_tells_black_frozen_and_face_apart(
    harness: Harness, camera_pictures: dict[str, list[EncodedFrame]]
) -> None:
    for name, video in camera_pictures.items():
        await harness.connect(f"room-{name}", "booth", video)
    results = {
        name: await harness.server.preflight(f"room-{name}", "booth") for name in camera_pictures
    }
    assert results["black"].verdict is Verdict.BLACK
    assert results["frozen"].verdict is Verdict.FROZEN
    assert results["face"].verdict is Verdict.OK
    assert results["face"].faces >= 1


async def test_no_frame_of_a_live_audience_is_decoded(
    harness: Harness, camera_pictures: dict[str, list[EncodedFrame]]
) -> None:
    await harness.connect("room-1", "booth", camera_pictures["face"])
    harness.server.set_media_flow("room-1", True)
    with pytest.raises(PreflightUnavailable):
        await harness.server.preflight("room-1", "booth")


async def _offer(
    codecs: dict[str, str] | None = None, kinds: tuple[str, ...] = ("audio", "video")
) -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        for kind in kinds:
            transceiver = pc.addTransceiver(kind)
            if codecs and kind in codecs:
                transceiver.setCodecPreferences(
                    [
                        c
                        for c in RTCRtpSender.getCapabilities(kind).codecs
                        if c.mimeType.lower() == codecs[kind]
                    ]
                )
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)
    finally:
        await pc.close()


async def test_bad_input_gets_typed_errors_while_another_room_keeps_flowing(
    harness: Harness, camera_pictures: dict[str, list[EncodedFrame]]
) -> None:
    server = harness.server
    await harness.connect("live", "booth", camera_pictures["face"])
    office = await harness.connect("live", "office", camera_pictures["face"])
    server.set_media_flow("live", True)
    await wait_for(lambda: office.received["video"].frames > 10, 5, "the live room to flow")

    good = await _offer()
    with pytest.raises(SdpTooLarge):
        await server.join("other", "booth", "booth", good + "a=x-padding:" + "x" * 20_000 + "\r\n")
    with pytest.raises(MalformedSdp):
        await server.join("other", "booth", "booth", good.replace(" UDP/TLS/RTP/SAVPF", " x UDP"))
    with pytest.raises(UnsupportedMedia):
        await server.join("other", "booth", "booth", "this is not an offer")
    with pytest.raises(UnsupportedMedia):  # H.264 only: the other leg could not receive it
        await server.join("other", "booth", "booth", await _offer({"video": "video/h264"}))
    with pytest.raises(UnsupportedMedia):
        await server.join("other", "booth", "booth", await _offer(kinds=("audio",)))
    candidate = IceCandidate("candidate:1 1 udp 2130706431 127.0.0.1 9 typ host", "0", 0)
    with pytest.raises(UnknownParticipant):
        await server.add_ice_candidate("live", "nobody", candidate)
    with pytest.raises(UnknownParticipant):
        await server.add_ice_candidate("no-such-room", "booth", candidate)
    for text in ("", "candidate:garbage", "candidate:1 1 udp x 127.0.0.1 9 typ host", "c" * 600):
        with pytest.raises(MalformedCandidate):
            await server.add_ice_candidate("live", "booth", IceCandidate(text, "0", 0))
    with pytest.raises(MalformedCandidate):  # names no media section: aiortc would raise
        await server.add_ice_candidate("live", "booth", IceCandidate(candidate.candidate))
    with pytest.raises(TooManyCandidates):  # candidates inside the offer count too
        await server.join("other", "booth", "booth", _with_candidates(good, 40))
    with pytest.raises(UnknownParticipant):
        await server.leave("live", "nobody")
    with pytest.raises(RoomFull):
        await server.join("live", "third", "booth", good)

    assert server.participant_count() == 2
    before = office.received["video"].frames
    await asyncio.sleep(0.5)
    assert office.received["video"].frames > before + 10, "the live room stopped flowing"


def _with_candidates(offer: str, count: int) -> str:
    lines = "".join(
        f"a=candidate:{n} 1 udp 2130706431 127.0.0.1 {9000 + n} typ host\r\n" for n in range(count)
    )
    return offer.replace("a=mid:0\r\n", "a=mid:0\r\n" + lines, 1)


async def test_a_seat_that_keeps_sending_offers_is_refused_and_others_are_not(
    harness: Harness,
) -> None:
    server, offer = harness.server, await _offer()
    for _ in range(10):  # a reconnecting booth sends one offer each time
        await server.join("room-1", "booth", "booth", offer)
    with pytest.raises(TooManyNegotiations):
        await server.join("room-1", "booth", "booth", offer)
    await server.join("room-1", "office", "office", offer)  # the other seat is unaffected
    await server.join("room-2", "booth", "booth", offer)  # and the same seat of another room


async def _connected_pair(harness: Harness, video: list[EncodedFrame]) -> MediaClient:
    await harness.connect("room-1", "booth", video)
    office = await harness.connect("room-1", "office", video)
    await wait_for(lambda: office.pc.connectionState == "connected", 5, "the office to connect")
    assert office.received["audio"].frames == 0, "nothing before admission"
    return office


async def test_a_participant_who_closes_is_removed_within_five_seconds(
    harness: Harness, camera_pictures: dict[str, list[EncodedFrame]]
) -> None:
    office = await _connected_pair(harness, camera_pictures["face"])
    await office.close()
    waited = await wait_for(lambda: bool(harness.gone), 5, "the office to be cleaned up")
    assert waited < 5
    assert harness.gone == [("room-1", "office", "ice_closed")]
    assert harness.server.participant_count() == 1


async def test_a_participant_who_vanishes_without_closing_is_removed_within_five_seconds(
    harness: Harness, camera_pictures: dict[str, list[EncodedFrame]]
) -> None:
    office = await _connected_pair(harness, camera_pictures["face"])
    await asyncio.sleep(0.5)
    # A pulled network cable: her datagrams simply stop, no DTLS close, no ICE goodbye.
    for protocol in dtls_transport(office.pc).transport._connection._protocols:
        protocol.transport.close()
    waited = await wait_for(lambda: bool(harness.gone), 5, "the office to be cleaned up")
    assert waited < 5
    assert harness.gone == [("room-1", "office", "silent")]
    assert harness.server.participant_count() == 1


async def test_a_participant_who_never_connects_is_removed(
    audio: list[EncodedFrame], camera_pictures: dict[str, list[EncodedFrame]]
) -> None:
    gone: list[str] = []

    async def on_gone(_room: str, _participant: str, reason: str) -> None:
        gone.append(reason)

    server = MediaServer(MediaConfig(connect_timeout_s=1.0), on_participant_gone=on_gone)
    await server.start()
    try:
        await server.join("room-1", "booth", "booth", await _offer())  # the answer goes nowhere
        await wait_for(lambda: bool(gone), 3, "the unconnected participant to be removed")
        assert gone == ["connect_timeout"]
        assert server.participant_count() == 0
    finally:
        await server.close()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
async def test_join_and_leave_200_times_leaves_nothing_behind(harness: Harness) -> None:
    server = harness.server
    offers = [await _offer() for _ in range(4)]

    async def cycle(index: int) -> None:  # one room each: a seat's offers are rate-limited
        await server.join(f"room-{index}", "booth", "booth", offers[index % len(offers)])
        await server.leave(f"room-{index}", "booth")

    for index in range(10):  # warm-up: thread pools, codecs, caches
        await cycle(index)
    await asyncio.sleep(0.5)
    tasks, fds, threads = len(asyncio.all_tasks()), _open_fds(), threading.active_count()
    for index in range(200):
        await cycle(index)
    await asyncio.sleep(0.5)
    assert server.participant_count() == 0
    assert len(asyncio.all_tasks()) <= tasks + 2
    assert _open_fds() <= fds + 4
    assert threading.active_count() <= threads + 2
