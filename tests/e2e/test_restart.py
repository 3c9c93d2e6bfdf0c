"""Kill the server (SIGKILL) mid-audience, start it again: the room comes back from its events
and both participants rejoin with their resume tokens."""

from __future__ import annotations

import asyncio
import signal
import ssl
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from majlis.app import load_keyring, room_timings
from majlis.database import create_engine
from majlis.settings import load_settings
from media.bench.pattern import EncodedFrame
from rooms.service import RoomService, SystemClock
from rooms.store import RoomStore, Seats
from tests.conftest import free_port
from tests.e2e.test_cli import MAJLIS, environment, run, wait_for_health
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import Participant


class NoMedia:
    """This process only schedules the room and issues tokens; the server does the media."""

    def set_media_flow(self, room_id: str, flowing: bool) -> None:
        return None

    async def close_room(self, room_id: str) -> None:
        return None


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen([*MAJLIS, "serve"], env=env, stdout=output, stderr=output)


@pytest.fixture
async def clients() -> AsyncIterator[list[Participant]]:
    made: list[Participant] = []
    yield made
    for client in made:
        await client.close()


@pytest.mark.slow
async def test_a_killed_server_rebuilds_the_room_and_both_sides_rejoin(
    tmp_path: Path,
    clients: list[Participant],
    face_video: list[EncodedFrame],
    audio: list[EncodedFrame],
) -> None:
    data_dir, port = tmp_path / "data", free_port()
    env = environment(data_dir, port)
    log = tmp_path / "server.log"
    assert (await asyncio.to_thread(run, ["init"], env)).returncode == 0
    settings = load_settings(data_dir=data_dir, port=port)
    engine = create_engine(settings.effective_database_url)
    scheduler = RoomService(
        RoomStore(engine),
        NoMedia(),
        load_keyring(settings),
        SystemClock(),
        room_timings(settings),
        timedelta(seconds=settings.seat_grace_s),
    )
    start = datetime.now(UTC) + timedelta(minutes=1)
    await scheduler.schedule(
        "room-1", Seats("booth-1", "office-1"), start, start + timedelta(minutes=6)
    )
    booth_token = scheduler.issue_join_token("room-1", "booth")
    office_token = scheduler.issue_join_token("room-1", "office")
    await engine.dispose()

    ca = ssl.create_default_context(cafile=str(settings.certs_dir / "ca.pem"))
    server = start_server(env, log)
    try:
        await asyncio.to_thread(
            wait_for_health, f"{settings.base_url}/healthz", settings.certs_dir / "ca.pem"
        )
        booth = Participant(settings.base_url, ca, "/booth")
        office = Participant(settings.base_url, ca, "/office")
        clients.extend([booth, office])
        await booth.connect(booth_token)
        await booth.start_media(face_video, audio)
        preflight = await booth.call("preflight")
        assert preflight["passed"], (preflight, log.read_text()[-3000:])
        await office.connect(office_token)
        await office.start_media(face_video, audio)
        assert (await office.call("admit"))["room"]["state"] == "live"
        await wait_for(lambda: office.video_frames() > 10, 5, "media before the crash")
        resumes = {p.namespace: p.received["session"][0]["resume_token"] for p in (booth, office)}

        server.send_signal(signal.SIGKILL)
        await asyncio.to_thread(server.wait, 10)
        for participant in (booth, office):
            await participant.drop()
        server = start_server(env, log)
        await asyncio.to_thread(
            wait_for_health, f"{settings.base_url}/healthz", settings.certs_dir / "ca.pem"
        )

        for participant in (booth, office):
            await participant.connect(resumes[participant.namespace])
            await participant.start_media(face_video, audio)
        state = await office.call("state")
        assert state["room"]["state"] == "live"
        assert state["room"]["booth_present"] is True
        await wait_for(lambda: office.video_frames() > 15, 10, "booth video after the restart")
        await wait_for(lambda: booth.video_frames() > 15, 10, "office video after the restart")
    finally:
        server.terminate()
        try:
            await asyncio.to_thread(server.wait, 15)
        except subprocess.TimeoutExpired:
            server.kill()
            await asyncio.to_thread(server.wait)
