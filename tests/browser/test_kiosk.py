"""A kiosk that forgets (issue 15): five women in a row on one booth page, never reloaded,
each greeted by her own name in Arabic with no warning, help notice or audio-only choice left
from the one before, and each offered the rating — in real Chromium against the real server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from stdnum import luhn

from tests.browser.conftest import ApiClient, Server, enroll, new_page, sign_in
from tests.browser.test_desk import HER

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(900)]
BOOTH = "riyadh/booth-2"
FIRST_NAMES = ["نورة", "حصة", "مريم", "لطيفة", "جواهر"]


def applicants(client: ApiClient) -> list[dict[str, object]]:
    """Five applicants booked into the five two-minute slots of one sitting starting in a
    minute, at the same booth, their calls confirmed (none checked in yet)."""
    start = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    status, sitting = client.call(
        "POST",
        "/api/sittings",
        {
            "office_device": "office-1",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=2 * len(FIRST_NAMES))).isoformat(),
        },
    )
    assert status == 201, sitting
    _, slots = client.call("GET", f"/api/sittings/{sitting['sitting']}/slots")
    booked = []
    for n, (first_name, slot) in enumerate(zip(FIRST_NAMES, slots["slots"], strict=False)):
        stem = f"10{500 + n:07d}"
        body = {
            **HER,
            "full_name": f"{first_name} سعد العتيبي",
            "national_id": stem + luhn.calc_check_digit(stem),
            "phone": f"05088{n:05d}",
            "text": f"طلب {first_name}: أرجو النظر في حالتي.",
        }
        status, created = client.call("POST", "/api/requests", body)
        assert status == 201, created
        status, appointment = client.call(
            "POST",
            "/api/appointments",
            {"request_id": created["id"], "slot_id": slot["slot"], "booth": BOOTH},
        )
        assert status == 201, appointment
        path = f"/api/appointments/{appointment['appointment']}/calls"
        status, answer = client.call("POST", path, {"outcome": "confirmed"})
        assert status == 200, answer
        booked.append({**body, "appointment": appointment["appointment"], **created})
    assert len(booked) == len(FIRST_NAMES)
    return booked


def nothing_left_of_the_one_before(booth: Page) -> None:
    expect(booth.locator("html")).to_have_attribute("lang", "ar")
    expect(booth.locator("#warning")).to_be_hidden()
    expect(booth.locator("#warning")).to_have_text("")
    expect(booth.locator("#help-sent")).to_be_hidden()
    expect(booth.locator("#audio-only")).to_have_attribute("aria-pressed", "false")
    expect(booth.locator("#audio-only")).to_have_text("الصوت فقط")
    expect(booth.locator("#rating-block")).not_to_have_attribute("hidden", "")
    expect(booth.locator("#thanks")).to_be_hidden()
    expect(booth.locator("#tracking-number")).to_have_text("")


def to_the_lobby(booth: Page, applicant: dict[str, object]) -> None:
    booth.click("#start")
    expect(booth.locator("#request-text")).to_have_text(str(applicant["text"]))
    booth.click("#review-ok")
    booth.check("#consent-box")
    booth.click("#consent-ok")
    expect(booth.locator("#preflight-check")).to_be_enabled(timeout=30_000)
    booth.click("#preflight-check")
    expect(booth.locator("section[data-screen=lobby]")).to_be_visible(timeout=30_000)


def office_holds_the_audience(office: Page, applicant: dict[str, object]) -> None:
    office.locator(f".queue-item button[data-appointment='{applicant['appointment']}']").click()
    expect(office.locator("#brief-text")).to_have_text(str(applicant["text"]))
    expect(office.locator("#admit")).to_be_enabled(timeout=20_000)
    office.click("#admit")
    expect(office.locator("section[data-screen=live]")).to_be_visible(timeout=30_000)


def office_ends_and_records(office: Page) -> None:
    office.click("#end")
    office.click("#confirm-yes")
    expect(office.locator("section[data-screen=outcome]")).to_be_visible()
    office.check("input[name=outcome][value=follow_up]")
    office.fill("#outcome-note", "متابعة")
    office.click("#outcome-form button[type=submit]")
    expect(office.locator("section[data-screen=queue]")).to_be_visible()


def test_five_women_in_a_row_on_one_kiosk_page_each_greeted_afresh_and_each_rated(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    client = server.client().sign_in("coordinator1")
    booked = applicants(client)
    booth = new_page(browser, contexts, server)
    booth.clock.install()  # time runs as usual; the test skips the after screen's wait
    office = new_page(browser, contexts, server)
    booth.goto("/booth")
    enroll(booth, server.client().sign_in("admin").enrollment_code(BOOTH))
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()
    office.goto("/office")
    enroll(office, server.client().sign_in("admin").enrollment_code("office-1"))
    sign_in(office, "office", server.passwords["office"])
    expect(office.locator("section[data-screen=queue]")).to_be_visible()

    for n, applicant in enumerate(booked):
        path = f"/api/appointments/{applicant['appointment']}/check-in"
        status, answer = client.call("POST", path)
        assert status == 200, answer
        expect(booth.locator("#greeting")).to_have_text(f"أهلًا بكِ يا {FIRST_NAMES[n]}")
        nothing_left_of_the_one_before(booth)
        to_the_lobby(booth, applicant)
        office_holds_the_audience(office, applicant)
        expect(booth.locator("section[data-screen=live]")).to_be_visible()
        # Two-minute slots: the warning of the two minutes left comes with the admission.
        expect(booth.locator("#warning")).to_be_visible(timeout=20_000)
        expect(booth.locator("#warning")).to_have_text(re.compile("^بقيت (دقيقتان|دقيقة واحدة)$"))
        if n == 0:  # the first woman leaves every choice the kiosk offers set
            booth.click("#help")
            booth.click("[data-help-reason=coordinator]")  # help says what she needs
            expect(booth.locator("#help-sent")).to_be_visible()
            booth.click("#audio-only")
            expect(booth.locator("#audio-only")).to_have_attribute("aria-pressed", "true")
            booth.click("[data-language-switch]")
            expect(booth.locator("html")).to_have_attribute("lang", "en")

        office_ends_and_records(office)
        expect(booth.locator("section[data-screen=after]")).to_be_visible()
        expect(booth.locator("#rating-block")).to_be_visible()  # every woman is asked
        booth.click(f"[data-stars='{5 - n % 2}']")
        expect(booth.locator("#thanks")).to_be_visible()
        expect(booth.locator("#tracking-number")).to_contain_text(
            str(applicant["tracking_number"])[:4]
        )
        booth.clock.fast_forward("01:31")  # the after screen's 90 s
        expect(booth.locator("section[data-screen=idle]")).to_be_visible()

    assert [rating(client, applicant) for applicant in booked] == [5, 4, 5, 4, 5]


def rating(client: ApiClient, applicant: dict[str, object]) -> object:
    status, found = client.call("GET", f"/api/requests/{applicant['id']}/appointments")
    assert status == 200, found
    return next(a["rating"] for a in found["appointments"])
