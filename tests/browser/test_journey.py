"""The whole journey in three browser contexts (desk, booth, office) against the real server,
and the booth's automatic reconnect after a network drop."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from majlis.demo import DEMO_DEPARTMENTS
from tests.browser.conftest import Server, enroll, new_page, sign_in
from tests.browser.help_exchange import ANSWER, SocketTraffic, help_exchange
from tests.browser.screens import check_screen

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]
RIYADH = timedelta(hours=3)
NOURA = {
    "#full_name": "نورة عبدالله القحطاني",
    "#national_id": "1000000008",
    "#phone": "0551234567",
    "#text": "أطلب النظر في طلب السكن المقدم منذ عامين.",
}
HESSA = {
    "#full_name": "حصة محمد الدوسري",
    "#national_id": "1000000016",
    "#phone": "0559876543",
    "#text": "أرجو متابعة طلب الضمان الاجتماعي لأسرتي.",
}


Screen = Callable[[Page, str], None]  # what a test does with each screen it reaches


def video_plays(page: Page, selector: str) -> None:
    """The <video> has a size and its clock advances (functions, not strings: the CSP
    forbids eval, and the test runs under the same CSP as users)."""
    expect(page.locator(selector)).to_be_visible()
    page.wait_for_function(
        "(s) => document.querySelector(s).videoWidth > 0", arg=selector, timeout=20_000
    )
    before = page.evaluate("(s) => document.querySelector(s).currentTime", selector)
    page.wait_for_function(
        "([s, t]) => document.querySelector(s).currentTime > t + 0.5",
        arg=[selector, before],
        timeout=10_000,
    )


def register_and_book(
    desk: Page,
    server: Server,
    applicant: dict[str, str],
    booth: str,
    lead_minutes: int = 1,
    sitting_minutes: int = 6,
    screen: Screen = check_screen,
) -> str:
    """Intake, a sitting starting ``lead_minutes`` ahead, booking its first slot, the
    confirmation call, check-in; each screen on the way looked at by ``screen``. Returns the
    tracking number."""
    desk.goto("/desk")
    screen(desk, "desk-1-sign-in")
    sign_in(desk, "coordinator1", server.passwords["coordinator1"])
    expect(desk.locator("section[data-screen=board]")).to_be_visible()
    screen(desk, "desk-2-day-board")
    desk.click("[data-tab=intake]")
    for selector, value in applicant.items():
        desk.fill(selector, value)
    screen(desk, "desk-3-intake")
    desk.click("#intake-form button[type=submit]")
    expect(desk.locator("#req-status")).to_have_attribute("data-status", "registered")
    tracking = desk.inner_text("#req-tracking")

    desk.click("#req-book")
    # From the next whole minute on: the first slot is at least lead_minutes ahead when booked,
    # however slowly the screens went (a slot that has begun cannot be booked).
    start = (datetime.now(UTC) + RIYADH).replace(second=0, microsecond=0) + timedelta(
        minutes=lead_minutes + 1
    )
    desk.fill("#sitting-start", start.strftime("%H:%M"))
    desk.fill("#sitting-end", (start + timedelta(minutes=sitting_minutes)).strftime("%H:%M"))
    desk.fill("#day", start.strftime("%Y-%m-%d"))
    desk.click("#sitting-form button[type=submit]")
    desk.select_option("#booth-choice", booth)
    expect(desk.locator("article[data-new] [data-action=book]").first).to_be_visible()
    screen(desk, "desk-4-calendar")
    desk.locator("article[data-new] [data-action=book]").first.click()
    expect(desk.locator("#req-status")).to_have_attribute("data-status", "audience_booked")
    desk.click("[data-action=call-confirmed]")
    expect(desk.locator("#req-status")).to_have_attribute("data-status", "confirmed")
    desk.click("[data-action=check-in]")
    expect(desk.locator("[data-action=check-in]")).to_have_count(1)
    screen(desk, "desk-5-request")
    return tracking


def booth_to_lobby(
    booth: Page,
    server: Server,
    applicant: dict[str, str],
    device: str,
    screen: Screen = check_screen,
    after_enroll: Callable[[Page], None] | None = None,
) -> None:
    """``after_enroll``: what is done on the booth's screen once its code is taken (an
    administrator's endorsement, where a key directory is kept)."""
    code = server.client().sign_in("admin").enrollment_code(device)
    booth.goto("/booth")
    screen(booth, "booth-1-enroll")
    enroll(booth, code)
    if after_enroll is not None:
        after_enroll(booth)
    expect(booth.locator("#greeting")).to_contain_text(applicant["#full_name"].split()[0])
    screen(booth, "booth-2-check-in")
    booth.click("#start")
    expect(booth.locator("#request-text")).to_have_text(applicant["#text"])
    screen(booth, "booth-3-review")
    booth.click("#review-ok")
    screen(booth, "booth-4-rules-and-consent")
    booth.check("#consent-box")
    booth.click("#consent-ok")
    expect(booth.locator("#preflight-check")).to_be_enabled(timeout=30_000)
    screen(booth, "booth-5-device-check")
    booth.click("#preflight-check")
    expect(booth.locator("section[data-screen=lobby]")).to_be_visible(timeout=30_000)
    screen(booth, "booth-6-lobby")


def enroll_office(
    office: Page,
    server: Server,
    screen: Screen = check_screen,
    after_enroll: Callable[[Page], None] | None = None,
) -> None:
    code = server.client().sign_in("admin").enrollment_code("office-1")
    office.goto("/office")
    screen(office, "office-1-enroll")
    enroll(office, code)
    if after_enroll is not None:
        after_enroll(office)


def office_admits(
    office: Page,
    server: Server,
    applicant: dict[str, str],
    device: str,
    screen: Screen = check_screen,
    enrolled: bool = False,
) -> None:
    """The office opens her audience: the ready one at her booth (``device``) whose brief is
    hers; another test of the module may have left someone in a lobby. ``enrolled``: the
    page is office-1 enrolled already (``enroll_office``)."""
    if not enrolled:
        enroll_office(office, server, screen)
    expect(office.locator("section[data-screen=signin]")).to_be_visible()
    screen(office, "office-2-sign-in")
    sign_in(office, "office", server.passwords["office"])
    items = office.locator(f".queue-item.state-lobby button[data-booth='{device}']")
    expect(items.first).to_contain_text("الرياض")
    expect(items.first).to_contain_text("جاهزة")
    for index in range(items.count() - 1):  # the last one is hers if none before was
        items.nth(index).click()
        try:
            expect(office.locator("#brief-text")).to_have_text(applicant["#text"], timeout=3_000)
            break
        except AssertionError:
            continue
    else:
        items.last.click()
    expect(office.locator("#brief-text")).to_have_text(applicant["#text"])
    screen(office, "office-3-queue-and-brief")
    office.click("#admit")
    expect(office.locator("section[data-screen=live]")).to_be_visible(timeout=30_000)


def applicant_forgotten(booth: Page, applicant: dict[str, str], tracking: str) -> None:
    """Nothing of her is left in the booth's page: not in the DOM (hidden screens included),
    not in a field."""
    page = booth.content()
    for trace in (tracking, applicant["#text"], applicant["#full_name"].split()[0]):
        assert trace not in page, trace
    expect(booth.locator("#amend-text")).to_have_value("")


def test_the_whole_journey(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk = new_page(browser, contexts, server)
    booth = new_page(browser, contexts, server)
    booth.clock.install()  # time runs as usual; the test skips the after screen's wait
    office = new_page(browser, contexts, server)
    office_traffic = SocketTraffic(office)
    jeddah_desk = new_page(browser, contexts, server)  # another centre's coordinator
    jeddah_traffic = SocketTraffic(jeddah_desk)
    jeddah_desk.goto("/desk")
    sign_in(jeddah_desk, "coordinator2", server.passwords["coordinator2"])
    expect(jeddah_desk.locator("section[data-screen=board]")).to_be_visible()

    tracking = register_and_book(desk, server, NOURA, "riyadh/booth-1")
    booth_to_lobby(booth, server, NOURA, "riyadh/booth-1")
    office_admits(office, server, NOURA, "riyadh/booth-1")

    expect(booth.locator("section[data-screen=live]")).to_be_visible()
    video_plays(booth, "#remote")
    video_plays(office, "#remote")

    # The two-minute warning comes at the slot's start (2-minute slots in this server).
    expect(booth.locator("#warning")).to_be_visible(timeout=150_000)
    expect(office.locator("#warning")).to_be_visible()
    help_exchange(booth, desk)  # the booth says what is wrong; Riyadh's desk answers it
    check_screen(booth, "booth-7-audience")
    jeddah_desk.wait_for_timeout(1000)  # anything pushed with the answer has arrived by now
    assert any('"rooms"' in frame for frame in jeddah_traffic.frames)  # it was listening
    assert any('"room_state"' in frame for frame in office_traffic.frames)
    assert jeddah_traffic.of_help() == []
    assert office_traffic.of_help() == []
    check_screen(office, "office-4-audience")

    office.click("#end")
    office.click("#confirm-yes")  # ending asks first
    expect(office.locator("section[data-screen=outcome]")).to_be_visible()
    expect(booth.locator("section[data-screen=after]")).to_be_visible()
    check_screen(booth, "booth-8-rating")
    booth.click("[data-stars='5']")
    expect(booth.locator("#thanks")).to_be_visible()
    expect(booth.locator("#tracking-number")).to_have_text(tracking)
    check_screen(booth, "booth-9-thank-you")
    check_screen(office, "office-5-outcome")
    # The departments she may refer to are the database's, labelled in Arabic (majlis.demo).
    departments = office.locator("#department option")
    expect(departments).to_have_text([label_ar for _, label_ar, _ in DEMO_DEPARTMENTS])
    booth.clock.fast_forward("01:31")  # the after screen's 90 s: the next woman may sit down
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()
    applicant_forgotten(booth, NOURA, tracking)
    assert ANSWER not in booth.content()  # her help exchange is gone too (resetHelp)
    expect(booth.locator("#help-sent")).to_be_hidden()

    office.check("input[name=outcome][value=follow_up]")
    office.fill("#outcome-note", "متابعة مع وزارة الإسكان")
    office.click("#outcome-form button[type=submit]")
    expect(office.locator("section[data-screen=queue]")).to_be_visible()

    desk.click("[data-tab=search]")
    desk.fill("#search-q", tracking)
    desk.click("#search-form button[type=submit]")
    check_screen(desk, "desk-6-search")
    desk.locator("#search-results button").first.click()
    expect(desk.locator("#req-status")).to_have_attribute("data-status", "heard")
    sms = desk.locator("#req-sms tr")
    expect(sms).to_have_count(4)  # registered, booked, confirmed, heard
    expect(desk.locator("#req-history")).to_contain_text("متابعة مع وزارة الإسكان")
    desk.click("[data-tab=statistics]")
    expect(desk.locator("#report-period")).not_to_be_empty()  # the ministry's figures (report.js)
    check_screen(desk, "desk-7-statistics")
    desk.click("[data-tab=board]")
    help_alert = desk.locator("#alerts li[data-kind=help]")
    expect(help_alert).to_have_count(1)
    check_screen(desk, "desk-8-board-with-alert")
    help_alert.locator("button[data-i18n='desk.alerts.handle']").click()
    expect(help_alert).to_have_count(0)


class SeatWire:
    """What the booth page sent and received on /booth: its connects' ``auth`` and the seat's
    resume tokens, as anyone who opens the kiosk's developer tools could copy them."""

    def __init__(self, page: Page) -> None:
        self.connects: list[dict[str, str]] = []
        self.resume_tokens: list[str] = []
        page.on("websocket", self._socket)

    def _socket(self, socket: WebSocket) -> None:
        socket.on("framesent", self._sent)
        socket.on("framereceived", self._received)

    def _sent(self, frame: str | bytes) -> None:
        if isinstance(frame, str) and frame.startswith("40/booth,"):
            self.connects.append(json.loads(frame.removeprefix("40/booth,")))

    def _received(self, frame: str | bytes) -> None:
        if isinstance(frame, str) and frame.startswith("42/booth,") and '"session"' in frame:
            self.resume_tokens.append(
                json.loads(frame.removeprefix("42/booth,"))[1]["resume_token"]
            )


async def _seat_refusal(server: Server, auth: dict[str, str]) -> str:
    """A python-socketio client elsewhere tries the booth's seat with ``auth``; its refusal."""
    tls = ssl.create_default_context(cafile=str(server.ca_file))
    refusals: list[Any] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls)) as http:
        client = socketio.AsyncClient(http_session=http, reconnection=False)
        client.on("connect_error", refusals.append, namespace="/booth")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(
                server.base_url,
                namespaces=["/booth"],
                transports=["websocket"],
                auth=auth,
                wait_timeout=10,
            )
        await client.disconnect()
        await client.eio.disconnect(abort=True)  # the refused client's websocket too
    await asyncio.sleep(0.25)  # let the TLS transports finish closing before the loop ends
    return str(refusals[0]["data"]["code"])


def copied_seat_refused(booth: Page, server: Server, wire: SeatWire) -> None:
    """The booth's credential, its join and resume tokens and its last proof, copied out of
    the page, seat nobody from another client."""
    credential = booth.evaluate(
        "() => JSON.parse(localStorage.getItem('majlis.device')).credential"
    )
    first, last = wire.connects[0], wire.connects[-1]
    assert first["credential"] == credential
    assert first["proof"]
    attempts = [
        ({"token": first["token"]}, "proof_required"),  # the join token alone
        ({"token": wire.resume_tokens[-1]}, "proof_required"),  # the resume token alone
        ({"token": wire.resume_tokens[-1], "credential": credential}, "proof_required"),
        ({**last, "token": wire.resume_tokens[-1]}, "proof_invalid"),  # its proof, replayed
    ]
    with ThreadPoolExecutor(1) as other_thread:  # Playwright's own loop runs in this one
        for auth, code in attempts:
            assert other_thread.submit(asyncio.run, _seat_refusal(server, auth)).result(30) == code


def e2ee_state(page: Page) -> dict[str, str]:
    """The page's end-to-end state (shared/e2ee_view.js): its code and key id, the key the
    other end's picture opens under (``pictureKeyId``, this worker's ``pictureSerial``) and
    since when, when media last connected (both times: ms since the epoch, one machine)."""
    state: dict[str, str] = page.eval_on_selector("#e2ee-code", "(e) => ({...e.dataset})")
    return state


def picture_rotated(page: Page, before: dict[str, str]) -> dict[str, str]:
    """Waits until the page's picture opens under a key agreed after ``before``."""
    page.wait_for_function(
        """(old) => {
          const d = document.querySelector("#e2ee-code").dataset;
          return d.code !== old.code && Number(d.pictureSerial) > Number(old.pictureSerial)
            && d.pictureKeyId === d.keyId;
        }""",
        arg=before,
        timeout=10_000,
    )
    return e2ee_state(page)


def test_the_booth_comes_back_into_the_same_audience_after_a_network_drop(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """Its reconnect proves the device's key afresh and agrees a new frame key: both pictures
    resume under it within 2 s of the booth's media (issue 17); its seat copied out of the
    page (the credential, join and resume tokens, a proof) seats nobody elsewhere."""
    hop = server.hop
    try:
        desk = new_page(browser, contexts, server)
        booth = new_page(browser, contexts, server, base_url=f"https://127.0.0.1:{hop.port}")
        wire = SeatWire(booth)
        office = new_page(browser, contexts, server)
        register_and_book(desk, server, HESSA, "riyadh/booth-2")
        booth_to_lobby(booth, server, HESSA, "riyadh/booth-2")
        office_admits(office, server, HESSA, "riyadh/booth-2")
        video_plays(booth, "#remote")
        video_plays(office, "#remote")
        sides = {"booth": booth, "office": office}
        before = {side: e2ee_state(page) for side, page in sides.items()}

        hop.cut()  # the booth's network is gone: signalling, page requests, everything TCP
        booth.context.set_offline(True)
        expect(booth.locator("#reconnecting")).to_be_visible(timeout=10_000)
        expect(booth.locator("#page-error")).to_have_text("")  # "reconnecting", not an error
        booth.wait_for_timeout(3_000)
        booth.context.set_offline(False)
        hop.restore()

        expect(booth.locator("#reconnecting")).to_be_hidden(timeout=20_000)
        expect(booth.locator("section[data-screen=live]")).to_be_visible()
        video_plays(booth, "#remote")
        video_plays(office, "#remote")
        # Each picture resumed under the key the reconnect agreed, soon after media resumed
        # (the booth's new peer connection).
        after = {side: picture_rotated(page, before[side]) for side, page in sides.items()}
        resumed = int(e2ee_state(booth)["mediaSince"])
        assert resumed > int(before["booth"]["mediaSince"])
        for side, state in after.items():
            assert state["code"] == after["booth"]["code"]  # one key, one code on both screens
            delay_ms = int(state["pictureSince"]) - resumed
            print(
                f"{side}: picture under key {state['pictureKeyId']} (was "
                f"{before[side]['pictureKeyId']}) {delay_ms} ms after media resumed"
            )
            assert delay_ms <= 2_000, (side, delay_ms)
        expect(office.locator("section[data-screen=live]")).to_be_visible()  # the same audience
        assert len(wire.connects) >= 2  # the reconnect, with a proof of its own
        assert len({c["proof"] for c in wire.connects}) == len(wire.connects)
        copied_seat_refused(booth, server, wire)
        expect(booth.locator("section[data-screen=live]")).to_be_visible()  # still hers
        office.click("#end")
        office.click("#confirm-yes")
        expect(booth.locator("section[data-screen=after]")).to_be_visible()
    finally:
        hop.restore()


async def _replayed(server: Server, credential: str) -> tuple[int, Any]:
    """The credential string alone, from another client (Python, not the kiosk's browser)."""
    tls = ssl.create_default_context(cafile=str(server.ca_file))
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls)) as http,
        http.get(
            f"{server.base_url}/api/device", headers={"Authorization": f"Bearer {credential}"}
        ) as response,
    ):
        return response.status, await response.json()


def test_a_credential_copied_out_of_the_kiosk_is_refused_elsewhere(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    booth = new_page(browser, contexts, server)
    code = server.client().sign_in("admin").enrollment_code("jeddah/booth-1")
    booth.goto("/booth")
    enroll(booth, code)
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()

    stored = booth.evaluate("() => JSON.parse(localStorage.getItem('majlis.device'))")
    with ThreadPoolExecutor(1) as other_thread:  # Playwright's own loop runs in this one
        replay = other_thread.submit(asyncio.run, _replayed(server, stored["credential"]))
        status, answer = replay.result(timeout=30)
    assert (status, answer["code"]) == (401, "proof_required")

    # The page's own calls go on with its key, which the page itself cannot read out.
    own = booth.evaluate(
        """async () => {
            const { api } = await import("/static/shared/api.js");
            return api("GET", "/api/device", undefined, { asDevice: true });
        }"""
    )
    assert own["device"] == "jeddah/booth-1"
    exported = booth.evaluate(
        """() => new Promise((resolve) => {
            const opening = indexedDB.open("majlis.device");
            opening.onsuccess = () => {
                const get = opening.result.transaction("keys").objectStore("keys").get("device");
                get.onsuccess = () => crypto.subtle.exportKey("jwk", get.result.privateKey)
                    .then(() => resolve("exported"), (error) => resolve(error.name));
            };
        })"""
    )
    assert exported == "InvalidAccessError"
    booth.wait_for_timeout(6_000)  # polls and a heartbeat later, still enrolled
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()


def test_a_revoked_kiosk_falls_back_to_enrollment_and_its_key_opens_nothing(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    admin = server.client().sign_in("admin")
    booth = new_page(browser, contexts, server)
    booth.goto("/booth")
    enroll(booth, admin.enrollment_code("jeddah/booth-2"))
    expect(booth.locator("section[data-screen=idle]")).to_be_visible()

    status, listing = admin.call("GET", "/api/devices")
    assert status == 200, listing
    device_id = next(d["id"] for d in listing["devices"] if d["name"] == "jeddah/booth-2")
    status, revoked = admin.call("POST", f"/api/devices/{device_id}/revoke")
    assert status == 200, revoked

    # Its next poll is refused: the kiosk shows the enrollment screen, not an applicant, and
    # forgets the revoked credential and key.
    expect(booth.locator("section[data-screen=enroll]")).to_be_visible(timeout=15_000)
    assert booth.evaluate("() => localStorage.getItem('majlis.device')") is None
    status, listing = admin.call("GET", "/api/devices")
    assert next(d for d in listing["devices"] if d["name"] == "jeddah/booth-2")["revoked"]
