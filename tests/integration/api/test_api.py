"""The desk's HTTP JSON API over TLS: one tracking number from registration to a confirmed
appointment, typed errors, least privilege, the public status lookup."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from sqlalchemy import select
from stdnum import damm

from audit.log import audit_log, verify
from majlis.app import AUDIT, DB_ENGINE
from majlis.demo import seed_demo
from tests.integration.casework.conftest import valid_registration
from tests.integration.signaling.conftest import LiveServer, minutes

REGISTRATION = asdict(valid_registration())
# The desk here is a signed dev terminal token, which only a server in development mode takes.
pytestmark = pytest.mark.parametrize("live", [{"dev": True}], indirect=True)


class Api:
    def __init__(self, live: LiveServer, session: aiohttp.ClientSession, token: str) -> None:
        self.live, self.session, self.token = live, session, token

    async def call(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token if token is not None else self.token}"}
        async with self.session.request(
            method, f"{self.live.base_url}{path}", json=body, headers=headers
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()


@pytest.fixture
async def api(live: LiveServer) -> Any:
    await seed_demo(live.app[DB_ENGINE], live.clock.now())
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield Api(
            live,
            session,
            live.rooms.issue_terminal_token("desk", "coordinator1", timedelta(hours=8)),
        )


async def test_register_book_confirm_and_see_it_in_the_queue(api: Api) -> None:
    status, created = await api.call("POST", "/api/requests", REGISTRATION)
    assert status == 201, created
    request_id, tracking = created["id"], created["tracking_number"]
    status, sitting = await api.call(
        "POST",
        "/api/sittings",
        {
            "office_device": "office-1",
            "starts_at": minutes(60).isoformat(),
            "ends_at": minutes(120).isoformat(),
        },
    )
    assert status == 201, sitting
    status, slots = await api.call("GET", f"/api/sittings/{sitting['sitting']}/slots")
    assert len(slots["slots"]) == 7  # 6 min + 2 min buffer in an hour
    assert all(s["free"] for s in slots["slots"])
    slot = slots["slots"][0]["slot"]
    status, booked = await api.call(
        "POST",
        "/api/appointments",
        {"request_id": request_id, "slot_id": slot, "booth": "riyadh/booth-1"},
    )
    assert status == 201, booked
    status, clash = await api.call(
        "POST",
        "/api/appointments",
        {"request_id": request_id, "slot_id": slot, "booth": "riyadh/booth-2"},
    )
    assert (status, clash["code"]) == (409, "request_not_bookable")
    appointment = booked["appointment"]
    status, _ = await api.call(
        "POST", f"/api/appointments/{appointment}/calls", {"outcome": "confirmed"}
    )
    assert status == 200
    assert api.live.rooms.room(f"appt-{appointment}").state.value == "scheduled"

    # The office's queue is its own (tests/integration/api/test_office_scope.py); the desk
    # sees the booking on the calendar.
    day = quote(minutes(0).replace(hour=0).isoformat())
    status, calendar = await api.call("GET", f"/api/sittings?day_start={day}")
    assert status == 200, calendar
    booked_here = [
        (
            slot["appointment"]["id"],
            slot["appointment"]["status"],
            slot["appointment"]["tracking_number"].replace(" ", ""),
        )
        for sitting in calendar["sittings"]
        for slot in sitting["slots"]
        if slot["appointment"]
    ]
    assert booked_here == [(appointment, "confirmed", tracking.replace(" ", ""))]

    status, details = await api.call("GET", f"/api/requests/{request_id}")
    assert [h["to"] for h in details["history"]] == ["registered", "audience_booked", "confirmed"]
    assert [s["kind"] for s in details["sms"]] == ["registered", "booked", "confirmed"]

    status, figures = await api.call("GET", "/api/statistics")
    assert figures["requests_by_centre_and_status"] == [
        {"centre": "riyadh", "status": "confirmed", "count": 1}
    ]
    status, csv_text = await api.call("GET", "/api/statistics.csv")
    assert status == 200
    assert csv_text.splitlines()[0] == "measure,centre,status,value"

    async with api.live.app[DB_ENGINE].connect() as connection:
        trail = [
            (r.actor, r.action, r.subject)
            for r in await connection.execute(select(audit_log).order_by(audit_log.c.seq))
        ]
    assert trail == [
        ("coordinator1", "request.register", f"request:{request_id}"),
        ("coordinator1", "appointment.book", f"appointment:{appointment}"),
        ("coordinator1", "appointment.call", f"appointment:{appointment}"),
        ("coordinator1", "request.view", f"request:{request_id}"),
        ("coordinator1", "statistics.export", "statistics.csv"),
    ]
    verdict = await verify(api.live.app[DB_ENGINE], api.live.app[AUDIT].checkpoint)
    assert (verdict.ok, verdict.rows) == (True, 5)


async def test_errors_are_typed_and_nothing_is_stored(api: Api) -> None:
    bad = {**REGISTRATION, "national_id": "1000000009"}
    status, error = await api.call("POST", "/api/requests", bad)
    assert (status, error["code"], error["message_key"]) == (
        422,
        "invalid_national_id",
        "errors.desk.invalid_national_id",
    )
    status, error = await api.call("POST", "/api/requests", {**REGISTRATION, "extra": 1})
    assert (status, error["code"]) == (422, "invalid_payload")
    status, error = await api.call("POST", "/api/requests", "not json at all")
    assert (status, error["code"]) == (422, "invalid_payload")
    status, error = await api.call("GET", "/api/requests/999")
    assert (status, error["code"]) == (404, "unknown_request")
    status, error = await api.call("GET", "/api/requests/abc")
    assert status == 404
    status, figures = await api.call("GET", "/api/statistics")
    assert figures["requests_by_centre_and_status"] == []


async def test_least_privilege(api: Api) -> None:
    status, error = await api.call("POST", "/api/requests", REGISTRATION, token="")
    assert (status, error["code"]) == (401, "token_invalid")
    status, error = await api.call("POST", "/api/requests", REGISTRATION, token="mj1.x.y.z")
    assert status == 401
    await api.live.schedule()
    api.live.clock.set(minutes(-5))
    office_token = api.live.rooms.issue_join_token("room-1", "office")
    status, error = await api.call("POST", "/api/requests", REGISTRATION, token=office_token)
    assert (status, error["code"]) == (401, "not_an_api_credential")  # a seat's, not an API key
    office_terminal = api.live.rooms.issue_terminal_token("office", "office-1", timedelta(hours=1))
    status, error = await api.call("POST", "/api/requests", REGISTRATION, token=office_terminal)
    assert (status, error["code"]) == (403, "not_permitted")
    booth_token = api.live.rooms.issue_join_token("room-1", "booth")
    status, error = await api.call("GET", "/api/statistics", token=booth_token)
    assert status == 401


async def test_the_status_lookup_reveals_only_the_stage_and_is_rate_limited(api: Api) -> None:
    _, created = await api.call("POST", "/api/requests", REGISTRATION)
    tracking = created["tracking_number"]
    status, found = await api.call(
        "POST",
        "/api/status-lookup",
        {"tracking_number": tracking, "phone_last_four": "4567"},
        token="",
    )
    assert (status, found) == (
        200,
        {
            "status": "registered",
            "message_key": "status.registered",
            "since": api.live.clock.now().isoformat(),  # registered now: its last change
            "next_key": "status_next.registered",
        },
    )
    status, missing = await api.call(
        "POST",
        "/api/status-lookup",
        {"tracking_number": tracking, "phone_last_four": "0000"},
        token="",
    )
    assert (status, missing["code"]) == (404, "invalid_tracking_number")
    # A number no request has, with a right check digit (a wrong one is told as a typing
    # mistake, which says nothing about who exists).
    digits = tracking.replace(" ", "")
    body = f"{(int(digits[:9]) + 1) % 10**9:09d}"
    unknown_number = body + damm.calc_check_digit(body)
    status, unknown = await api.call(
        "POST",
        "/api/status-lookup",
        {"tracking_number": unknown_number, "phone_last_four": "4567"},
        token="",
    )
    assert (status, unknown) == (404, missing)  # a wrong pair and an unknown number alike
    statuses = []
    for _ in range(3):
        status, answer = await api.call(
            "POST",
            "/api/status-lookup",
            {"tracking_number": tracking, "phone_last_four": "4567"},
            token="",
        )
        statuses.append(status)
    assert statuses[-1] == 429
    assert answer["code"] == "too_many_lookups"
