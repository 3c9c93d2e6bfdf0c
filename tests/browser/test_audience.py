"""Audiences that survive real people (issue 15), in real Chromium against the real server: a
booth page reloaded mid-audience and back a minute later, the office's deliberate end, an early
admission's length, a technical pause that sends the booth to its lobby and gives the time
back, and an office that ends a dropped audience as a technical problem."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from tests.browser.conftest import Server, new_page
from tests.browser.test_journey import (
    HESSA,
    NOURA,
    booth_to_lobby,
    office_admits,
    register_and_book,
    video_plays,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]
SLOT_S = 120  # MAJLIS_SLOT_MINUTES=2 in the browser tests' server
# The same women back with new requests (one active request each).
NOURA_AGAIN = {**NOURA, "#national_id": "1000000024", "#phone": "0551112222"}
HESSA_AGAIN = {**HESSA, "#national_id": "1000000032", "#phone": "0553334444"}


class OfficeWire:
    """Every ``room_state`` the office page received on /office."""

    def __init__(self, page: Page) -> None:
        self.states: list[dict[str, object]] = []
        page.on("websocket", self._socket)

    def _socket(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._received)

    def _received(self, frame: str | bytes) -> None:
        if isinstance(frame, str) and frame.startswith("42/office,"):
            name, *body = json.loads(frame.removeprefix("42/office,"))
            if name in ("room_state", "admitted") and body:
                self.states.append(body[0])

    def last(self, state: str) -> dict[str, object]:
        return next(s for s in reversed(self.states) if s["state"] == state)


def moment(state: dict[str, object], field: str) -> datetime:
    return datetime.fromisoformat(str(state[field]))


def no_error_shown(office: Page) -> None:
    expect(office.locator("#live-error")).to_have_text("")
    expect(office.locator("#page-error")).to_have_text("")
    assert "حدث خطأ غير متوقع" not in office.inner_text("body")


def admitted(
    browser: Browser,
    contexts: list[BrowserContext],
    server: Server,
    applicant: dict[str, str],
    device: str,
    seat_script: str = "",
    lobby_wait_ms: int = 0,
) -> tuple[Page, Page, Page]:
    """The desk that booked her, her booth and the office, her audience just admitted
    (``seat_script``: run in the booth's and the office's pages before their own scripts;
    ``lobby_wait_ms``: how long she waits in her lobby before the office comes)."""
    desk = new_page(browser, contexts, server)
    booth = new_page(browser, contexts, server)
    office = new_page(browser, contexts, server)
    if seat_script:
        booth.add_init_script(seat_script)
        office.add_init_script(seat_script)
    register_and_book(desk, server, applicant, device)
    booth_to_lobby(booth, server, applicant, device)
    if lobby_wait_ms:
        booth.wait_for_timeout(lobby_wait_ms)
    office_admits(office, server, applicant, device)
    return desk, booth, office


def test_a_reloaded_booth_comes_back_40_s_later_into_the_same_audience(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk, booth, office = admitted(browser, contexts, server, NOURA, "riyadh/booth-1")
    video_plays(booth, "#remote")

    # She reloads the kiosk, wanders off and comes back at a human pace, 40 s later (the seat
    # used to be held 30 s; the grace is 180 s).
    booth.goto("about:blank")
    expect(office.locator("#booth-away")).to_be_visible(timeout=10_000)
    expect(office.locator("#booth-away-text")).to_contain_text("انقطع اتصال المراجِعة")
    expect(office.locator("#abort-technical")).to_be_visible()
    office.click("#keep-waiting")
    expect(office.locator("#abort-technical")).to_be_hidden()
    desk.click("[data-tab=board]")
    expect(desk.locator("tr[data-device='riyadh/booth-1'] .away")).to_contain_text("انقطع")
    booth.wait_for_timeout(40_000)
    expect(office.locator("#booth-away")).to_be_visible()  # still waiting, still held
    booth.goto("/booth")

    # Straight back into the audience: no greeting, review, consent or device check.
    expect(booth.locator("section[data-screen=live]")).to_be_visible(timeout=30_000)
    video_plays(booth, "#remote")
    video_plays(office, "#remote")
    expect(office.locator("#booth-away")).to_be_hidden()
    expect(office.locator("section[data-screen=live]")).to_be_visible()

    # The end is deliberate: asked first, "go back" ends nothing, and no error after it.
    office.click("#end")
    expect(office.locator("#confirm")).to_be_visible()
    office.click("#confirm-no")
    expect(office.locator("section[data-screen=live]")).to_be_visible()
    office.click("#end")
    office.click("#confirm-yes")
    expect(office.locator("section[data-screen=outcome]")).to_be_visible()
    expect(booth.locator("section[data-screen=after]")).to_be_visible()
    office.wait_for_timeout(11_000)  # past the answer's 10 s timeout, still no error
    no_error_shown(office)
    office.click("#outcome-back")  # a way back without an outcome
    expect(office.locator("section[data-screen=queue]")).to_be_visible()


def test_an_early_audience_keeps_its_length_and_a_pause_gives_its_time_back(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk = new_page(browser, contexts, server)
    booth = new_page(browser, contexts, server)
    office = new_page(browser, contexts, server)
    wire = OfficeWire(office)
    # A one-slot sitting six minutes ahead: admitted about five minutes early.
    register_and_book(desk, server, HESSA, "riyadh/booth-2", lead_minutes=6, sitting_minutes=2)
    booth_to_lobby(booth, server, HESSA, "riyadh/booth-2")
    office_admits(office, server, HESSA, "riyadh/booth-2")
    video_plays(booth, "#remote")

    live = wire.last("live")
    assert moment(live, "starts_at") > moment(live, "admitted_at")  # early
    length = moment(live, "ends_at") - moment(live, "admitted_at")
    assert length.total_seconds() == SLOT_S  # a slot's length from admission
    expect(office.locator("#remaining")).to_contain_text("1:")

    office.click("#pause")
    expect(booth.locator("section[data-screen=lobby]")).to_be_visible()
    expect(booth.locator("#lobby-paused")).to_be_visible()
    expect(office.locator("section[data-screen=paused]")).to_be_visible()
    paused_at = time.monotonic()
    office.wait_for_timeout(8_000)
    office.click("#resume")
    expect(booth.locator("section[data-screen=live]")).to_be_visible()
    expect(office.locator("section[data-screen=live]")).to_be_visible()
    paused_for = time.monotonic() - paused_at
    resumed = wire.states[-1]
    moved = (moment(resumed, "ends_at") - moment(live, "ends_at")).total_seconds()
    assert abs(moved - paused_for) < 2.0, (moved, paused_for)
    video_plays(booth, "#remote")

    # The booth drops; the office does not wait for the grace: ended as a technical problem,
    # it is back at its queue with the reason, and no outcome is asked.
    booth.context.close()
    expect(office.locator("#abort-technical")).to_be_visible(timeout=10_000)
    office.click("#abort-technical")
    expect(office.locator("section[data-screen=queue]")).to_be_visible()
    expect(office.locator("#queue-notice")).to_contain_text("لخلل تقني")
    expect(office.locator("section[data-screen=outcome]")).to_be_hidden()
    no_error_shown(office)


def test_after_an_outcome_the_office_sees_the_next_ready_audience(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk = new_page(browser, contexts, server)
    first_booth = new_page(browser, contexts, server)
    next_booth = new_page(browser, contexts, server)
    office = new_page(browser, contexts, server)
    # Two booths of their own: the other tests of the module (in any order) leave bookings
    # at booths 1 and 2 that this test's times would run into.
    admin = server.client().sign_in("admin")
    first, second = (admin.add_booth("riyadh", label) for label in ("next-1", "next-2"))
    register_and_book(desk, server, NOURA_AGAIN, first)
    other_desk = new_page(browser, contexts, server)  # another coordinator's session
    register_and_book(other_desk, server, HESSA_AGAIN, second, lead_minutes=8)
    booth_to_lobby(first_booth, server, NOURA_AGAIN, first)
    office_admits(office, server, NOURA_AGAIN, first)
    booth_to_lobby(next_booth, server, HESSA_AGAIN, second)  # in her lobby meanwhile
    office.click("#end")
    office.click("#confirm-yes")
    expect(office.locator("section[data-screen=outcome]")).to_be_visible()
    office.check("input[name=outcome][value=follow_up]")
    office.click("#outcome-form button[type=submit]")

    expect(office.locator("section[data-screen=queue]")).to_be_visible()
    expect(office.locator("#brief-next")).to_be_visible()
    expect(office.locator("#brief-text")).to_have_text(HESSA_AGAIN["#text"])
    office.click("#admit")  # one action
    expect(office.locator("section[data-screen=live]")).to_be_visible(timeout=30_000)
    expect(next_booth.locator("section[data-screen=live]")).to_be_visible()
    no_error_shown(office)
