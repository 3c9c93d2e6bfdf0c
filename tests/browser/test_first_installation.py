"""The acceptance test of a real installation (issue 13): ``majlis init`` without ``--demo``,
then everything through the screens. The first administrator signs in with the one-time
password init printed, chooses her own, enrolls her authenticator from the key shown on
screen, and creates a centre, a request category, a booth, the office terminal, a coordinator
and an office member; the coordinator then signs in with her one-time password, registers a
request and books it on them. No demo row exists anywhere."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, new_page, served, sign_in
from tests.browser.screens import check_screen

ARABIC = json.loads(
    (Path(__file__).parents[2] / "web_client" / "i18n" / "ar.json").read_text(encoding="utf-8")
)
RIYADH = timedelta(hours=3)
ADMIN_PASSWORD = "Sidr-tree-lantern-dune-2027"
COORDINATOR_PASSWORD = "Nakhla-saaf-qahwa-hail-2026"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A new installation: init without --demo (the module's browser trusts its certificate)."""
    with served(tmp_path_factory.mktemp("first-installation"), ["init"]) as fresh:
        yield fresh


def one_time_password_printed(server: Server, username: str) -> str:
    found = re.search(
        rf"one-time password for {username} \(shown only this once\): (\S+)", server.init_output
    )
    assert found is not None, server.init_output
    return found.group(1)


def first_admin_signs_in(page: Page, server: Server) -> None:
    page.goto("/admin")
    sign_in(page, "admin", one_time_password_printed(server, "admin"))
    expect(page.locator("#signin-error")).to_have_text(
        ARABIC["errors.accounts.password_change_required"]
    )
    page.fill("#new-password", ADMIN_PASSWORD)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#otp-enrollment")).to_be_visible()
    assert page.eval_on_selector("#otp-qr", "img => img.naturalWidth") > 0
    check_screen(page, "first-1-authenticator")
    secret = page.inner_text("#otp-secret").strip()
    page.fill("#otp", pyotp.TOTP(secret).now())  # what her authenticator app would show
    page.click("#signin-form button[type=submit]")
    expect(page.locator("section[data-screen=staff]")).to_be_visible()


def add_reference_data(page: Page) -> None:
    page.click("nav [data-tab=centres]")
    for selector, value in {
        "#centre-code": "abha",
        "#centre-name-ar": "مركز أبها النسائي",
        "#centre-name-en": "Abha women's centre",
        "#centre-city": "أبها",
        "#centre-opens": "08:00",
        "#centre-closes": "16:00",
    }.items():
        page.fill(selector, value)
    page.click("#centre-form button[type=submit]")
    expect(page.locator("#centre-rows tr")).to_have_count(1)

    page.click("nav [data-tab=lists]")
    categories = page.locator("[data-list=categories]")
    categories.locator("input[name=code]").fill("water")
    categories.locator("input[name=label_ar]").fill("المياه والخدمات")
    categories.locator("input[name=label_en]").fill("Water and utilities")
    categories.locator("button[type=submit]").click()
    expect(categories.locator("tr[data-code=water]")).to_be_visible()

    page.click("nav [data-tab=devices]")
    page.select_option("#device-kind", "booth")
    page.select_option("#device-centre", "abha")
    page.fill("#device-label", "booth-1")
    page.click("#device-form button[type=submit]")
    expect(page.locator("tr[data-device='abha/booth-1']")).to_be_visible()
    page.select_option("#device-kind", "office")
    page.fill("#device-label", "office-1")
    page.click("#device-form button[type=submit]")
    expect(page.locator("tr[data-device='office-1']")).to_be_visible()
    check_screen(page, "first-2-devices")


def add_staff(page: Page, username: str, role: str) -> str:
    """An account serving Abha; its one-time password as the screen shows it."""
    page.click("nav [data-tab=staff]")
    page.fill("#staff-username", username)
    page.fill("#staff-display-name", username.title())
    page.select_option("#staff-role", role)
    page.locator("#staff-centres input[value=abha]").check()
    page.click("#staff-form button[type=submit]")
    expect(page.locator(f"tr[data-username={username}]")).to_be_visible()
    expect(page.locator("#one-time-text")).to_contain_text(username)
    return page.inner_text("#one-time-password").strip()


def coordinator_registers_and_books(page: Page, one_time: str) -> None:
    page.goto("/desk")
    sign_in(page, "noura", one_time)
    expect(page.locator("#new-password-field")).to_be_visible()
    page.fill("#new-password", COORDINATOR_PASSWORD)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("section[data-screen=board]")).to_be_visible()

    page.click("[data-tab=intake]")
    page.fill("#full_name", "مها عبدالله الشهري")
    page.fill("#national_id", "1000000008")
    page.fill("#phone", "0551230000")
    expect(page.locator("#centre option")).to_have_text(["مركز أبها النسائي"])
    page.select_option("#category", "water")
    page.fill("#text", "انقطاع المياه عن الحي منذ أسبوعين.")
    page.click("#intake-form button[type=submit]")
    expect(page.locator("#req-status")).to_have_attribute("data-status", "registered")

    page.click("#req-book")
    tomorrow = (datetime.now(UTC) + RIYADH + timedelta(days=1)).strftime("%Y-%m-%d")
    page.fill("#day", tomorrow)
    page.fill("#sitting-start", "10:00")
    page.fill("#sitting-end", "11:00")
    page.select_option("#sitting-office", "office-1")
    page.click("#sitting-form button[type=submit]")
    page.select_option("#booth-choice", "abha/booth-1")
    expect(page.locator("article[data-new] [data-action=book]").first).to_be_visible()
    page.locator("article[data-new] [data-action=book]").first.click()
    expect(page.locator("#req-status")).to_have_attribute("data-status", "audience_booked")
    check_screen(page, "first-3-booked")


def test_a_new_installation_reaches_its_first_booking_through_the_screens_alone(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    admin = new_page(browser, contexts, server)
    admin.on("dialog", lambda dialog: dialog.accept())

    first_admin_signs_in(admin, server)
    add_reference_data(admin)
    coordinator = add_staff(admin, "noura", "coordinator")
    office = add_staff(admin, "layla", "office")
    assert coordinator != office

    coordinator_registers_and_books(new_page(browser, contexts, server), coordinator)

    with sqlite3.connect(server.data_dir / "majlis.db") as database:
        assert database.execute("SELECT code FROM centres").fetchall() == [("abha",)]
        assert database.execute("SELECT code FROM request_categories").fetchall() == [("water",)]
        devices = database.execute("SELECT kind, label FROM devices ORDER BY kind").fetchall()
        assert devices == [("booth", "booth-1"), ("office", "office-1")]
        staff = database.execute("SELECT username FROM staff_accounts ORDER BY id").fetchall()
        assert staff == [("admin",), ("noura",), ("layla",)]
        booked = database.execute(
            "SELECT a.booth_device, s.office_device FROM appointments a"
            " JOIN slots ON slots.id = a.slot_id JOIN sittings s ON s.id = slots.sitting_id"
        ).fetchall()
        assert booked == [("abha/booth-1", "office-1")]
