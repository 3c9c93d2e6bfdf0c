"""Crafted input at the HTTP edge gets a typed 4xx and leaves no traceback in the log: deep
JSON, ids past 2⁶³ or written in other digits, dates at the calendar's edges, naive times,
text that is not Unicode, bodies that are not declared JSON. Answers are never cached."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from majlis.app import DB_ENGINE
from majlis.demo import seed_demo
from tests.integration.casework.conftest import valid_registration
from tests.integration.signaling.conftest import LiveServer

DEEP = "[" * 100_000 + "]" * 100_000
PUBLIC_BODY_ROUTES = ["/api/status-lookup", "/api/session", "/api/devices/enroll"]
TOO_BIG_ID = str(2**63)


@dataclass
class Coordinator:
    live: LiveServer
    session: aiohttp.ClientSession
    csrf: str

    async def call(
        self, method: str, path: str, body: Any = None, **kwargs: Any
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        async with self.session.request(
            method, f"{self.live.base_url}{path}", json=body, headers=headers, **kwargs
        ) as response:
            return response.status, await response.json(content_type=None), response


@pytest.fixture
async def coordinator(live: LiveServer) -> AsyncIterator[Coordinator]:
    staff = await seed_demo(live.app[DB_ENGINE], live.clock.now())
    assert staff is not None
    password = next(s.password for s in staff if s.username == "coordinator1")
    jar = aiohttp.CookieJar(unsafe=True)
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
        body = {"username": "coordinator1", "password": password}
        async with session.post(f"{live.base_url}/api/session", json=body) as response:
            assert response.status == 200
            csrf = (await response.json())["csrf_token"]
        yield Coordinator(live, session, csrf)


@pytest.fixture
def server_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The ERROR records the server writes during the test (a traceback is one)."""
    caplog.set_level(logging.ERROR)
    return caplog.records


def assert_typed(status: int, body: Any, expected: int, code: str) -> None:
    assert (status, body.get("code")) == (expected, code), body


async def anonymous_post(
    live: LiveServer, path: str, body: str, content_type: str = "application/json"
) -> tuple[int, Any]:
    """A body sent as it is, by nobody signed in."""
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with (
        aiohttp.ClientSession(connector=connector) as anonymous,
        anonymous.post(
            f"{live.base_url}{path}", data=body, headers={"Content-Type": content_type}
        ) as response,
    ):
        return response.status, await response.json()


@pytest.mark.parametrize("path", PUBLIC_BODY_ROUTES)
async def test_deeply_nested_json_on_a_public_route_is_an_invalid_payload(
    live: LiveServer, server_errors: list[logging.LogRecord], path: str
) -> None:
    assert_typed(*await anonymous_post(live, path, DEEP), 422, "invalid_payload")
    assert not server_errors


@pytest.mark.parametrize("spelling", [TOO_BIG_ID, "9" * 40, "١", "1_0", "+1", "01", "0"])
async def test_an_id_that_is_not_plain_ascii_digits_within_range_is_unknown(
    coordinator: Coordinator, server_errors: list[logging.LogRecord], spelling: str
) -> None:
    status, created, _ = await coordinator.call(
        "POST", "/api/requests", asdict(valid_registration())
    )
    assert (status, created["id"]) == (201, 1)
    for path in ("/api/requests/{}", "/api/requests/{}/appointments", "/api/sittings/{}/slots"):
        status, body, _ = await coordinator.call("GET", path.format(quote(spelling)))
        assert_typed(status, body, 404, "unknown_request")
    assert not server_errors


async def test_an_id_past_two_to_the_63_in_a_body_is_an_invalid_payload(
    coordinator: Coordinator, server_errors: list[logging.LogRecord]
) -> None:
    booking = {"request_id": 2**63, "slot_id": 1, "booth": "riyadh/booth-1"}
    status, body, _ = await coordinator.call("POST", "/api/appointments", booking)
    assert_typed(status, body, 422, "invalid_payload")
    status, body, _ = await coordinator.call("POST", "/api/sittings/1/standby", {"request_id": -1})
    assert_typed(status, body, 422, "invalid_payload")
    assert not server_errors


@pytest.mark.parametrize(
    "day_start",
    [
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T00:00:00-12:00",
        "0001-01-01T00:00:00+14:00",
        "2026-11-29T00:00:00",  # naive: whose midnight?
    ],
)
async def test_a_day_at_the_calendars_edge_or_without_a_zone_is_an_invalid_payload(
    coordinator: Coordinator, server_errors: list[logging.LogRecord], day_start: str
) -> None:
    status, body, _ = await coordinator.call("GET", f"/api/sittings?day_start={quote(day_start)}")
    assert_typed(status, body, 422, "invalid_payload")
    assert not server_errors


async def test_a_sitting_at_the_end_of_the_calendar_is_an_invalid_payload(
    coordinator: Coordinator, server_errors: list[logging.LogRecord]
) -> None:
    sitting = {
        "office_device": "office-1",
        "starts_at": "9999-12-31T22:00:00+00:00",
        "ends_at": "9999-12-31T23:59:00+00:00",
    }
    status, body, _ = await coordinator.call("POST", "/api/sittings", sitting)
    assert_typed(status, body, 422, "invalid_payload")
    referral = {"department": "health", "due_on": "9999-12-31"}
    status, body, _ = await coordinator.call("POST", "/api/requests/1/referrals", referral)
    assert_typed(status, body, 422, "invalid_payload")
    assert not server_errors


async def test_text_that_is_not_unicode_is_an_invalid_payload(
    live: LiveServer, server_errors: list[logging.LogRecord]
) -> None:
    # A lone surrogate is valid JSON but no UTF-8: the database could not store it.
    for path, body in (
        ("/api/session", '{"username": "\\ud800", "password": "x"}'),
        ("/api/devices/enroll", '{"code": "\\udfff\\udfff\\udfff\\udfff"}'),
        ("/api/status-lookup", '{"tracking_number": "\\ud83d", "phone_last_four": "1234"}'),
    ):
        assert_typed(*await anonymous_post(live, path, body), 422, "invalid_payload")
    assert not server_errors


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
async def test_a_body_not_declared_json_is_refused_so_no_form_can_sign_in(
    live: LiveServer, content_type: str | None
) -> None:
    staff = await seed_demo(live.app[DB_ENGINE], live.clock.now())
    assert staff is not None
    me = next(s for s in staff if s.username == "coordinator1")
    body = f'{{"username": "{me.username}", "password": "{me.password}"}}'
    headers = {} if content_type is None else {"Content-Type": content_type}
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with (
        aiohttp.ClientSession(connector=connector, skip_auto_headers=["Content-Type"]) as forged,
        forged.post(f"{live.base_url}/api/session", data=body, headers=headers) as response,
    ):
        assert_typed(response.status, await response.json(), 415, "unsupported_media_type")
        assert "majlis_session" not in response.cookies


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "no-such-codec"])
async def test_json_is_read_as_utf_8_whatever_charset_it_names(
    live: LiveServer, server_errors: list[logging.LogRecord], charset: str
) -> None:
    body = '{"username": "nobody", "password": "x"}'
    content_type = f"application/json; charset={charset}"
    answer = await anonymous_post(live, "/api/session", body, content_type)
    assert_typed(*answer, 401, "sign_in_failed")
    assert not server_errors


async def test_answers_with_personal_data_are_never_stored_by_a_cache(
    coordinator: Coordinator,
) -> None:
    status, created, response = await coordinator.call(
        "POST", "/api/requests", asdict(valid_registration())
    )
    assert status == 201
    request_id = created["id"]
    for path in (
        f"/api/requests/{request_id}",
        f"/api/requests/{request_id}/appointments",
        f"/api/requests?q={quote(created['tracking_number'])}",
        "/api/session",
        "/api/requests/999",  # an error answer too
    ):
        _, _, response = await coordinator.call("GET", path)
        assert response.headers.get("Cache-Control") == "no-store", path
    _, _, response = await coordinator.call(
        "POST", "/api/status-lookup", {"tracking_number": "x", "phone_last_four": "1234"}
    )
    assert response.headers.get("Cache-Control") == "no-store"
