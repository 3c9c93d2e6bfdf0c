"""Arabic that reads right (issue 15), in real Chromium: the web apps' catalog messages that
take a number read in the form CLDR's plural rules (Intl.PluralRules) choose for 0, 1, 2, 3, 11
and 100, in Western digits; and the apps' main screens in Arabic show no Latin letter outside
an allow-list (the "English" switch), from the booth's greeting to the audience, the office's
brief and audience, the desk's request page, calendar, reception and report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, enroll, new_page, sign_in
from tests.browser.test_journey import booth_to_lobby, office_admits, register_and_book

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(300)]
ARABIC = json.loads(
    (Path(__file__).parents[2] / "web_client" / "i18n" / "ar.json").read_text(encoding="utf-8")
)
ARABIC_FORMS = {0: "zero", 1: "one", 2: "two", 3: "few", 11: "many", 100: "other"}
ALLOWED = "[data-language-switch]"
# The report's export names its file format as every spreadsheet program does: "(CSV)".
ALLOWED_WORDS = {"(CSV)"}


def rendered(page: Page, keys: list[str], counts: list[int]) -> list[list[str]]:
    """t(key, {count}) for every key and count, by the page's own i18n module."""
    return page.evaluate(
        """async ([keys, counts]) => {
            const i18n = await import("/static/shared/i18n.js");
            await i18n.ready;
            return keys.map((key) => counts.map((count) => i18n.t(key, { count })));
        }""",
        [keys, counts],
    )


def visible_text(page: Page) -> str:
    """The page's visible text, the allow-list's elements left out."""
    return page.evaluate(
        """(allowed) => {
            const skipped = [...document.querySelectorAll(allowed)];
            const was = skipped.map((node) => node.hidden);
            for (const node of skipped) node.hidden = true;
            const text = document.body.innerText;
            skipped.forEach((node, i) => { node.hidden = was[i]; });
            return text;
        }""",
        ALLOWED,
    )


def latin_in(page: Page) -> list[str]:
    """The visible words of the page holding a Latin letter, outside the allow-list."""
    words = visible_text(page).split()
    return [w for w in words if re.search("[A-Za-z]", w) and w not in ALLOWED_WORDS]


def eastern_digits_in(page: Page) -> list[str]:
    """The visible words written in Arabic-Indic digits: the apps write Western digits in
    Arabic too (shared/i18n.js NUMBERING_SYSTEM), one numeral system per screen."""
    return [w for w in visible_text(page).split() if re.search("[\u0660-\u0669\u06f0-\u06f9]", w)]


def test_every_plural_message_reads_right_in_the_browser(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    page = new_page(browser, contexts, server)
    page.goto("/booth")
    keys = [key for key, entry in ARABIC.items() if isinstance(entry, dict)]
    assert "booth.live.warning" in keys
    counts = list(ARABIC_FORMS)
    for key, texts in zip(keys, rendered(page, keys, counts), strict=True):
        for count, text in zip(counts, texts, strict=True):
            assert text == ARABIC[key][ARABIC_FORMS[count]].replace("{count}", str(count))
    warning = dict(zip(counts, rendered(page, ["booth.live.warning"], counts)[0], strict=True))
    assert warning[1] == "بقيت دقيقة واحدة"
    assert warning[2] == "بقيت دقيقتان"
    assert warning[11] == "بقيت 11 دقيقة"


def test_the_arabic_screens_hold_no_latin_letter(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    booth = new_page(browser, contexts, server)
    booth.goto("/booth")
    expect(booth.locator("section[data-screen=enroll]")).to_be_visible()
    assert latin_in(booth) == []
    enroll(booth, server.client().sign_in("admin").enrollment_code("riyadh/booth-1"))
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()
    assert latin_in(booth) == []

    office = new_page(browser, contexts, server)
    office.goto("/office")
    enroll(office, server.client().sign_in("admin").enrollment_code("office-1"))
    expect(office.locator("section[data-screen=signin]")).to_be_visible()
    assert latin_in(office) == []
    sign_in(office, "office", server.passwords["office"])
    expect(office.locator("section[data-screen=queue]")).to_be_visible()
    assert latin_in(office) == []

    desk = new_page(browser, contexts, server)
    desk.goto("/desk")
    sign_in(desk, "coordinator1", server.passwords["coordinator1"])
    expect(desk.locator("section[data-screen=board]")).to_be_visible()
    desk.wait_for_timeout(2_000)  # the board's rows from the server
    assert latin_in(desk) == []
    desk.click("[data-tab=intake]")
    assert latin_in(desk) == []


MARYAM = {
    "#full_name": "مريم سعد العتيبي",
    "#national_id": "1000000065",
    "#phone": "0553334444",
    "#text": "أطلب متابعة طلب الإعانة المقدم إلى الوزارة.",
}


def test_the_working_day_screens_hold_no_latin_letter(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """Every screen a request, its booking and its audience pass through, on all three apps:
    no Latin letter, and no Arabic-Indic digit beside the Western ones."""
    found: dict[str, list[str]] = {}

    def look(page: Page, name: str) -> None:
        page.wait_for_timeout(300)  # the screen's text from the server and the catalog
        found[name] = latin_in(page) + eastern_digits_in(page)

    desk = new_page(browser, contexts, server)
    booth = new_page(browser, contexts, server)
    office = new_page(browser, contexts, server)
    register_and_book(desk, server, MARYAM, "riyadh/booth-2", screen=look)
    desk.click("[data-tab=calendar]")
    expect(desk.locator("#sittings")).not_to_be_empty()
    look(desk, "desk-calendar-day")
    desk.click("[data-tab=reception]")
    look(desk, "desk-reception")
    desk.click("[data-tab=statistics]")
    expect(desk.locator("#report-period")).not_to_be_empty()
    look(desk, "desk-report")
    booth_to_lobby(booth, server, MARYAM, "riyadh/booth-2", screen=look)
    office_admits(office, server, MARYAM, "riyadh/booth-2", screen=look)
    expect(booth.locator("section[data-screen=live]")).to_be_visible(timeout=30_000)
    look(booth, "booth-audience")
    look(office, "office-audience")
    office.click("#end")
    look(office, "office-end-confirmation")
    office.click("#confirm-yes")
    expect(office.locator("section[data-screen=outcome]")).to_be_visible()
    expect(booth.locator("section[data-screen=after]")).to_be_visible()
    look(office, "office-outcome")
    look(booth, "booth-rating")
    desk.click("[data-tab=board]")
    look(desk, "desk-board-in-audience")
    latin = {name: words for name, words in found.items() if words}
    assert not latin, json.dumps(latin, ensure_ascii=False)
    assert len(found) == 23  # every screen was looked at
