"""The applicant's status page on a phone-sized screen: her tracking number (spaces or none)
and the last four digits of her phone give her request's status in plain words, since when
(Hijri and Gregorian) and what happens next; a wrong pair and an unknown number get the very
same answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server
from tests.browser.screens import check_screen

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
PHONE = {"width": 390, "height": 844}
HER_REQUEST = {
    "full_name": "نورة عبدالله القحطاني",
    "national_id": "1000000008",
    "phone": "0551234567",
    "language": "ar",
    "centre": "riyadh",
    "category": "housing",
    "text": "أطلب النظر في طلب السكن المقدم منذ عامين.",
}


def phone_page(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    context = browser.new_context(base_url=server.base_url, viewport=PHONE, locale="ar-SA")
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def look_up(page: Page, tracking: str, last_four: str) -> None:
    page.fill("#status-tracking", tracking)
    page.fill("#status-phone", last_four)
    page.click("#status-form button[type=submit]")


def answer_shown(page: Page) -> tuple[bool, str]:
    """What the page shows after a look-up: a result section, or the error's text."""
    page.wait_for_function(
        "() => !document.getElementById('status-result').hidden"
        " || document.getElementById('status-error').textContent !== ''"
    )
    return page.locator("#status-result").is_visible(), page.inner_text("#status-error")


def test_her_status_in_plain_words_and_the_same_answer_for_a_wrong_pair_or_unknown_number(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    status, registered = (
        server.client().sign_in("coordinator1").call("POST", "/api/requests", HER_REQUEST)
    )
    assert status == 201, registered
    digits = registered["tracking_number"].replace(" ", "")
    grouped = f"{digits[:4]} {digits[4:8]} {digits[8:]}"

    page = phone_page(browser, contexts, server)
    page.goto("/")
    page.click("a[href='/status']")  # linked from the home page
    check_screen(page, "status-1-form")
    look_up(page, grouped, "4567")
    expect(page.locator("#status-word")).to_have_text("مسجل")
    expect(page.locator("#status-next")).to_contain_text("ستدرسه إحدى المنسقات")
    date = page.inner_text("#status-date")
    assert "هـ" in date, date  # the Hijri date, with the Gregorian one in brackets
    assert "(" in date, date
    check_screen(page, "status-2-found")

    look_up(page, digits, "4567")  # without spaces: the same request
    expect(page.locator("#status-word")).to_have_text("مسجل")

    look_up(page, grouped, "0000")  # her number, a wrong phone
    wrong_pair = answer_shown(page)
    check_screen(page, "status-3-not-found")
    unknown = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    look_up(page, unknown, "4567")  # a number nobody holds
    assert answer_shown(page) == wrong_pair
    assert wrong_pair[0] is False
    assert wrong_pair[1] != ""
