"""Kill the server (SIGKILL) mid-audience, start it again: the room comes back from its events
and both participants rejoin with their resume tokens."""

from __future__ import annotations

import asyncio
import json
import signal
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from majlis.settings import load_settings
from media.bench.pattern import EncodedFrame
from tests.conftest import free_port
from tests.e2e.test_cli import MAJLIS, environment, run, wait_for_health
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import Participant


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
    ca = ssl.create_default_context(cafile=str(settings.certs_dir / "ca.pem"))
    server = start_server(env, log)
    try:
        await asyncio.to_thread(
            wait_for_health, f"{settings.base_url}/healthz", settings.certs_dir / "ca.pem"
        )
        # Scheduled by another process while the server runs: it must find the room itself.
        scheduled = await asyncio.to_thread(
            run, ["demo", "room", "--in-minutes", "1", "--json"], env
        )
        assert scheduled.returncode == 0, scheduled.stderr
        tokens = json.loads(scheduled.stdout)["tokens"]
        booth_token, office_token = tokens["booth"], tokens["office"]
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
