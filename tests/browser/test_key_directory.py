"""The administrators' key directory closes trust on first use (issue 17, docs/SECURITY.md): an
administrator's browser makes the directory's root key, each device waits after its enrollment
until she compares its key's fingerprint and endorses it, and she confirms the root's
fingerprint on the device's screen. From then on each end takes the other's key share only
under a key endorsed for the name it comes with: a malicious server that gives the booth a
new, never-met name with a key of its own (a first contact, which pins alone would accept) is
refused, and the booth, which checked the office's endorsed key, agrees its side of the key. In its
own module: the directory it makes changes every later enrollment of its server."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, new_page
from tests.browser.screens import check_screen
from tests.browser.test_admin import ARABIC, admin_signed_in
from tests.browser.test_e2ee import office_ends
from tests.browser.test_e2ee_substitution import ForgingRelay
from tests.browser.test_journey import (
    HESSA,
    Screen,
    booth_to_lobby,
    enroll_office,
    office_admits,
    register_and_book,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]
FINGERPRINT = re.compile(r"^\d{4} \d{4} \d{4} \d{4}$")


def endorsed_by(
    admin: Page, device: str, reload: bool = False, screen: Screen | None = None
) -> Callable[[Page], None]:
    """What the administrator does at a device that just took its code: compare its key's
    fingerprint with the devices screen's, endorse it, compare the root's, confirm there.
    ``reload``: the device's page is reloaded while it waits, and waits again. ``screen``
    looks at (and photographs) the device's two screens and the devices screen."""
    look = screen or (lambda _page, _name: None)

    def endorse(page: Page) -> None:
        shown = page.locator("#endorsement-fingerprint")
        expect(shown).to_have_text(FINGERPRINT, timeout=15_000)
        expect(page.locator("#endorsement-continue")).to_be_hidden()
        own = shown.inner_text()
        look(page, "booth-1b-awaiting-endorsement")
        if reload:
            page.reload()
            expect(shown).to_have_text(own, timeout=15_000)
            expect(page.locator("#enroll-form")).to_be_hidden()
        admin.click("[data-tab=devices]")
        row = admin.locator(f"tr[data-device='{device}']")
        expect(row.locator("code.fingerprint")).to_have_text(own)
        row.locator("button[data-action=endorse]").click()
        expect(row.locator("button[data-action=endorse]")).to_have_count(0)
        expect(row).to_contain_text(ARABIC["admin.directory.endorsed"])
        admin.evaluate("window.scrollTo(0, 0)")
        look(admin, "admin-devices-directory")
        # The device sees its endorsement (it checks it) and shows the root's fingerprint.
        expect(page.locator("#endorsement-continue")).to_be_visible(timeout=15_000)
        root = shown.inner_text()
        assert root != own
        expect(admin.locator("#directory-root")).to_contain_text(root)
        look(page, "booth-1c-root-fingerprint")
        page.click("#endorsement-continue")

    return endorse


def test_with_a_directory_a_never_met_booth_name_under_a_forged_key_is_refused(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    admin = admin_signed_in(browser, contexts, server)
    admin.click("[data-tab=devices]")
    expect(admin.locator("#directory-root")).to_have_text(ARABIC["admin.directory.none"])
    admin.click("#directory-create")
    expect(admin.locator("#directory-mine")).to_contain_text(
        ARABIC["admin.directory.mine_trusted"].split(":")[0]
    )
    expect(admin.locator("#directory-create")).to_be_hidden()

    desk = new_page(browser, contexts, server)
    booth = new_page(browser, contexts, server)
    office = new_page(browser, contexts, server)
    # The office is the victim: the booth's shares reach it under a name it never met.
    relay = ForgingRelay(office, "riyadh/booth-9", victim="office")
    enroll_office(office, server, after_enroll=endorsed_by(admin, "office-1"))
    register_and_book(desk, server, HESSA, "riyadh/booth-1")
    booth_to_lobby(
        booth,
        server,
        HESSA,
        "riyadh/booth-1",
        after_enroll=endorsed_by(admin, "riyadh/booth-1", reload=True, screen=check_screen),
    )
    office_admits(office, server, HESSA, "riyadh/booth-1", enrolled=True)

    # The booth checked the office's key against the directory (endorsed for office-1) and
    # answered its offer: its side of the key is agreed, with a code and no security error.
    expect(booth.locator("#e2ee-code")).not_to_have_text("", timeout=15_000)
    # The office refuses the forged answer, first contact or not: no key, no picture.
    refused = ARABIC["errors.e2ee.e2ee_peer_not_endorsed"]
    expect(office.locator("#live-error")).to_contain_text(refused, timeout=15_000)
    assert relay.forged >= 1
    expect(office.locator("#e2ee-code")).to_have_text("")
    expect(office.locator("#e2ee-code")).to_have_attribute("data-decrypted", "0")
    expect(booth.locator("#page-error")).not_to_contain_text(refused)
    office_ends(office)
