"""Reception and the ministry's figures (issue 14, items 5 and 6), in Chromium: the coordinator
records a walk-in visit naming her request by its tracking number, finishes it, logs an
enquiry call, and the report for today shows both, per centre and in total; each new screen
passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server
from tests.browser.screens import check_screen
from tests.browser.test_desk import HER, desk_signed_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]


def figure(desk: Page, centre: str, name: str) -> str | None:
    cell = desk.locator(f"#report-rows td[data-centre='{centre}'][data-figure='{name}']")
    expect(cell).to_have_count(1)
    return cell.get_attribute("data-value")


def test_a_visit_and_a_call_recorded_at_reception_feed_the_report(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    client = server.client().sign_in("coordinator1")
    status, created = client.call("POST", "/api/requests", HER)
    assert status == 201, created
    _, details = client.call("GET", f"/api/requests/{created['id']}")
    digits = details["tracking_number"].replace(" ", "")
    tracking = f"{digits[:4]} {digits[4:8]} {digits[8:]}"  # typed as she reads it out
    desk = desk_signed_in(browser, contexts, server)

    desk.click("[data-tab=reception]")
    expect(desk.locator("#visits-empty")).to_be_visible()
    check_screen(desk, "desk-17-reception")
    desk.fill("#visit-tracking", tracking)
    desk.click("#visit-purposes [data-purpose=follow_up]")
    row = desk.locator("#visit-rows tr[data-purpose=follow_up]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(tracking)
    expect(row).to_contain_text("منسقة 1")  # her display name, not her username
    row.locator("[data-action=finish-visit]").click()
    expect(row.locator("[data-action=finish-visit]")).to_have_count(0)

    desk.fill("#visit-tracking", "1111 2222 33")  # no request of hers has this number
    desk.click("#visit-purposes [data-purpose=enquiry]")
    expect(desk.locator("#visit-error")).not_to_be_empty()
    expect(desk.locator("#visit-rows tr")).to_have_count(1)

    desk.select_option("#call-direction", "in")
    desk.select_option("#call-purpose", "appointment")
    desk.select_option("#call-outcome", "answered")
    desk.fill("#call-minutes", "2.5")
    desk.click("#call-form button[type=submit]")
    call = desk.locator("#call-rows tr")
    expect(call).to_have_count(1)
    expect(desk.locator("#call-status")).not_to_be_empty()
    check_screen(desk, "desk-18-reception-recorded")

    desk.click("[data-tab=statistics]")
    desk.select_option("#report-kind", "range")  # from the 1st of this month to today
    desk.click("#report-form button[type=submit]")
    expect(desk.locator("#report-rows td[data-figure=visitors]").first).to_be_visible()
    for centre in ("riyadh", "total"):
        assert figure(desk, centre, "visitors") == "1"
        assert figure(desk, centre, "calls_handled") == "1"
        assert figure(desk, centre, "requests_registered") == "1"
        assert figure(desk, centre, "requests_from_women") == "1"
        assert figure(desk, centre, "audiences_held") == "0"
        assert figure(desk, centre, "satisfaction_average") == ""
    expect(desk.locator("#report-rows td[data-figure=visitors]")).to_have_count(2)  # hers only
    assert desk.evaluate("document.getElementById('chart-centres').width") > 0  # Chart.js drew
    csv_link = desk.locator("#report-csv")
    expect(csv_link).to_have_attribute("href", re.compile("period=range"))  # once redrawn
    check_screen(desk, "desk-19-report")

    desk.select_option("#report-kind", "hijri_year")
    desk.click("#report-form button[type=submit]")
    expect(desk.locator("#report-period")).to_contain_text("هـ")
    assert figure(desk, "total", "visitors") == "1"
