"""Shared fixtures: settings on a temporary data directory, a migrated database, free ports,
and a guard that fails any test whose code blocks the event loop.

The database is a SQLite file in the test's data directory, or, with ``--database=postgresql``,
a fresh database of its own in one temporary PostgreSQL cluster per session
(``tests/postgres.py``). Either way every test gets an empty database, and
``MAJLIS_DATABASE_URL`` names it when it is PostgreSQL: settings, ``majlis`` subprocesses and
anything else that reads the environment use it without asking."""

from __future__ import annotations

import asyncio
import gc
import itertools
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data

from majlis.database import create_engine
from majlis.migrate import upgrade_to_head
from majlis.settings import Settings, load_settings
from media.bench.pattern import (
    EncodedFrame,
    encode_audio_pattern,
    encode_images,
    encode_video_pattern,
)
from tests.fakes.sms_gateway import FakeGateway
from tests.loop_guard import held_callbacks
from tests.postgres import TemporaryCluster, temporary_cluster

SLOW_CALLBACK_S = 0.5


@pytest.fixture
async def gateway() -> AsyncIterator[FakeGateway]:
    """The local SMS gateway (tests/fakes/sms_gateway.py), started and stopped."""
    fake = FakeGateway()
    await fake.start()
    yield fake
    await fake.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the database every test runs on: a SQLite file (default) or a fresh database "
        "in a temporary PostgreSQL cluster (Debian's postgresql package)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {config.getoption('--database')}"


@pytest.fixture(scope="session")
def postgres_cluster(request: pytest.FixtureRequest) -> Iterator[TemporaryCluster | None]:
    """The session's PostgreSQL cluster with ``--database=postgresql``; None on SQLite."""
    if request.config.getoption("--database") != "postgresql":
        yield None
        return
    with temporary_cluster() as cluster:
        yield cluster


_database_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def database_url(
    postgres_cluster: TemporaryCluster | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str | None]:
    """This test's empty database: None for the SQLite file settings make in the data
    directory, or the URL of a new PostgreSQL database, dropped after the test."""
    import os

    # A developer's own MAJLIS_* variables must not change what a test sees.
    for name in list(os.environ):
        if name.startswith("MAJLIS_"):
            monkeypatch.delenv(name)
    if postgres_cluster is None:
        yield None
        return
    name = f"test_{next(_database_numbers)}"
    postgres_cluster.create_database(name)
    url = postgres_cluster.url(name)
    monkeypatch.setenv("MAJLIS_DATABASE_URL", url)
    try:
        yield url
    finally:
        postgres_cluster.drop_database(name)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return load_settings(data_dir=tmp_path / "data", port=free_port())


@pytest.fixture
async def migrated_settings(settings: Settings) -> AsyncIterator[Settings]:
    engine = create_engine(settings.effective_database_url)
    await upgrade_to_head(engine)
    await engine.dispose()
    return settings


@pytest.fixture(autouse=True)
async def _fail_on_blocked_event_loop() -> AsyncIterator[None]:
    """A callback that holds the event loop longer than SLOW_CALLBACK_S fails the test; time
    its thread only waited for a CPU (other workers, PostgreSQL, Chromium) is not counted
    (tests/loop_guard.py).

    The garbage earlier tests left is collected first and what survives is frozen out of the
    collector's sight: otherwise a full collection of the whole test session's heap (late in
    a run, half a second) lands in whichever callback happens to run, and the guard blames
    code that did not block. A collection of this test's own objects still counts."""
    gc.collect()
    gc.freeze()
    loop = asyncio.get_running_loop()
    loop.set_debug(True)  # handles name the line that created them
    loop.slow_callback_duration = 3600  # judged by held_callbacks, not by the wall clock alone
    with held_callbacks(SLOW_CALLBACK_S) as held:
        yield
    if held:
        pytest.fail("event loop blocked: " + "; ".join(held[:3]))


# -- media the simulated participants send (encoded once per test session) --


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


def face_picture() -> np.ndarray:
    """NASA's public-domain portrait of Eileen Collins (shipped inside scikit-image), 320x240."""
    portrait = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    return np.ascontiguousarray(cv2.resize(portrait, (320, 320))[40:280, :])


@pytest.fixture(scope="session")
def face_video() -> list[EncodedFrame]:
    """A moving face: passes preflight."""
    face = face_picture()
    return encode_images([np.roll(face, 3 * i, axis=1) for i in range(30)])
