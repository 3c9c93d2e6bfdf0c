"""The administrators' screens (/admin) in Chromium: staff accounts with their one-time
password shown once, centres, devices with their enrollment code as text and QR code, request
categories; Arabic first and accessible; any other role is told and signed out."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, new_page, sign_in
from tests.browser.screens import check_screen

CATALOGS = Path(__file__).parents[2] / "web_client" / "i18n"
ARABIC = json.loads((CATALOGS / "ar.json").read_text(encoding="utf-8"))
ENGLISH = json.loads((CATALOGS / "en.json").read_text(encoding="utf-8"))


def admin_signed_in(browser: Browser, contexts: list[BrowserContext], server: Server) -> Page:
    page = new_page(browser, contexts, server)
    page.goto("/admin")
    sign_in(page, "admin", server.passwords["admin"])
    expect(page.locator("#otp-field")).to_be_visible()
    page.fill("#otp", server.next_code("admin"))
    page.click("#signin-form button[type=submit]")
    expect(page.locator("section[data-screen=staff]")).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: yes
    return page


def test_an_admin_creates_an_account_sees_its_one_time_password_once_and_disables_it(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = admin_signed_in(browser, contexts, server)
    expect(page.locator("nav [data-tab=staff]")).to_have_text(ARABIC["admin.tab.staff"])
    check_screen(page, "admin-staff")

    page.fill("#staff-username", "huda")
    page.fill("#staff-display-name", "هدى")
    page.select_option("#staff-role", "coordinator")
    page.click("#staff-form button[type=submit]")
    expect(page.locator("#staff-form-error")).to_have_text(
        ARABIC["errors.accounts.centre_required"]
    )
    page.locator("#staff-centres label", has_text="الرياض").locator("input").check()
    page.click("#staff-form button[type=submit]")

    expect(page.locator("#one-time")).to_be_visible()
    one_time = page.locator("#one-time-password").inner_text()
    assert len(one_time) >= 12
    row = page.locator("tr[data-username=huda]")
    expect(row).to_contain_text("الرياض")
    expect(page.locator("tr[data-username=admin] [data-action=disable]")).to_have_count(0)
    check_screen(page, "admin-staff-created")

    huda = new_page(browser, contexts, server)
    huda.goto("/desk")
    sign_in(huda, "huda", one_time)
    huda.fill("#new-password", "Nakhla-saaf-qahwa-hail-2026")
    huda.click("#signin-form button[type=submit]")
    expect(huda.locator("section[data-screen=board]")).to_be_visible()

    row.locator("[data-action=sessions]").click()
    expect(page.locator("#sessions-list li")).to_have_count(1)
    row.locator("[data-action=disable]").click()
    expect(row).to_contain_text(ARABIC["admin.staff.state_disabled"])
    status = huda.evaluate("fetch('/api/session').then((answer) => answer.status)")
    assert status == 401


def test_an_admin_adds_a_centre_a_booth_with_its_enrollment_qr_and_a_category(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = admin_signed_in(browser, contexts, server)

    page.click("nav [data-tab=centres]")
    page.fill("#centre-code", "dammam")
    page.fill("#centre-name-ar", "مركز الدمام")
    page.fill("#centre-name-en", "Dammam centre")
    page.fill("#centre-city", "الدمام")
    page.fill("#centre-opens", "09:00")
    page.fill("#centre-closes", "15:00")
    page.click("#centre-form button[type=submit]")
    expect(page.locator("tr[data-code=dammam]")).to_contain_text("09:00–15:00")
    page.locator("tr[data-code=dammam] [data-action=edit]").click()
    page.fill("#centre-closes", "17:00")
    page.click("#centre-form button[type=submit]")
    expect(page.locator("tr[data-code=dammam]")).to_contain_text("09:00–17:00")
    check_screen(page, "admin-centres")

    page.click("nav [data-tab=devices]")
    page.select_option("#device-kind", "booth")
    page.select_option("#device-centre", "dammam")
    page.fill("#device-label", "booth-1")
    page.click("#device-form button[type=submit]")
    booth = page.locator("tr[data-device='dammam/booth-1']")
    expect(booth).to_contain_text(ARABIC["admin.devices.in_service"])
    booth.locator("[data-action=enroll]").click()
    expect(page.locator("#enrollment-code")).to_have_text(re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$"))
    assert page.eval_on_selector("#enrollment-qr", "img => img.naturalWidth") > 0
    check_screen(page, "admin-devices")

    booth.locator("[data-action=out-of-service]").click()
    page.fill("#outage-reason", "الشاشة لا تعمل")
    page.click("#outage-form button[type=submit]")
    expect(page.locator("#outage-affected")).to_have_text(
        ARABIC["admin.devices.affected"].replace("{n}", "0")
    )
    expect(booth).to_contain_text("الشاشة لا تعمل")
    booth.locator("[data-action=in-service]").click()
    expect(booth).to_contain_text(ARABIC["admin.devices.in_service"])

    page.click("nav [data-tab=lists]")
    categories = page.locator("[data-list=categories]")
    categories.locator("input[name=code]").fill("transport")
    categories.locator("input[name=label_ar]").fill("النقل")
    categories.locator("input[name=label_en]").fill("Transport")
    categories.locator("button[type=submit]").click()
    row = categories.locator("tr[data-code=transport]")
    expect(row).to_contain_text(ARABIC["admin.lists.active"])
    row.locator("[data-action=toggle]").click()
    expect(row).to_contain_text(ARABIC["admin.lists.inactive"])
    check_screen(page, "admin-lists")

    page.click("[data-language-switch]")
    expect(page.locator("nav [data-tab=lists]")).to_have_text(ENGLISH["admin.tab.lists"])
    check_screen(page, "admin-lists-en", direction="ltr")


def test_a_coordinator_is_told_the_admin_screens_are_not_hers_and_signed_out(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = new_page(browser, contexts, server)
    page.goto("/admin")
    sign_in(page, "coordinator1", server.passwords["coordinator1"])

    told = ARABIC["admin.not_for_role"].replace("{role}", ARABIC["role.coordinator"])
    expect(page.locator("#signin-error")).to_have_text(told)
    expect(page.locator("#tabs")).to_be_hidden()
    status = page.evaluate("fetch('/api/session').then((answer) => answer.status)")
    assert status == 401


def test_opening_the_admin_page_while_signed_in_elsewhere_ends_no_session(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    # A link from another site to /admin must not sign a coordinator out (sign-out forgery):
    # she is told the screen is not hers, and her desk session lives on.
    page = new_page(browser, contexts, server)
    page.goto("/desk")
    sign_in(page, "coordinator1", server.passwords["coordinator1"])
    expect(page.locator("#tabs")).to_be_visible()

    page.goto("/admin")

    told = ARABIC["admin.not_for_role_kept"].replace("{role}", ARABIC["role.coordinator"])
    expect(page.locator("#signin-error")).to_have_text(told)
    status = page.evaluate("fetch('/api/session').then((answer) => answer.status)")
    assert status == 200
