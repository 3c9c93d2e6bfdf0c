"""A real Majlis HTTPS server on 127.0.0.1 with generated certificates, in the test's loop."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
from aiohttp import web

from majlis.app import create_app
from majlis.serve import ssl_context_for
from majlis.settings import Settings
from media.bench.pattern import (
    EncodedFrame,
    encode_audio_pattern,
    encode_images,
    encode_video_pattern,
)


@dataclass(frozen=True)
class RunningServer:
    settings: Settings
    base_url: str
    ca_file: Path

    def client_ssl(self) -> ssl.SSLContext:
        """A client context that trusts only the generated CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))


@pytest.fixture
async def server(migrated_settings: Settings) -> AsyncIterator[RunningServer]:
    settings = migrated_settings
    ssl_context = ssl_context_for(settings)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port, ssl_context=ssl_context).start()
    try:
        yield RunningServer(settings, settings.base_url, settings.certs_dir / "ca.pem")
    finally:
        await runner.cleanup()


async def wait_for(predicate: Callable[[], bool], within_s: float, what: str) -> float:
    """Seconds until ``predicate`` held; fails the test after ``within_s``."""
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


def face_picture() -> np.ndarray:
    """NASA's public-domain portrait of Eileen Collins (shipped inside scikit-image), 320x240."""
    portrait = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    return np.ascontiguousarray(cv2.resize(portrait, (320, 320))[40:280, :])


@pytest.fixture(scope="session")
def face_video() -> list[EncodedFrame]:
    """A moving face: passes preflight."""
    face = face_picture()
    return encode_images([np.roll(face, 3 * i, axis=1) for i in range(30)])
