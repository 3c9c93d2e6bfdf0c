"""End-to-end encryption of an audience (issue 17), in real Chromium at both ends against the
real server: frames sealed in the browsers' Encoded Transform workers, the key agreed between
the booth and the office through the server, which relays the signed shares and cannot read a
frame; a share substituted on the way is refused at both ends."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from tests.browser.conftest import Server, new_page
from tests.browser.test_audience import admitted, no_error_shown
from tests.browser.test_journey import (
    HESSA,
    NOURA,
    booth_to_lobby,
    office_admits,
    register_and_book,
    video_plays,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]


def office_ends(office: Page) -> None:
    office.click("#end")
    office.click("#confirm-yes")
    expect(office.locator("section[data-screen=outcome]")).to_be_visible()


def e2ee_counts(page: Page) -> dict[str, str]:
    """The frame counters of the page's end-to-end worker (shared/e2ee_view.js)."""
    counts: dict[str, str] = page.eval_on_selector("#e2ee-code", "(e) => ({...e.dataset})")
    return counts


def test_an_audience_is_encrypted_end_to_end_and_both_screens_show_one_code(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    _, booth, office = admitted(browser, contexts, server, NOURA, "riyadh/booth-1")
    # The receivers pass on only frames that open under the agreed key (AES-GCM checks each
    # one): a picture on either side is frames the server forwarded sealed.
    video_plays(booth, "#remote")
    video_plays(office, "#remote")

    expect(booth.locator("#e2ee-code")).to_contain_text("رمز التحقق")
    booth_code = booth.get_attribute("#e2ee-code", "data-code")
    assert booth_code is not None
    assert len(booth_code) == 6
    expect(office.locator("#e2ee-code")).to_have_attribute("data-code", booth_code)
    shown = f"{booth_code[:3]} {booth_code[3:]}"
    expect(booth.locator("#e2ee-code")).to_contain_text(shown)
    expect(office.locator("#e2ee-code")).to_contain_text(shown)
    office.wait_for_timeout(1_000)  # the counters are published twice a second
    for page in (booth, office):
        counts = e2ee_counts(page)
        assert int(counts["encrypted"]) > 50, counts  # audio and video, sealed as they leave
        assert int(counts["decrypted"]) > 50, counts  # and opened as they arrive
        assert counts["failed"] == "0", counts
    assert e2ee_counts(office)["clear"] == "0"  # the office never sends a frame in clear
    no_error_shown(office)
    office_ends(office)


def substitute_key_shares(page: Page) -> None:
    """A malicious server in the signalling path: every key share relayed to ``page`` carries
    another public key (its signature, and the device key it is checked with, unchanged)."""

    def tampered(message: str | bytes) -> str | bytes:
        prefix = '42/office,["e2ee_share",'
        if not isinstance(message, str) or not message.startswith(prefix):
            return message
        name, share = json.loads(message.removeprefix("42/office,"))
        forged = share["public"][:-2] + ("AA" if share["public"][-2:] != "AA" else "BA")
        return "42/office," + json.dumps([name, {**share, "public": forged}])

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        server.on_message(lambda message: socket.send(tampered(message)))
        socket.on_message(server.send)

    page.route_web_socket("**/socket.io/**", route)


def test_a_substituted_key_share_is_refused_at_both_ends_and_no_picture_shows(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk = new_page(browser, contexts, server)
    booth = new_page(browser, contexts, server)
    office = new_page(browser, contexts, server)
    substitute_key_shares(office)
    register_and_book(desk, server, HESSA, "riyadh/booth-2")
    booth_to_lobby(booth, server, HESSA, "riyadh/booth-2")
    office_admits(office, server, HESSA)

    expect(office.locator("#live-error")).to_contain_text("تعذّر التحقق من هوية الطرف الآخر")
    # The office answers no forged share: the booth is left without a key, and says so.
    expect(booth.locator("#page-error")).to_contain_text("تعذّر إنشاء اتصال مشفَّر", timeout=30_000)
    for page in (booth, office):
        expect(page.locator("#e2ee-code")).to_have_text("")
        assert e2ee_counts(page)["decrypted"] == "0"
        assert page.evaluate("document.querySelector('#remote').videoWidth") == 0
    office_ends(office)
