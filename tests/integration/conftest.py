"""A real Majlis HTTPS server on 127.0.0.1 with generated certificates, in the test's loop."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from majlis.app import create_app
from majlis.serve import ssl_context_for
from majlis.settings import Settings


@dataclass(frozen=True)
class RunningServer:
    settings: Settings
    base_url: str
    ca_file: Path

    def client_ssl(self) -> ssl.SSLContext:
        """A client context that trusts only the generated CA."""
        return ssl.create_default_context(cafile=str(self.ca_file))


@pytest.fixture
async def server(
    migrated_settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[RunningServer]:
    """``@pytest.mark.parametrize("server", [{setting: value}], indirect=True)`` changes
    settings for one test."""
    settings = migrated_settings.model_copy(update=getattr(request, "param", {}))
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
