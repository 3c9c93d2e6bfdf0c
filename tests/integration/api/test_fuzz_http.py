"""Hypothesis at every HTTP route: random ids, query strings and JSON bodies (and some that
are not JSON), from a signed-in coordinator, an enrolled booth and a stranger. Never a 5xx,
never a handler exception in the log, every error typed, and a refused call changes nothing.
``FUZZ_EXAMPLES`` sets the number of cases (``make fuzz``: thousands; ``make test``: a few
hundred)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from api import ROUTES
from devices.proof import PROOF_HEADER
from majlis.app import ACCOUNTS, DB_ENGINE
from majlis.demo import seed_demo
from tests.device_keys import DeviceKeyPair
from tests.integration.api.helpers import sign_in_body
from tests.integration.signaling.test_fuzz import (
    FUZZ_TIMEOUT,
    ErrorLog,
    FuzzRun,
    LoopThread,
    _build,
    _healthy,
    edge_dates,
    edge_text,
    huge_integers,
    json_values,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
# Everything but the audit log and the sign-in failures (a refused sign-in records one: that
# is the lockout working, not a leak).
WATCHED_TABLES = (
    "applicants",
    "requests",
    "request_versions",
    "request_history",
    "referrals",
    "sms_outbox",
    "sittings",
    "slots",
    "appointments",
    "confirmation_calls",
    "standby",
    "staff_sessions",
    "enrollment_codes",
    "device_credentials",
    "device_heartbeats",
    "alerts",
    "room_events",
    "centres",
    "request_categories",
    "departments",
)

path_ids = st.one_of(
    st.integers(-5, 10**12).map(str),
    huge_integers.map(str),
    st.text(max_size=12).map(lambda t: quote(t, safe="")),
    edge_text.map(lambda t: quote(t, safe="", errors="surrogatepass")),
    st.sampled_from(["1", "2", "0", "-1", "1e3", "%00", "..", "٣", "1_0", "+1", "01", "%201"]),
)
query_values = (
    st.text(max_size=30)
    | edge_text
    | edge_dates
    | st.sampled_from(["office-1", "2026-11-29T00:00:00+03:00", "0551234567", "1234 5678 90", ""])
)
bodies = st.one_of(
    json_values,
    st.dictionaries(
        st.sampled_from(
            [
                "code",
                "text",
                "status",
                "slot_id",
                "booth",
                "request_id",
                "outcome",
                "stars",
                "screen",
                "room",
                "full_name",
                "national_id",
                "phone",
                "username",
                "password",
                "tracking_number",
                "phone_last_four",
                "department",
                "due_on",
                "starts_at",
                "centre",
                "category",
                "name_ar",
                "label_en",
                "opens_at",
                "active",
            ]
        ),
        json_values,
        max_size=6,
    ),
)
raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.integers(1, 50_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 5_000).map(lambda n: b'{"code":' * n + b"1" + b"}" * n),
    st.sampled_from(
        [
            b'{"username": "\\ud800", "password": "x"}',
            b'{"code": "\\u202e\\u200b\\u0000abcdefgh"}',
            b'{"request_id": ' + b"9" * 5000 + b', "slot_id": 1, "booth": "riyadh/booth-1"}',
            b'{"stars": 1e999}',
            b'{"round_trip_ms": NaN, "screen": "idle"}',
            b"\xff\xfe{}",
        ]
    ),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=no-such-codec",
        "APPLICATION/JSON",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/problem+json",
        None,
    ]
)


@dataclass
class HttpWorld:
    thread: LoopThread
    live: Any
    runner: Any
    callers: dict[str, dict[str, str]] = field(default_factory=dict)
    sessions: dict[str, aiohttp.ClientSession] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    calls: int = 0
    booth_key: DeviceKeyPair = field(default_factory=DeviceKeyPair)


async def _callers(world: HttpWorld) -> None:
    live = world.live
    staff = await seed_demo(
        live.app[DB_ENGINE], live.clock.now(), live.app[ACCOUNTS].second_factors
    )
    assert staff is not None
    passwords = {s.username: s.password for s in staff}
    admin_sign_in = next(s for s in staff if s.username == "admin")
    for name in ("coordinator", "booth", "stranger"):
        world.sessions[name] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=live.ca), cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        world.callers[name] = {}
    coordinator = world.sessions["coordinator"]
    body = {"username": "coordinator1", "password": passwords["coordinator1"]}
    async with coordinator.post(f"{live.base_url}/api/session", json=body) as response:
        world.callers["coordinator"]["X-CSRF-Token"] = (await response.json())["csrf_token"]
    admin = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=live.ca), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    async with admin:
        body = await sign_in_body(live, admin_sign_in)
        async with admin.post(f"{live.base_url}/api/session", json=body) as response:
            csrf = (await response.json())["csrf_token"]
        async with admin.get(f"{live.base_url}/api/devices") as response:
            device = next(
                d for d in (await response.json())["devices"] if d["name"] == "riyadh/booth-1"
            )
        async with admin.post(
            f"{live.base_url}/api/devices/{device['id']}/enrollment",
            headers={"X-CSRF-Token": csrf},
        ) as response:
            code = (await response.json())["code"]
    body = {"code": code, "public_key": world.booth_key.public_jwk()}
    async with world.sessions["booth"].post(
        f"{live.base_url}/api/devices/enroll", json=body
    ) as response:
        credential = (await response.json())["credential"]
    world.callers["booth"]["Authorization"] = f"Bearer {credential}"


@pytest.fixture(scope="module")
def http_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpWorld]:
    thread = LoopThread()
    live, runner = thread.run(_build(tmp_path_factory.mktemp("fuzz-http") / "data"))
    world = HttpWorld(thread, live, runner)
    handler = ErrorLog(world.errors)
    logging.getLogger().addHandler(handler)
    thread.run(_callers(world))
    try:
        yield world
    finally:
        logging.getLogger().removeHandler(handler)

        async def close() -> None:
            for session in world.sessions.values():
                await session.close()
            for participant in live.participants:
                await participant.close()
            await runner.cleanup()

        thread.run(close())
        thread.stop()


async def _counts(world: HttpWorld) -> dict[str, int]:
    async with world.live.app[DB_ENGINE].connect() as connection:
        return {
            table: int(
                (
                    await connection.execute(select(func.count()).select_from(text(table)))
                ).scalar_one()
            )
            for table in WATCHED_TABLES
        }


async def _send(
    world: HttpWorld,
    caller: str,
    method: str,
    url: str,
    body: Any,
    raw: bytes | None,
    content_type: str | None,
) -> tuple[int, Any, str]:
    session = world.sessions[caller]
    headers = dict(world.callers[caller])
    if caller == "booth":  # each call of the booth proves its key, as the kiosk's do
        target = url.removeprefix(world.live.base_url)
        headers[PROOF_HEADER] = world.booth_key.proof(method, target, world.live.clock.now())
    kwargs: dict[str, Any] = {"headers": headers, "skip_auto_headers": ["Content-Type"]}
    if method != "GET":
        kwargs["data"] = raw if raw is not None else json.dumps(body).encode()
        if content_type is not None:
            headers["Content-Type"] = content_type
    async with session.request(method, url, **kwargs) as response:
        content_type = response.content_type
        is_json = content_type in ("application/json", "application/problem+json")
        payload = await response.json(content_type=None) if is_json else None
        return response.status, payload, content_type


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    route=st.sampled_from(ROUTES),
    caller=st.sampled_from(["coordinator", "booth", "stranger"]),
    ids=st.lists(path_ids, min_size=2, max_size=2),
    query=st.dictionaries(
        st.sampled_from(["office", "day_start", "q", "x"]), query_values, max_size=3
    ),
    body=bodies,
    raw=st.none() | raw_bodies,
    content_type=content_types,
)
def any_route_with_any_input_gets_a_typed_answer_and_refusals_change_nothing(
    http_world: HttpWorld,
    route: Any,
    caller: str,
    ids: list[str],
    query: dict[str, str],
    body: Any,
    raw: bytes | None,
    content_type: str | None,
) -> None:
    world = http_world
    path = route.path.replace("{id}", ids[0] or "1").replace("{code}", ids[1] or "riyadh")
    url = world.live.base_url + path
    if query:
        url += "?" + "&".join(
            f"{k}={quote(v, safe='', errors='surrogatepass')}" for k, v in query.items()
        )
    before = world.thread.run(_counts(world))
    status, payload, _ = world.thread.run(
        _send(world, caller, route.method, url, body, raw, content_type), timeout=30
    )
    world.calls += 1
    assert status < 500, (route.path, caller, status, payload)
    if status >= 400:
        assert payload is not None, (route.path, status)
        assert {"code", "message_key"} <= set(payload), payload
    if status in (401, 403):
        assert world.thread.run(_counts(world)) == before, (route.path, caller, "changed state")
    assert not world.errors, world.errors[:3]


@pytest.fixture(scope="module")
def http_fuzzing(http_world: HttpWorld) -> FuzzRun:
    return FuzzRun.of(
        lambda: any_route_with_any_input_gets_a_typed_answer_and_refusals_change_nothing(
            http_world
        ),
        lambda: http_world.calls,
    )


@FUZZ_TIMEOUT
def test_any_route_with_any_input_gets_a_typed_answer_and_refusals_change_nothing(
    http_fuzzing: FuzzRun,
) -> None:
    http_fuzzing.raise_failure()


@FUZZ_TIMEOUT
def test_the_server_is_still_healthy_after_the_http_fuzzing(
    http_world: HttpWorld, http_fuzzing: FuzzRun
) -> None:
    assert http_fuzzing.sent >= min(EXAMPLES, 100)
    assert http_world.thread.run(_healthy(http_world.live))
    print(f"HTTP fuzz: {http_fuzzing.sent} cases, no 5xx, no handler exception")
