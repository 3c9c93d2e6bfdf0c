"""The app over real TLS on loopback: trust, security headers, pages, metrics, limits."""

from __future__ import annotations

import asyncio
import logging
import ssl

import aiohttp
import pytest
from sqlalchemy import select

from audit.log import audit_log
from majlis.database import create_engine
from majlis.http_security import CONTENT_SECURITY_POLICY
from tests.integration.conftest import RunningServer


async def test_client_trusting_the_generated_ca_reaches_healthz(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/healthz", ssl=server.client_ssl()) as response,
    ):
        assert response.status == 200
        assert response.content_type == "application/json"
        body = await response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok"}


async def test_client_trusting_nothing_is_refused(server: RunningServer) -> None:
    system_trust_only = ssl.create_default_context()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(f"{server.base_url}/healthz", ssl=system_trust_only)


async def test_plain_http_on_the_https_port_gets_no_page(server: RunningServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.settings.port)
    writer.write(b"GET /booth HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    assert b"HTTP/1.1 200" not in answer
    assert b"<html" not in answer


@pytest.mark.parametrize(
    "path", ["/healthz", "/booth", "/static/shared/style.css", "/no-such-page", "/metrics"]
)
async def test_every_response_carries_the_security_headers(
    server: RunningServer, path: str
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}{path}", ssl=server.client_ssl()) as response,
    ):
        headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert "microphone=(self)" in headers["Permissions-Policy"]


@pytest.mark.parametrize("app_name", ["booth", "office", "desk"])
async def test_each_browser_app_page_is_arabic_right_to_left(
    server: RunningServer, app_name: str
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/{app_name}", ssl=server.client_ssl()) as response,
    ):
        assert response.status == 200
        page = await response.text()
    assert '<html lang="ar" dir="rtl">' in page
    assert "<script>" not in page  # the CSP forbids inline scripts


async def test_unknown_path_is_problem_json_without_traceback(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/static/../../etc/passwd", ssl=server.client_ssl()) as r1,
        session.get(f"{server.base_url}/nothing-here", ssl=server.client_ssl()) as r2,
    ):
        assert r1.status in (403, 404)
        assert "root:" not in await r1.text()
        assert r2.status == 404
        assert await r2.json() == {
            "code": "not_found",
            "message_key": "errors.not_found",
            "details": "",
        }


async def test_wrong_method_is_problem_json(server: RunningServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.base_url}/healthz", data=b"{}", ssl=server.client_ssl()) as r,
    ):
        assert r.status == 405
        assert (await r.json())["code"] == "method_not_allowed"


SCRAPER_SECRET = "scraper-secret-0123456789"


async def scrape(server: RunningServer, authorization: str | None) -> tuple[int, str]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{server.base_url}/metrics", headers=headers, ssl=server.client_ssl()
        ) as response,
    ):
        return response.status, await response.text()


@pytest.mark.parametrize("server", [{"metrics_token": SCRAPER_SECRET}], indirect=True)
async def test_metrics_count_requests_by_route(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            async with session.get(f"{server.base_url}/healthz", ssl=server.client_ssl()):
                pass
    status, text = await scrape(server, f"Bearer {SCRAPER_SECRET}")
    assert status == 200
    assert 'majlis_http_requests_total{method="GET",route="/healthz",status="200"} 3.0' in text


@pytest.mark.parametrize("server", [{"metrics_token": SCRAPER_SECRET}], indirect=True)
@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer ", "Bearer wrong-secret-0123456789", SCRAPER_SECRET]
)
async def test_metrics_are_refused_without_the_scrapers_secret(
    server: RunningServer, authorization: str | None
) -> None:
    status, text = await scrape(server, authorization)
    assert status == 401
    assert '"code": "metrics_refused"' in text
    assert "majlis_http_requests" not in text
    engine = create_engine(server.settings.effective_database_url)
    try:
        async with engine.connect() as connection:
            refusals = await connection.execute(
                select(audit_log.c.subject, audit_log.c.detail).where(
                    audit_log.c.action == "access.denied"
                )
            )
            assert refusals.all() == [("/metrics", "metrics_refused")]
    finally:
        await engine.dispose()


async def test_without_a_scraper_secret_there_is_no_metrics_page(server: RunningServer) -> None:
    status, text = await scrape(server, "Bearer anything-at-all-0123456789")
    assert status == 404
    assert "majlis_http_requests" not in text


async def test_socketio_endpoint_is_mounted(server: RunningServer) -> None:
    url = f"{server.base_url}/socket.io/?EIO=4&transport=polling"
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, ssl=server.client_ssl()) as response,
    ):
        assert response.status == 200
        handshake = await response.text()
    assert handshake.startswith("0{")
    assert '"sid"' in handshake


@pytest.mark.parametrize(
    "raw",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\nMajlis-Proof: " + b"a" * 9000 + b"\r\n\r\n",
        b"GET / HTTP/9.Z\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
        b"POST /api/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
async def test_a_malformed_http_request_is_a_400_and_one_warning_line_not_a_traceback(
    server: RunningServer, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", server.settings.port, ssl=server.client_ssl(), server_hostname="127.0.0.1"
    )
    writer.write(raw)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    assert b" 400 Bad Request\r\n" in answer.split(b"\r\n", 1)[0] + b"\r\n", answer[:80]
    from_aiohttp = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert [(r.levelname, r.exc_info) for r in from_aiohttp] == [("WARNING", None)]
    assert from_aiohttp[0].getMessage().startswith("malformed HTTP request refused: ")
    assert "127.0.0.1" not in from_aiohttp[0].getMessage()  # no client address in the log
