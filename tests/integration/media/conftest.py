"""Real aiortc peer connections over loopback: a MediaServer and simulated participants
(pre-encoded VP8/Opus replayed with frame counters), all in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from media.bench.client import MediaClient
from media.bench.pattern import EncodedFrame
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


@pytest.fixture
async def harness(audio: list[EncodedFrame]) -> AsyncIterator[Harness]:
    gone: list[tuple[str, str, str]] = []

    async def on_gone(room: str, participant: str, reason: str) -> None:
        gone.append((room, participant, reason))

    server = MediaServer(MediaConfig(), on_participant_gone=on_gone)
    await server.start()
    harness = Harness(server, audio, gone)
    try:
        yield harness
    finally:
        for client in harness.clients:
            await client.close()
        await server.close()
