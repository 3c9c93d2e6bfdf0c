"""End-to-end encryption of an audience (issue 17), in real Chromium at both ends against the
real server: frames sealed in the browsers' Encoded Transform workers, the key agreed between
the booth and the office through the server, which relays the signed shares and cannot read a
frame; a share substituted on the way is refused at both ends."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server
from tests.browser.test_audience import admitted, no_error_shown
from tests.browser.test_journey import NOURA, video_plays

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
