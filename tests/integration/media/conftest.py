"""Real aiortc peer connections over loopback: a MediaServer and simulated participants
(pre-encoded VP8/Opus replayed with frame counters), all in the test's event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from media.bench.client import MediaClient
from media.bench.pattern import EncodedFrame, encode_audio_pattern, encode_video_pattern
from media.config import MediaConfig
from media.server import MediaServer


@dataclass
class Harness:
    server: MediaServer
    audio: list[EncodedFrame]
    gone: list[tuple[str, str, str]] = field(default_factory=list)
    clients: list[MediaClient] = field(default_factory=list)

    async def connect(
        self,
        room: str,
        participant: str,
        video: list[EncodedFrame],
        loss: float = 0.0,
    ) -> MediaClient:
        client = MediaClient(video, self.audio, loss=loss)
        self.clients.append(client)
        answer = await self.server.join(room, participant, participant, await client.offer())
        await client.accept(answer)
        return client


async def wait_for(predicate: Callable[[], bool], within_s: float, what: str) -> float:
    """Seconds until ``predicate`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > within_s:
            pytest.fail(f"timed out after {within_s} s waiting for {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


@pytest.fixture(scope="session")
def video_short_gop() -> list[EncodedFrame]:
    """One second between keyframes."""
    return encode_video_pattern(320, 240, frames=60, keyframe_interval=30)


@pytest.fixture(scope="session")
def video_long_gop() -> list[EncodedFrame]:
    """One keyframe in ten seconds: only a forwarded keyframe request starts a receiver."""
    return encode_video_pattern(320, 240, frames=300, keyframe_interval=300)


@pytest.fixture(scope="session")
def audio() -> list[EncodedFrame]:
    return encode_audio_pattern()


@pytest.fixture
async def harness(audio: list[EncodedFrame]) -> AsyncIterator[Harness]:
    gone: list[tuple[str, str, str]] = []

    async def on_gone(room: str, participant: str, reason: str) -> None:
        gone.append((room, participant, reason))

    server = MediaServer(MediaConfig(), on_participant_gone=on_gone)
    harness = Harness(server, audio, gone)
    try:
        yield harness
    finally:
        for client in harness.clients:
            await client.close()
        await server.close()
