"""The coordinators' desk in Chromium: a national ID already registered is shown as such and
her contact changes only by the explicit update the desk offers; a seated applicant is
checked out of her booth with the button next to her appointment, and when that audience
ended as a technical failure the board lists her to rebook first and her request shows its
connection quality; the intake's centres and categories are the database's, labelled in the
page's language."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ApiClient, Server, new_page, sign_in
from tests.browser.screens import check_screen

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
ARABIC = json.loads(
    (Path(__file__).parents[2] / "web_client" / "i18n" / "ar.json").read_text(encoding="utf-8")
)
HER = {
    "full_name": "هيفاء ناصر الدوسري",
    "national_id": "1020304059",
    "phone": "0503334455",
    "language": "ar",
    "centre": "riyadh",
    "category": "housing",
    "text": "أطلب دعم السكن.",
}
NEW_PHONE = "0506667788"


def desk_signed_in(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    desk = new_page(browser, contexts, server)
    desk.goto("/desk")
    sign_in(desk, "coordinator1", server.passwords["coordinator1"])
    expect(desk.locator("section[data-screen=board]")).to_be_visible()
    return desk


def requests_of_phone(client: ApiClient, phone: str) -> list[int]:
    status, found = client.call("GET", f"/api/requests?q={quote('+966' + phone[1:])}")
    assert status == 200, found
    return [r["id"] for r in found["requests"]]


def test_a_known_national_id_is_shown_and_her_contact_is_updated_only_on_purpose(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    client = server.client().sign_in("coordinator1")
    status, first = client.call("POST", "/api/requests", HER)
    assert status == 201, first
    desk = desk_signed_in(browser, contexts, server)
    desk.click("[data-tab=intake]")
    for field in ("full_name", "national_id", "text"):
        desk.fill(f"#{field}", HER[field])
    desk.fill("#phone", NEW_PHONE)  # the phone she gives today is not the stored one

    desk.click("#intake-form button[type=submit]")
    expect(desk.locator("#applicant-exists-text")).to_have_text(ARABIC["desk.intake.exists"])
    expect(desk.locator("#national_id")).to_have_attribute("aria-invalid", "true")
    check_screen(desk, "desk-10-applicant-exists")
    assert requests_of_phone(client, NEW_PHONE) == []  # registering changed nothing

    desk.click("#update-contact")
    expect(desk.locator("#intake-status")).to_have_text(ARABIC["desk.intake.contact_updated"])
    expect(desk.locator("#applicant-exists")).to_be_hidden()
    assert requests_of_phone(client, NEW_PHONE) == [first["id"]]
    _, details = client.call("GET", f"/api/requests/{first['id']}")
    assert details["history"][-1]["note"] == "contact updated: phone"

    desk.click("#intake-form button[type=submit]")  # the same details now register
    expect(desk.locator("#req-status")).to_have_attribute("data-status", "registered")
    assert len(requests_of_phone(client, NEW_PHONE)) == 2


def seated_appointment(client: ApiClient) -> tuple[int, str]:
    """A confirmed appointment a few minutes from now at riyadh/booth-2, checked in: (its
    id, its request's tracking number)."""
    _, created = client.call(
        "POST", "/api/requests", {**HER, "national_id": "1000000008", "phone": "0501112299"}
    )
    start = (datetime.now(UTC) + timedelta(minutes=3)).replace(second=0, microsecond=0)
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
    body = {"request_id": created["id"], "slot_id": slots["slots"][0]["slot"]}
    status, booked = client.call("POST", "/api/appointments", {**body, "booth": "riyadh/booth-2"})
    assert status == 201, booked
    appointment = booked["appointment"]
    for path, payload in (("calls", {"outcome": "confirmed"}), ("check-in", None)):
        status, answer = client.call("POST", f"/api/appointments/{appointment}/{path}", payload)
        assert status == 200, answer
    return appointment, created["tracking_number"]


def ended_as_technical_failure(server: Server, appointment: int) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(server.data_dir / "majlis.db") as database:
        database.execute(
            "UPDATE appointments SET status = 'tech_failure', starts_at = ? WHERE id = ?",
            (now, appointment),
        )
        database.execute(
            "UPDATE requests SET status = 'under_review' WHERE id ="
            " (SELECT request_id FROM appointments WHERE id = ?)",
            (appointment,),
        )
        database.execute(
            "INSERT INTO audience_quality (appointment_id, seconds, poor_seconds,"
            " voice_only_seconds, worst_start_s, worst_poor_s, worst_min_booth_fps,"
            " worst_max_loss) VALUES (?, 300, 60, 0, 120, 10, 3.0, 0.4)",
            (appointment,),
        )


def test_a_seated_applicant_is_checked_out_from_her_request_page(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    client = server.client().sign_in("coordinator1")
    appointment, tracking = seated_appointment(client)
    [request] = requests_of_phone(client, "0501112299")
    desk = desk_signed_in(browser, contexts, server)
    desk.click("[data-tab=search]")
    desk.fill("#search-q", tracking)
    desk.click("#search-form button[type=submit]")
    desk.locator("#search-results button").first.click()
    item = desk.locator(f"[data-appointment='{appointment}']")
    expect(item.locator("[data-seated]")).to_have_text(ARABIC["desk.request.seated"])
    check_screen(desk, "desk-11-seated")

    item.locator("[data-action=check-out]").click()

    expect(item.locator("[data-action=check-out]")).to_have_count(0)
    expect(desk.locator(f"[data-appointment='{appointment}'] [data-seated]")).to_have_count(0)
    status, again = client.call("POST", f"/api/appointments/{appointment}/check-out")
    assert (status, again["code"]) == (409, "not_checked_in")  # it was done, and recorded once

    # Her audience then ends as a technical failure, poor 20 % of its time: set in the
    # database where the room clock and the quality watch would set it.
    ended_as_technical_failure(server, appointment)
    desk.click("[data-tab=board]")
    entry = desk.locator(f"#rebooking-list li[data-rebooking='{request}']")
    expect(entry.locator("[data-today]")).to_have_text(ARABIC["desk.rebooking.today"])
    entry.locator("button").click()
    line = desk.locator(f"[data-appointment='{appointment}'] .kept-quality")
    expect(line).to_have_text("جودة الاتصال: ضعيفة في 20٪ من الوقت")


def test_a_supervisor_sees_no_intake_or_search_and_anyone_signs_out_with_one_press(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk = new_page(browser, contexts, server)
    desk.goto("/desk")
    sign_in(desk, "supervisor", server.passwords["supervisor"])
    desk.fill("#otp", server.next_code("supervisor"))
    desk.click("#signin-form button[type=submit]")
    expect(desk.locator("section[data-screen=board]")).to_be_visible()
    # Oversight: no applicant's request or identity, so no tab that only refuses her.
    expect(desk.locator("[data-tab=intake]")).to_be_hidden()
    expect(desk.locator("[data-tab=search]")).to_be_hidden()
    expect(desk.locator("[data-tab=statistics]")).to_be_visible()

    desk.click("#sign-out")  # a shared computer: the next person finds nobody signed in
    expect(desk.locator("section[data-screen=signin]")).to_be_visible()
    status = desk.evaluate("fetch('/api/session').then((answer) => answer.status)")
    assert status == 401


def test_the_intake_offers_her_centres_and_the_categories_in_the_language_of_the_page(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    admin = server.client().sign_in("admin")
    widows = {"code": "widows_support", "label_ar": "دعم الأرامل", "label_en": "Support for widows"}
    status, added = admin.call("POST", "/api/admin/categories", widows)
    assert status == 201, added
    desk = desk_signed_in(browser, contexts, server)
    desk.click("[data-tab=intake]")
    expect(desk.locator("#centre option")).to_have_text(["مركز الرياض النسائي"])  # hers only
    expect(desk.locator("#category option").last).to_have_text(widows["label_ar"])
    desk.select_option("#category", widows["code"])

    desk.click("[data-language-switch]")
    expect(desk.locator("#centre option")).to_have_text(["Riyadh women's centre"])
    expect(desk.locator("#category option:checked")).to_have_text(widows["label_en"])  # kept
    for field, value in {
        "full_name": "سارة علي الشهري",
        "national_id": "1020304067",
        "phone": "0507778899",
        "text": "أطلب دعماً شهرياً.",
    }.items():
        desk.fill(f"#{field}", value)
    desk.click("#intake-form button[type=submit]")
    expect(desk.locator("#req-category")).to_have_text(widows["label_en"])
    expect(desk.locator("#req-centre")).to_have_text("Riyadh women's centre")

    desk.click("[data-language-switch]")
    expect(desk.locator("#req-category")).to_have_text(widows["label_ar"])
    expect(desk.locator("#req-centre")).to_have_text("مركز الرياض النسائي")


def test_a_slot_that_has_begun_offers_no_booking_and_the_new_sitting_is_marked(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """The calendar holds the sittings of earlier hours too: a free slot whose time has begun
    reads "passed" with no button (booking it could only fail with slot_in_past), and the
    sitting the coordinator has just added is the one marked as new."""
    desk = desk_signed_in(browser, contexts, server)
    desk.click("[data-tab=intake]")
    for field in ("full_name", "national_id", "phone", "text"):
        desk.fill(f"#{field}", {**HER, "national_id": "1020304117", "phone": "0507771122"}[field])
    desk.click("#intake-form button[type=submit]")
    expect(desk.locator("#req-status")).to_have_attribute("data-status", "registered")
    desk.click("#req-book")
    # Ten minutes from four minutes before this minute: 2-minute slots at -4, -2, 0 (begun)
    # and +2, +4 minutes.
    start = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0) - timedelta(
        minutes=4
    )
    desk.fill("#sitting-start", start.strftime("%H:%M"))
    desk.fill("#sitting-end", (start + timedelta(minutes=10)).strftime("%H:%M"))
    desk.fill("#day", start.strftime("%Y-%m-%d"))
    desk.click("#sitting-form button[type=submit]")
    created = desk.locator("article[data-new]")
    expect(created).to_have_count(1)
    expect(created.locator("li.slot-row")).to_have_count(5)
    passed = created.locator("li.slot-row:has([data-state=passed])")
    expect(passed).to_have_count(3)
    expect(passed.locator("[data-action=book]")).to_have_count(0)
    expect(passed.first).to_contain_text(ARABIC["desk.calendar.passed"])
    expect(created.locator("[data-action=book]")).to_have_count(2)
    created.locator("[data-action=book]").first.click()
    expect(desk.locator("#req-status")).to_have_attribute("data-status", "audience_booked")
