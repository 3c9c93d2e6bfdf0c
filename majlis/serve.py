"""Running the HTTPS server (and the optional redirect listener) until asked to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from certs.authority import ensure_certificates
from certs.tls import server_ssl_context
from majlis.app import create_app, create_redirect_app
from majlis.logs import AccessLogger
from majlis.settings import Settings
from majlis.web_pages import APPS

log = logging.getLogger(__name__)


def ssl_context_for(settings: Settings) -> ssl.SSLContext:
    """Operator-supplied files when configured, else the generated ones (renewed as needed)."""
    if settings.tls_cert_file and settings.tls_key_file:
        return server_ssl_context(settings.tls_cert_file, settings.tls_key_file)
    report = ensure_certificates(
        settings.certs_dir,
        now=datetime.now(UTC),
        hostnames=tuple(settings.tls_hostnames),
        renew_within=timedelta(days=settings.cert_renew_days),
    )
    if report.server_action != "kept":
        log.info("server certificate %s", report.server_action)
    return server_ssl_context(report.files.server_cert, report.files.server_key)


def app_urls(settings: Settings) -> dict[str, str]:
    return {name: f"{settings.base_url}/{name}" for name in APPS}


async def serve(settings: Settings, announce: Callable[[str], None] = print) -> None:
    """Serve until SIGINT or SIGTERM; raises if the app cannot start (e.g. unmigrated DB)."""
    ssl_context = ssl_context_for(settings)
    runner = web.AppRunner(create_app(settings), access_log_class=AccessLogger)
    redirect_runner: web.AppRunner | None = None
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port, ssl_context=ssl_context).start()
        if settings.redirect_port:
            redirect_runner = web.AppRunner(create_redirect_app(settings))
            await redirect_runner.setup()
            await web.TCPSite(redirect_runner, settings.host, settings.redirect_port).start()
        for name, url in app_urls(settings).items():
            announce(f"{name:>7}: {url}")
        announce(f"serving on {settings.base_url} (Ctrl+C to stop)")
        await _wait_for_stop_signal()
    finally:
        if redirect_runner is not None:
            await redirect_runner.cleanup()
        await runner.cleanup()


async def _wait_for_stop_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
