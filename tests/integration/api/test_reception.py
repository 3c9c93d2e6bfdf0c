"""Reception and the ministry's figures over HTTPS: a visit and a call recorded by the signed-in
coordinator (served by her, audited without the note), another centre's visit answered as
unknown, bad input refused with typed 4xx, the report's periods validated, the spreadsheet
in UTF-8 with a byte-order mark."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.api.test_devices import Client, signed_in
from tests.integration.api.test_reference import Staff, audited, register
from tests.integration.signaling.conftest import LiveServer, minutes

CALL = {
    "centre": "riyadh",
    "direction": "out",
    "purpose": "follow_up",
    "outcome": "call_back",
    "duration_seconds": 95,
}


async def test_a_visit_is_recorded_served_by_her_finished_once_and_listed(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    status, created = await register(coordinator)
    assert status == 201, created
    _, details = await coordinator.call("GET", f"/api/requests/{created['id']}")
    body = {
        "centre": "riyadh",
        "purpose": "follow_up",
        "tracking_number": details["tracking_number"],
        "note": "ملاحظة سرية",
    }
    status, answer = await coordinator.call("POST", "/api/visits", json=body)
    assert status == 201, answer
    visit = answer["visit"]
    assert (visit["served_by"], visit["finished_at"], visit["note"]) == (
        "coordinator1",
        None,
        "ملاحظة سرية",
    )
    status, answer = await coordinator.call("POST", f"/api/visits/{visit['id']}/finish", json={})
    assert (status, answer["visit"]["service_seconds"]) == (200, 0)
    status, again = await coordinator.call("POST", f"/api/visits/{visit['id']}/finish", json={})
    assert (status, again["code"]) == (409, "visit_already_finished")
    since = quote(minutes(-60).isoformat())
    status, listed = await coordinator.call("GET", f"/api/visits?since={since}")
    assert [v["id"] for v in listed["visits"]] == [visit["id"]]
    assert await audited(live, f"visit:{visit['id']}") == [
        ("coordinator1", "reception.visit", "riyadh:follow_up"),
        ("coordinator1", "reception.visit_finished", "riyadh"),
    ]

    other = await signed_in(live, clients, staff, "coordinator2")
    status, refused = await other.call("POST", f"/api/visits/{visit['id']}/finish", json={})
    assert (status, refused["code"]) == (404, "unknown_visit")
    _, theirs = await other.call("GET", f"/api/visits?since={since}")
    assert theirs["visits"] == []


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"tracking_number": "0000 0000 00"}, 422, "unknown_linked_request"),
        ({"centre": "jeddah"}, 403, "centre_not_served"),
        ({"centre": "nowhere"}, 422, "unknown_centre"),
        ({"duration_seconds": -1}, 422, "invalid_payload"),
        ({"duration_seconds": "95"}, 422, "invalid_payload"),
        ({"direction": "sideways"}, 422, "invalid_payload"),
    ],
)
async def test_a_call_with_bad_input_gets_a_typed_refusal(
    live: LiveServer,
    staff: Staff,
    clients: list[Client],
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    answer = await coordinator.call("POST", "/api/calls", json={**CALL, **change})
    assert (answer[0], answer[1]["code"]) == (status, code)


async def test_a_call_is_logged_and_counted_in_the_report(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    status, logged = await coordinator.call("POST", "/api/calls", json=CALL)
    assert status == 201, logged
    assert logged["call"]["handled_by"] == "coordinator1"
    day = live.clock.now().date().isoformat()
    query = f"period=range&first_day={day}&last_day={day}"
    status, report = await coordinator.call("GET", f"/api/reports/ministry?{query}")
    assert status == 200, report
    assert [c["centre"] for c in report["centres"]] == ["riyadh"]
    assert (report["total"]["calls_handled"], report["period"]["kind"]) == (1, "range")
    status, text = await coordinator.call("GET", f"/api/reports/ministry.csv?{query}")
    assert status == 200
    assert text.startswith("\ufeffالمركز,")


@pytest.mark.parametrize(
    "query",
    [
        "period=hijri_year",
        "period=hijri_year&year=1600",
        "period=month&month=2026-13",
        "period=range&first_day=2026-12-02&last_day=2026-12-01",
        "period=week",
    ],
)
async def test_a_period_that_is_not_one_is_refused(
    live: LiveServer, staff: Staff, clients: list[Client], query: str
) -> None:
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    status, answer = await coordinator.call("GET", f"/api/reports/ministry?{query}")
    assert status == 422, answer
    assert answer["code"] in ("invalid_payload", "invalid_period")
