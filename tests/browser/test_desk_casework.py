"""A request to its end and slots never wasted, in Chromium (issue 14, items 1-3): referred,
answered and closed from the request page with each step's SMS; a cancelled slot offered to
the first on the standby list and booked in one action; a Riyadh applicant offered only
Riyadh's booths by a coordinator who serves both centres, and refused a Jeddah booth."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from stdnum import luhn

from foundation.clock import SERVICE_ZONE
from tests.browser.conftest import ApiClient, Server, new_page, sign_in
from tests.browser.screens import check_screen
from tests.browser.test_desk import HER, desk_signed_in
from tests.e2e.test_cli import run

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
ARABIC = json.loads(
    (Path(__file__).parents[2] / "web_client" / "i18n" / "ar.json").read_text(encoding="utf-8")
)


def registration(n: int) -> dict[str, str]:
    """Another applicant of Riyadh (a national ID that passes its check digit)."""
    stem = f"10{n:07d}"
    return {**HER, "national_id": stem + luhn.calc_check_digit(stem), "phone": f"05077{n:05d}"}


def open_request(desk: Page, tracking: str) -> None:
    desk.click("[data-tab=search]")
    desk.fill("#search-q", tracking)
    desk.click("#search-form button[type=submit]")
    desk.locator("#search-results button").first.click()
    expect(desk.locator("section[data-screen=request]")).to_be_visible()


def sitting_soon(client: ApiClient) -> tuple[int, list[int]]:
    start = (datetime.now(UTC) + timedelta(minutes=40)).replace(second=0, microsecond=0)
    status, made = client.call(
        "POST",
        "/api/sittings",
        {
            "office_device": "office-1",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=10)).isoformat(),
        },
    )
    assert status == 201, made
    _, slots = client.call("GET", f"/api/sittings/{made['sitting']}/slots")
    return made["sitting"], [s["slot"] for s in slots["slots"]]


def test_a_request_is_referred_answered_and_closed_from_its_page_with_an_sms_each_step(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    client = server.client().sign_in("coordinator1")
    status, created = client.call("POST", "/api/requests", registration(101))
    assert status == 201, created
    client.call("POST", f"/api/requests/{created['id']}/status", {"status": "under_review"})
    desk = desk_signed_in(browser, contexts, server)
    open_request(desk, created["tracking_number"])

    desk.select_option("#refer-department", "health")
    desk.fill("#refer-note", "للاطلاع وإفادتنا")
    check_screen(desk, "desk-13-refer")
    desk.click("#refer-form button[type=submit]")
    expect(desk.locator("#casework-status")).to_have_text(ARABIC["desk.referral.referred"])
    desk.locator("[data-reply-form] textarea").fill("اعتُمد الطلب")
    desk.locator("[data-reply-form] button[type=submit]").click()
    expect(desk.locator("#casework-status")).to_have_text(ARABIC["desk.referral.replied"])
    expect(desk.locator("[data-reply]")).to_contain_text("اعتُمد الطلب")

    desk.select_option("#close-outcome", "not_possible")
    desk.click("#close-form button[type=submit]")  # no reason: refused, said why
    expect(desk.locator("#close-error")).to_have_text(ARABIC["errors.desk.reason_required"])
    desk.fill("#close-reason", "خارج اختصاص الوزارة")
    desk.click("#close-form button[type=submit]")

    expect(desk.locator("#req-status")).to_have_text(ARABIC["status.closed"])
    expect(desk.locator("#close-form")).to_be_hidden()
    expect(desk.locator("#req-sms tr")).to_have_count(5)
    check_screen(desk, "desk-14-closed")
    _, details = client.call("GET", f"/api/requests/{created['id']}")
    assert [s["kind"] for s in details["sms"]] == [
        "registered",
        "status_changed",
        "referred",
        "department_replied",
        "closed_not_possible",
    ]


def test_a_cancelled_slot_goes_to_the_first_on_the_standby_list(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    client = server.client().sign_in("coordinator1")
    sitting, slots = sitting_soon(client)
    status, holder = client.call("POST", "/api/requests", registration(102))
    assert status == 201, holder
    status, booked = client.call(
        "POST",
        "/api/appointments",
        {"request_id": holder["id"], "slot_id": slots[0], "booth": "riyadh/booth-1"},
    )
    assert status == 201, booked
    status, waiting = client.call("POST", "/api/requests", registration(103))
    assert status == 201, waiting
    desk = desk_signed_in(browser, contexts, server)

    # On the waiting applicant's page: "book", then add her to the sitting's standby list.
    open_request(desk, waiting["tracking_number"])
    desk.click("#req-book")
    # The sitting's day in the centres' time zone, as the calendar shows it (from 20:20 UTC on,
    # 40 minutes ahead is already tomorrow in Riyadh).
    day = (datetime.now(UTC) + timedelta(minutes=40)).astimezone(SERVICE_ZONE).date()
    desk.fill("#day", day.isoformat())
    desk.dispatch_event("#day", "change")
    card = desk.locator(f"[data-sitting='{sitting}']")
    card.locator("[data-action=standby-add]").click()
    expect(card.locator(f"[data-standby='{waiting['id']}']")).to_be_visible()
    check_screen(desk, "desk-15-standby")

    # The holder cancels: her page offers the freed slot to the first on standby.
    open_request(desk, holder["tracking_number"])
    desk.locator(f"[data-appointment='{booked['appointment']}'] [data-action=cancel]").click()
    expect(desk.locator("#offer-panel")).to_be_visible()
    check_screen(desk, "desk-16-standby-offer")
    desk.click("[data-action=offer-book]")

    expect(desk.locator("#casework-status")).to_have_text(ARABIC["desk.standby.booked"])
    _, listed = client.call("GET", f"/api/requests/{waiting['id']}/appointments")
    assert [(a["status"], a["booth"]) for a in listed["appointments"]] == [
        ("booked", "riyadh/booth-1")
    ]
    _, standby = client.call("GET", f"/api/sittings/{sitting}/standby")
    assert standby["requests"] == []


def test_a_riyadh_applicant_is_offered_only_riyadh_booths_and_refused_a_jeddah_one(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    made = run(
        [
            "staff",
            "add",
            "both",
            "--role",
            "coordinator",
            "--centre",
            "riyadh",
            "--centre",
            "jeddah",
        ],
        server.env,
    )
    assert made.returncode == 0, made.stderr
    once = re.search(r"shown only this once\): (\S+)", made.stdout)
    assert once, made.stdout
    password = "Nakhla-" + secrets.token_hex(8)
    desk = new_page(browser, contexts, server)
    desk.goto("/desk")
    sign_in(desk, "both", once.group(1))
    desk.fill("#new-password", password)
    desk.click("#signin-form button[type=submit]")
    expect(desk.locator("section[data-screen=board]")).to_be_visible()
    server.passwords["both"] = password
    client = server.client().sign_in("both")
    _, slots = sitting_soon(client)
    status, created = client.call("POST", "/api/requests", registration(104))
    assert status == 201, created

    open_request(desk, created["tracking_number"])
    desk.click("#req-book")
    options = desk.locator("#booth-choice option")
    expect(options).to_have_count(2)
    for value in options.evaluate_all("(nodes) => nodes.map((n) => n.value)"):
        assert value.startswith("riyadh/"), value

    status, refused = client.call(
        "POST",
        "/api/appointments",
        {"request_id": created["id"], "slot_id": slots[0], "booth": "jeddah/booth-1"},
    )
    assert (status, refused["code"]) == (409, "booth_not_in_centre")
