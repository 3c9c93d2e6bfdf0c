"""Real aiortc peer connections over loopback: a MediaServer and simulated participants
(pre-encoded VP8/Opus replayed with frame counters), all in the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from media.bench.client import MediaClient
from media.bench.impairment import ImpairmentProxy
from media.bench.pattern import EncodedFrame
from media.bench.sealing import FrameSealer
from media.config import MediaConfig
from media.server import MediaServer


@dataclass
class Harness:
    server: MediaServer
    audio: list[EncodedFrame]
    gone: list[tuple[str, str, str]] = field(default_factory=list)
    clients: list[MediaClient] = field(default_factory=list)
    proxies: list[ImpairmentProxy] = field(default_factory=list)

    async def connect(
        self,
        room: str,
        participant: str,
        video: list[EncodedFrame],
        loss: float = 0.0,
        sealer: FrameSealer | None = None,
    ) -> MediaClient:
        client = MediaClient(video, self.audio, loss=loss, sealer=sealer)
        self.clients.append(client)
        answer = await self.server.join(room, participant, participant, await client.offer())
        await client.accept(answer)
        return client

    async def connect_through(
        self, room: str, participant: str, video: list[EncodedFrame]
    ) -> tuple[MediaClient, ImpairmentProxy]:
        """A participant whose every datagram to and from the server crosses a proxy."""
        proxy = ImpairmentProxy()
        await proxy.start()
        self.proxies.append(proxy)
        client = MediaClient(video, self.audio)
        self.clients.append(client)
        offer = proxy.client_offer(await client.offer())
        answer = await self.server.join(room, participant, participant, offer)
        await client.accept(proxy.server_answer(answer))
        return client, proxy


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
        for proxy in harness.proxies:
            proxy.close()
        await server.close()
