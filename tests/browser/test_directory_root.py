"""An administrator's browser trusts the directory's root it made, or one she compared by eye
with a browser that trusts it, never a root only because the server lists it (issue 17,
docs/SECURITY.md). A server can make up a root and sign her browser's public key with it: the
chain then reaches her key, and before this pin her screen called that root verified, so the
devices she then endorsed pinned the server's root. In its own module: it makes its server's
directory."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from devices.directory import key_statement
from devices.proof import DeviceKey
from tests.browser.conftest import Server
from tests.browser.screens import check_screen
from tests.browser.test_admin import ARABIC, admin_signed_in
from tests.device_keys import DeviceKeyPair

pytestmark = [pytest.mark.slow, pytest.mark.browser]
FINGERPRINT = re.compile(r"\d{4} \d{4} \d{4} \d{4}")
DIRECTORY = "**/api/admin/directory"


def before_braces(key: str) -> str:
    """The catalog text of ``key`` up to its first placeholder."""
    return ARABIC[key].split("{")[0].strip()


class MadeUpRoot:
    """A malicious server's directory: a root of its own, and every key of the real directory
    (``keys``, as the server lists them) endorsed by it (her public key is public), with one
    more key pending."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        root, pending = DeviceKeyPair(), DeviceKeyPair()
        made_up = {"id": 1000, "public_key": root.public_jwk(), "holder": "admin"}
        forged = [{**made_up, "root": True, "endorsed_by": None, "endorsement": None}]
        for key in keys:
            jwk = key["public_key"]
            statement = key_statement(DeviceKey.from_jwk(jwk["x"], jwk["y"]))
            forged.append(
                {**key, "root": False, "endorsed_by": 1000, "endorsement": root.sign(statement)}
            )
        forged.append(
            {
                "id": 1001,
                "public_key": pending.public_jwk(),
                "holder": "admin",
                "root": False,
                "endorsed_by": None,
                "endorsement": None,
            }
        )
        self.body = json.dumps({"keys": forged})
        self.served = 0

    def answer(self, route: Route) -> None:
        self.served += 1
        route.fulfill(status=200, content_type="application/json", body=self.body)


def devices_screen(page: Page) -> None:
    """Opens (or reopens) the devices screen, which reads the directory again."""
    page.click("[data-tab=staff]")
    page.click("[data-tab=devices]")
    expect(page.locator("#directory-root")).not_to_be_empty()


def test_a_browser_trusts_the_root_it_made_or_compared_not_one_the_server_lists(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    first = admin_signed_in(browser, contexts, server)
    devices_screen(first)
    first.click("#directory-create")
    root_line = first.locator("#directory-root")
    expect(root_line).to_contain_text(before_braces("admin.directory.root"))
    expect(root_line).not_to_contain_text(before_braces("admin.directory.root_unverified"))
    expect(first.locator("#directory-pin-root")).to_be_hidden()
    match = FINGERPRINT.search(root_line.inner_text())
    assert match is not None
    root = match.group()

    # A second administrator's browser: the root is the server's word until she compares it.
    second = admin_signed_in(browser, contexts, server)
    devices_screen(second)
    line = second.locator("#directory-root")
    expect(line).to_contain_text(before_braces("admin.directory.root_unverified"))
    expect(line).to_contain_text(root)
    expect(second.locator("#directory-pin-root")).to_be_visible()
    second.click("#directory-create")
    expect(second.locator("#directory-mine")).to_contain_text(
        before_braces("admin.directory.mine_pending")
    )
    devices_screen(first)  # the first endorses it (having compared its fingerprint)
    first.locator("#directory-pending button[data-action=endorse-key]").click()
    expect(first.locator("#directory-pending li")).to_have_count(0)

    # The server makes up a root and endorses her key with it: not verified, no endorsing.
    listing = second.evaluate("fetch('/api/admin/directory').then((answer) => answer.json())")
    made_up = MadeUpRoot(listing["keys"])
    second.route(DIRECTORY, made_up.answer)
    devices_screen(second)
    expect(line).not_to_contain_text(root)  # the screen shows the made-up listing now
    expect(line).to_contain_text(before_braces("admin.directory.root_unverified"))
    expect(second.locator("#directory-pending li")).to_have_count(1)  # its made-up pending key
    expect(second.locator("#directory-pending button")).to_have_count(0)
    assert made_up.served >= 1
    second.unroute(DIRECTORY)

    # Or it flags her own pending key as the root: her browser pins nothing it did not compare
    # (it pins its own key only when it created the directory).
    hers = next(key["id"] for key in listing["keys"] if not key["root"])
    own_root = json.dumps({"keys": [{**k, "root": k["id"] == hers} for k in listing["keys"]]})
    second.route(
        DIRECTORY,
        lambda route: route.fulfill(status=200, content_type="application/json", body=own_root),
    )
    mine = FINGERPRINT.search(second.locator("#directory-mine").inner_text())
    assert mine is not None
    devices_screen(second)
    expect(line).to_contain_text(mine.group())  # the screen shows this listing now
    expect(line).to_contain_text(before_braces("admin.directory.root_unverified"))
    expect(second.locator("#directory-pin-root")).to_be_visible()
    expect(second.locator("[data-action^=endorse]")).to_have_count(0)
    second.unroute(DIRECTORY)

    # The real listing: she compares the fingerprint with the first browser's and pins it.
    devices_screen(second)
    expect(line).to_contain_text(root)
    second.click("#directory-pin-root")
    expect(second.locator("#directory-pin-root")).to_be_hidden()
    expect(line).to_contain_text(before_braces("admin.directory.root"))
    expect(line).not_to_contain_text(before_braces("admin.directory.root_unverified"))
    expect(second.locator("#directory-mine")).to_contain_text(
        before_braces("admin.directory.mine_trusted")
    )

    # Later the server lists its own root: a security warning, and her browser endorses nothing.
    second.route(DIRECTORY, made_up.answer)
    devices_screen(second)
    expect(line).to_contain_text(before_braces("admin.directory.root_changed"))
    expect(line).to_contain_text(root)
    expect(second.locator("#directory-pending button")).to_have_count(0)
    expect(second.locator("#directory-pin-root")).to_be_hidden()
    check_screen(second, "admin-devices-directory-root-changed")
