"""A booth breaks (issue 13, item 3), in Chromium: the coordinator sets it out of service from
the board with a reason and an expected return, sees the appointment it affects, moves it to
the other booth of her centre, and the board shows the booth out of service with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import ApiClient, Server, enroll, new_page
from tests.browser.screens import check_screen
from tests.browser.test_desk import HER, desk_signed_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
ARABIC = json.loads(
    (Path(__file__).parents[2] / "web_client" / "i18n" / "ar.json").read_text(encoding="utf-8")
)
BROKEN, SPARE = "riyadh/booth-1", "riyadh/booth-2"
REASON = "الكاميرا لا تعمل"


def confirmed_at(client: ApiClient, booth: str) -> tuple[int, int]:
    """A confirmed appointment half an hour from now at ``booth``: (request, appointment)."""
    status, created = client.call("POST", "/api/requests", HER)
    assert status == 201, created
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    status, sitting = client.call(
        "POST",
        "/api/sittings",
        {
            "office_device": "office-1",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=10)).isoformat(),
        },
    )
    assert status == 201, sitting
    _, slots = client.call("GET", f"/api/sittings/{sitting['sitting']}/slots")
    body = {"request_id": created["id"], "slot_id": slots["slots"][0]["slot"], "booth": booth}
    status, booked = client.call("POST", "/api/appointments", body)
    assert status == 201, booked
    appointment = booked["appointment"]
    status, _ = client.call(
        "POST", f"/api/appointments/{appointment}/calls", {"outcome": "confirmed"}
    )
    assert status == 200
    return created["id"], appointment


def test_a_broken_booth_is_set_out_of_service_and_its_appointment_moved(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    client = server.client().sign_in("coordinator1")
    request, appointment = confirmed_at(client, BROKEN)
    desk = desk_signed_in(browser, contexts, server)
    row = desk.locator(f"#board-rows tr[data-device='{BROKEN}']")

    row.locator("[data-action=take-out]").click()
    desk.fill("#outage-reason", REASON)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    desk.fill("#outage-day", tomorrow)
    desk.fill("#outage-time", "10:30")
    desk.click("#outage-form button[type=submit]")

    affected = desk.locator(f"#affected-list [data-appointment='{appointment}']")
    expect(affected).to_be_visible()
    expect(affected.locator("[data-move-to] option")).to_have_count(1)  # the centre's other one
    expect(row.locator(".badge")).to_have_text(ARABIC["board.state.out_of_service"])
    expect(row.locator("[data-service]")).to_contain_text(REASON)
    back_prefix = ARABIC["desk.board.expected_back"].split("{time}")[0]
    expect(row.locator("[data-service]")).to_contain_text(back_prefix)
    check_screen(desk, "desk-12-booth-out-of-service")

    affected.locator("[data-move-to]").select_option(SPARE)
    affected.locator("[data-action=move]").click()

    expect(desk.locator("#affected-status")).to_have_text(ARABIC["desk.affected.moved"])
    expect(desk.locator("#affected-list [data-appointment]")).to_have_count(0)
    expect(desk.locator("#affected-empty")).to_be_visible()
    expect(row.locator("[data-service]")).to_contain_text(REASON)
    _, listed = client.call("GET", f"/api/requests/{request}/appointments")
    assert [(a["booth"], a["status"]) for a in listed["appointments"]] == [
        (BROKEN, "rescheduled"),
        (SPARE, "confirmed"),
    ]
    _, details = client.call("GET", f"/api/requests/{request}")
    assert details["sms"][-1]["kind"] == "moved"
    status, refused = client.call(
        "POST",
        f"/api/appointments/{listed['appointments'][1]['appointment']}/move",
        {"booth": BROKEN},
    )
    assert (status, refused["code"]) == (409, "booth_out_of_service")


def test_the_booth_says_it_is_out_of_service_until_it_is_back(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    admin = server.client().sign_in("admin")  # an administrator: every centre's booths
    code = admin.enrollment_code("jeddah/booth-1")
    booth = new_page(browser, contexts, server)
    booth.goto("/booth")
    enroll(booth, code)
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()
    _, listing = admin.call("GET", "/api/devices")
    device = next(d["id"] for d in listing["devices"] if d["name"] == "jeddah/booth-1")

    status, answer = admin.call("POST", f"/api/devices/{device}/out-of-service", {"reason": REASON})
    assert status == 200, answer

    expect(booth.locator("#out-of-service-text")).to_have_text(
        ARABIC["errors.scheduler.booth_out_of_service"]
    )
    check_screen(booth, "booth-10-out-of-service")
    status, answer = admin.call("POST", f"/api/devices/{device}/in-service")
    assert status == 200, answer
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()
