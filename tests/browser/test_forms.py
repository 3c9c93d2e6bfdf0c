"""Forms refuse bad input with the server's Arabic message next to the field, and store
nothing; every app reads right-to-left in Arabic and left-to-right in English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import ApiClient, Server, new_page, sign_in
from tests.browser.screens import check_screen
from tests.e2e.test_cli import run

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
CATALOGS = Path(__file__).parents[2] / "web_client" / "i18n"
ARABIC = json.loads((CATALOGS / "ar.json").read_text(encoding="utf-8"))
ENGLISH = json.loads((CATALOGS / "en.json").read_text(encoding="utf-8"))
GOOD = {
    "#full_name": "منيرة سعد العتيبي",
    "#national_id": "1020304059",
    "#phone": "0501112233",
    "#text": "أطلب دعم مشروعي الصغير.",
}


def requests_stored(client: ApiClient) -> int:
    status, figures = client.call("GET", "/api/statistics")
    assert status == 200, figures
    return sum(row["count"] for row in figures["requests_by_centre_and_status"])


@pytest.mark.parametrize(
    ("field", "bad", "message_key"),
    [
        ("national_id", "1234567890", "errors.desk.invalid_national_id"),
        ("phone", "0123", "errors.desk.invalid_phone"),
        ("text", "", "errors.desk.invalid_request_text"),
        ("full_name", "م", "errors.desk.invalid_name"),
    ],
)
def test_bad_input_shows_the_arabic_message_next_to_the_field_and_stores_nothing(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    field: str,
    bad: str,
    message_key: str,
) -> None:
    client = server.client().sign_in("coordinator2")
    before = requests_stored(client)
    desk = new_page(browser, contexts, server)
    desk.goto("/desk")
    sign_in(desk, "coordinator2", server.passwords["coordinator2"])
    expect(desk.locator("section[data-screen=board]")).to_be_visible()
    desk.click("[data-tab=intake]")
    served = desk.eval_on_selector_all("#centre option", "options => options.map(o => o.value)")
    assert served == ["jeddah"]  # coordinator2 registers for her own centre only
    for selector, value in GOOD.items():
        desk.fill(selector, bad if selector == f"#{field}" else value)
    desk.click("#intake-form button[type=submit]")

    expect(desk.locator(f"#{field}-error")).to_have_text(ARABIC[message_key])
    expect(desk.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(desk.locator("section[data-screen=intake]")).to_be_visible()  # still on the form
    if field == "national_id":
        check_screen(desk, "desk-9-intake-refused")
    assert requests_stored(client) == before


@pytest.mark.parametrize("app", ["booth", "office", "desk"])
def test_each_app_is_right_to_left_in_arabic_and_left_to_right_in_english(
    browser: Browser, contexts: list[BrowserContext], server: Server, app: str
) -> None:
    page = new_page(browser, contexts, server)
    page.goto(f"/{app}")
    expect(page.locator("h1")).to_have_text(ARABIC[f"{app}.title"])
    check_screen(page, f"{app}-start", photograph=False)  # booth-1-enroll, desk-1-sign-in…
    page.click("[data-language-switch]")
    expect(page.locator("h1")).to_have_text(ENGLISH[f"{app}.title"])
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "en",
        "ltr",
    ]
    check_screen(page, f"{app}-start-english", direction="ltr")


def test_an_admin_signs_in_with_the_code_of_her_authenticator(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = new_page(browser, contexts, server)
    page.goto("/desk")
    expect(page.locator("#otp-field")).to_be_hidden()  # nobody is asked before the server asks
    sign_in(page, "admin", server.passwords["admin"])

    expect(page.locator("#signin-error")).to_have_text(ARABIC["errors.accounts.otp_required"])
    expect(page.locator("label[for=otp]")).to_have_text(ARABIC["signin.otp"])
    expect(page.locator("#otp-enrollment")).to_be_hidden()  # enrolled by `majlis init --demo`
    page.fill("#otp", "000000")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text(ARABIC["errors.accounts.otp_invalid"])

    page.fill("#otp", server.next_code("admin"))
    page.click("#signin-form button[type=submit]")
    # Signed in — but the desk is the coordination team's screen: she is told so (not sent
    # back to an empty form to try a spent code again) and signed out.
    told = ARABIC["desk.not_for_role"].replace("{role}", ARABIC["role.admin"])
    expect(page.locator("#signin-error")).to_have_text(told)
    expect(page.locator("#tabs")).to_be_hidden()
    status = page.evaluate("fetch('/api/session').then((answer) => answer.status)")
    assert status == 401


def test_a_new_coordinator_replaces_her_one_time_password_at_the_first_sign_in(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    added = run(
        ["staff", "add", "coordinator9", "--role", "coordinator", "--centre", "riyadh"],
        server.env,
    )
    assert added.returncode == 0, added.stderr
    one_time = re.search(r"shown only this once\): (\S+)", added.stdout)
    assert one_time is not None, added.stdout
    page = new_page(browser, contexts, server)
    page.goto("/desk")
    expect(page.locator("#new-password-field")).to_be_hidden()
    sign_in(page, "coordinator9", one_time.group(1))
    expect(page.locator("#signin-error")).to_have_text(
        ARABIC["errors.accounts.password_change_required"]
    )
    expect(page.locator("label[for=new-password]")).to_have_text(ARABIC["signin.new_password"])

    page.fill("#new-password", "password1234")  # long enough, and the first thing guessed
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text(ARABIC["errors.accounts.weak_password"])

    page.fill("#new-password", "Nakhla-saaf-qahwa-hail-2026")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("section[data-screen=board]")).to_be_visible()
    expect(page.locator("#new-password-field")).to_be_hidden()
