"""A real Majlis server over TLS on loopback with a clock the test moves, and participants
that are python-socketio clients with aiortc peer connections."""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp import web

from majlis.app import ROOMS, create_app
from majlis.serve import ssl_context_for
from majlis.settings import Settings
from media.bench.client import MediaClient
from media.bench.pattern import EncodedFrame
from rooms.service import RoomService
from rooms.store import Seats
from tests.integration.conftest import wait_for

SLOT_START = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


class ManualClock:
    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


class Participant:
    """One client: a Socket.IO connection on its namespace, and optionally media."""

    def __init__(self, base_url: str, ca: ssl.SSLContext, namespace: str) -> None:
        self.base_url = base_url
        self.namespace = namespace
        self._ca = ca
        self.received: dict[str, list[Any]] = defaultdict(list)
        self.media: MediaClient | None = None
        self.http: aiohttp.ClientSession | None = None
        self.sio = self._new_client()

    def _new_client(self) -> socketio.AsyncClient:
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._ca))
        client = socketio.AsyncClient(http_session=self.http, reconnection=False)

        @client.on("*", namespace=self.namespace)
        async def any_event(event: str, data: Any = None) -> None:
            self.received[event].append(data)

        @client.on("connect_error", namespace=self.namespace)
        async def refused(data: Any = None) -> None:
            self.received["connect_error"].append(data)

        return client

    async def connect(self, token: str, device_proof: Mapping[str, object] | None = None) -> None:
        """Take the seat with ``token``; an enrolled device adds its credential and a fresh
        proof of its key (``Client.seat_auth`` in tests/integration/api/test_devices.py)."""
        await self.sio.connect(
            self.base_url,
            namespaces=[self.namespace],
            transports=["websocket"],
            auth={"token": token, **(device_proof or {})},
            wait_timeout=10,
        )

    async def call(self, event: str, data: Any = None) -> dict[str, Any]:
        answer: dict[str, Any] = await self.sio.call(
            event, data if data is not None else {}, namespace=self.namespace, timeout=15
        )
        return answer

    async def start_media(self, video: list[EncodedFrame], audio: list[EncodedFrame]) -> None:
        if self.media is not None:
            await self.media.close()
        self.media = MediaClient(video, audio)
        answer = await self.call("offer", {"sdp": await self.media.offer()})
        assert answer["ok"], answer
        await self.media.accept(answer["sdp"])

    def video_frames(self) -> int:
        return self.media.received["video"].frames if self.media else 0

    async def drop(self) -> None:
        """Lose the connection abruptly: socket and peer connection both."""
        await self.close()
        self.received.clear()
        self.sio = self._new_client()

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        if self.media is not None:
            await self.media.close()
            self.media = None
        if self.http is not None:
            await self.http.close()


@dataclass
class LiveServer:
    settings: Settings
    base_url: str
    ca: ssl.SSLContext
    clock: ManualClock
    app: web.Application
    participants: list[Participant] = field(default_factory=list)

    @property
    def rooms(self) -> RoomService:
        return self.app[ROOMS]

    def participant(self, namespace: str) -> Participant:
        participant = Participant(self.base_url, self.ca, namespace)
        self.participants.append(participant)
        return participant

    async def schedule(
        self, room_id: str = "room-1", booth: str = "booth-riyadh-1", start: datetime = SLOT_START
    ) -> None:
        await self.rooms.schedule(
            room_id,
            Seats(booth, "office-1"),
            start,
            start + timedelta(minutes=6),
            start + timedelta(minutes=8),
        )

    async def at(self, moment: datetime, state: str | None = None, room: str = "room-1") -> None:
        """Move the clock and wait until the room clock has applied what is due."""
        self.clock.set(moment)
        await self.rooms.tick()
        if state is not None:
            await wait_for(lambda: self.rooms.room(room).state.value == state, 3, state)


def minutes(n: float) -> datetime:
    return SLOT_START + timedelta(minutes=n)


@pytest.fixture
async def live(
    migrated_settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[LiveServer]:
    """``@pytest.mark.parametrize("live", [{setting: value}], indirect=True)`` changes
    settings for one test."""
    changes = {"room_tick_s": 0.05, "seat_grace_s": 3.0, **getattr(request, "param", {})}
    settings = migrated_settings.model_copy(update=changes)
    clock = ManualClock(minutes(-20))
    app = create_app(settings, clock=clock)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.port, ssl_context=ssl_context_for(settings))
    await site.start()
    ca = ssl.create_default_context(cafile=str(settings.certs_dir / "ca.pem"))
    server = LiveServer(settings, settings.base_url, ca, clock, app)
    try:
        yield server
    finally:
        for participant in server.participants:
            await participant.close()
        await asyncio.sleep(0)
        await runner.cleanup()


async def live_audience(
    live: LiveServer,
    video: list[EncodedFrame],
    audio: list[EncodedFrame],
    room: str = "room-1",
    start: datetime = SLOT_START,
) -> tuple[Participant, Participant]:
    """A scheduled room taken to ``live``: booth through preflight, office admitted it, media
    flowing."""
    await live.at(start - timedelta(minutes=10), "open", room=room)
    booth = live.participant("/booth")
    await booth.connect(live.rooms.issue_join_token(room, "booth"))
    await booth.start_media(video, audio)
    assert (await booth.call("preflight"))["passed"]
    office = live.participant("/office")
    await office.connect(live.rooms.issue_join_token(room, "office"))
    await office.start_media(video, audio)
    await live.at(start)
    assert (await office.call("admit"))["room"]["state"] == "live"
    await wait_for(lambda: office.video_frames() > 10, 5, "booth video at the office")
    await wait_for(lambda: booth.video_frames() > 10, 5, "office video at the booth")
    return booth, office
