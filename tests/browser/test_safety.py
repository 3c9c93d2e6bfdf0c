"""Her safety and her choice (issue 16), in real Chromium against the real server: the
discreet safeguarding alert reaches the Riyadh coordinators only (the office, a Jeddah
coordinator and the booth's own page hear nothing of it); voice only stops every booth video
packet at the server while her voice flows; a camera without a face never shuts her out."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from tests.browser.conftest import CHROMIUM, Server, new_page, sign_in, spki_hash
from tests.browser.screens import check_screen
from tests.browser.test_desk import ARABIC
from tests.browser.test_desk_casework import open_request
from tests.browser.test_journey import (
    HESSA,
    NOURA,
    booth_to_lobby,
    office_admits,
    register_and_book,
    video_plays,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]
NOURA_SAFE = {**NOURA, "#national_id": "1000000040", "#phone": "0551110000"}
HESSA_SAFE = {**HESSA, "#national_id": "1000000057", "#phone": "0552220000"}


class Wire:
    """Every Socket.IO event a page received, by name."""

    def __init__(self, page: Page) -> None:
        self.events: list[tuple[str, Any]] = []
        page.on("websocket", lambda socket: socket.on("framereceived", self._received))

    def _received(self, frame: str | bytes) -> None:
        if isinstance(frame, str) and frame.startswith("42/"):
            body = json.loads(frame[frame.index(",") + 1 :])
            self.events.append((body[0], body[1] if len(body) > 1 else None))

    def names(self) -> set[str]:
        return {name for name, _ in self.events}

    def mentions(self, word: str) -> bool:
        return any(word in json.dumps(body) for _, body in self.events)

    def room(self) -> str:
        state = next(b for n, b in self.events if n == "room_state")
        return str(state["room"]["room"] if isinstance(state["room"], dict) else state["room"])


COUNTERS = """async (room) => {
  const { io } = await import("/vendor/socket.io.esm.min.js");
  window.counters = window.counters || io("/desk", { transports: ["websocket"] });
  const answer = await window.counters.timeout(5000).emitWithAck("quality", { room });
  return answer.routes;
}"""


def forwarded(desk: Page, room: str, source: str, kind: str) -> int:
    routes = desk.evaluate(COUNTERS, room)
    return sum(r["forwarded"] for r in routes if r["source"] == source and r["kind"] == kind)


def coordinator_desk(page: Page, server: Server, username: str) -> None:
    page.goto("/desk")
    sign_in(page, username, server.passwords[username])
    expect(page.locator("section[data-screen=board]")).to_be_visible()


def test_the_safeguarding_alert_reaches_her_centres_coordinators_only_and_voice_only_sends_no_video(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk = new_page(browser, contexts, server)
    booth = new_page(browser, contexts, server)
    office = new_page(browser, contexts, server)
    jeddah = new_page(browser, contexts, server)
    wires = {"booth": Wire(booth), "office": Wire(office), "jeddah": Wire(jeddah)}
    tracking = register_and_book(desk, server, NOURA_SAFE, "riyadh/booth-1")
    coordinator_desk(jeddah, server, "coordinator2")
    booth_to_lobby(booth, server, NOURA_SAFE, "riyadh/booth-1")
    office_admits(office, server, NOURA_SAFE, "riyadh/booth-1")
    video_plays(booth, "#remote")
    desk.click("[data-tab=board]")

    # One press on the neutral control: the Riyadh coordinator's board has it within 1 s.
    expect(booth.locator("#comfort")).to_have_text("إعدادات العرض")
    booth.focus("#comfort")
    booth.keyboard.press("Enter")  # by keyboard as by touch
    pressed = time.monotonic()
    alert = desk.locator("#safeguarding-alerts li[data-stage=raised]")
    expect(alert).to_be_visible(timeout=1_000)
    assert time.monotonic() - pressed < 1.5  # 1 s, and the test's own round trip
    expect(booth.locator("#comfort-saved")).to_contain_text("حُفظت الإعدادات")  # nothing alarming
    check_screen(booth, "booth-7b-comfort-saved")
    check_screen(desk, "desk-8b-safeguarding-raised")
    booth.wait_for_timeout(2_000)  # anything sent elsewhere would have arrived by now
    for name, wire in wires.items():
        assert "safeguarding" not in wire.names(), name
        assert not wire.mentions("safeguarding"), name
    expect(jeddah.locator("#safeguarding-alerts li")).to_have_count(0)

    # She is acknowledged, her audience paused (the office sees a technical pause), handled.
    alert.locator("[data-action=acknowledge]").click()
    expect(desk.locator("#safeguarding-alerts li[data-stage=acknowledged]")).to_be_visible()
    check_screen(desk, "desk-8c-safeguarding-acknowledged")
    # She starts her note of how it was handled: the list is drawn afresh at each change (the
    # pause, the resume, a colleague's press), and her words outlive each (CI once lost them).
    note = desk.locator("#safeguarding-alerts textarea")
    note.fill("تحدثت معها على انفراد بعد المقابلة")
    desk.locator("#safeguarding-alerts [data-action=pause]").click()
    expect(office.locator("section[data-screen=paused]")).to_be_visible()
    expect(booth.locator("#lobby-paused")).to_be_visible()
    # The coordinators' pause is theirs to lift (the adversary's finding: the office resumed
    # it, the alert still "paused"); the office's resume is refused in neutral words, and
    # nothing it receives says who paused (nor would the booth's or a supervisor's).
    office.click("#resume")
    expect(office.locator("#paused-error")).to_have_text(ARABIC["errors.room.paused_by_desk"])
    expect(office.locator("section[data-screen=paused]")).to_be_visible()
    check_screen(office, "office-4b-paused-resume-refused")
    check_screen(desk, "desk-8d-safeguarding-paused")
    for name in ("booth", "office"):
        assert not wires[name].mentions('"paused_by"'), name
    expect(office.locator("section[data-screen=paused]")).to_be_visible()
    desk.locator("#safeguarding-alerts [data-action=resume]").click()
    expect(office.locator("section[data-screen=live]")).to_be_visible()
    expect(booth.locator("section[data-screen=live]")).to_be_visible()
    expect(desk.locator("#safeguarding-alerts [data-action=pause]")).to_be_visible()  # not paused
    desk.wait_for_timeout(500)  # the resume's own notice redraws the list once more
    expect(note).to_have_value("تحدثت معها على انفراد بعد المقابلة")
    desk.locator("#safeguarding-alerts [data-action=handled]").click()
    expect(desk.locator("#safeguarding-alerts li")).to_have_count(0)
    with sqlite3.connect(server.data_dir / "majlis.db") as database:
        audited = database.execute(
            "SELECT actor, action, detail FROM audit_log WHERE action LIKE 'safeguarding.%'"
            " ORDER BY seq"
        ).fetchall()
        stored = database.execute(
            "SELECT handling_note FROM safeguarding_alerts ORDER BY id"
        ).fetchall()
    assert [action for _, action, _ in audited] == [
        "safeguarding.raised",
        "safeguarding.acknowledged",
        "safeguarding.paused",
        "safeguarding.resumed",
        "safeguarding.handled",
    ]
    assert ("coordinator1", "safeguarding.handled", "") in audited
    assert "على انفراد" not in repr(audited)  # how it was handled is never in the audit
    assert stored[-1][0].startswith("pii2.")  # and sealed at rest

    # Voice only: not one booth video packet is forwarded over 5 s while her voice flows.
    room = wires["office"].room()
    booth.click("#audio-only")
    expect(office.locator("#voice-only")).to_be_visible()
    expect(office.locator("#voice-only")).to_contain_text("بالصوت فقط، باختيار المراجِعة")
    expect(office.locator("#voice-only-initial")).to_have_text(NOURA_SAFE["#full_name"][0])
    check_screen(office, "office-4a-voice-only")
    booth.wait_for_timeout(1_000)
    video_before = forwarded(desk, room, "booth", "video")
    audio_before = forwarded(desk, room, "booth", "audio")
    booth.wait_for_timeout(5_500)
    assert forwarded(desk, room, "booth", "video") == video_before
    assert forwarded(desk, room, "booth", "audio") > audio_before + 100
    assert forwarded(desk, room, "office", "video") > 0  # she still sees the office

    booth.click("#audio-only")  # and back: video again within 2 s
    back = time.monotonic()
    expect(office.locator("#voice-only")).to_be_hidden(timeout=2_000)
    while forwarded(desk, room, "booth", "video") == video_before:
        assert time.monotonic() - back < 2.0, "no booth video 2 s after switching back"
        desk.wait_for_timeout(100)
    video_plays(office, "#remote")
    office.click("#end")
    office.click("#confirm-yes")

    # Her audience's connection quality was kept with her appointment: her request says so.
    expect(office.locator("section[data-screen=live]")).to_be_hidden()
    open_request(desk, "".join(c for c in tracking if c.isdigit()))
    line = desk.locator("#req-appointments .kept-quality")
    expect(line).to_contain_text(ARABIC["desk.board.quality"])
    expect(line).to_contain_text(ARABIC["desk.request.quality_voice_only"])


def faceless_video_file(path: Path) -> Path:
    """A Y4M clip with nothing like a face: a grey wall and a bar sweeping across it (Chromium's
    own moving pattern now and then fooled the Haar cascade into seeing one, and the check
    passed)."""
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        for i in range(60):
            frame = np.full((480, 640, 3), 128, dtype=np.uint8)
            x = (i * 10) % 600
            frame[:, x : x + 40] = (90, 140, 200)
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


@pytest.fixture(scope="module")
def plain_camera(
    playwright: Playwright,
    server: Server,
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Browser]:
    """A fake camera with no face anywhere in it."""
    video = faceless_video_file(tmp_path_factory.mktemp("plain") / "faceless.y4m")
    certs = server.data_dir / "certs"
    trusted = ",".join(spki_hash(certs / name) for name in ("ca.pem", "server.pem"))
    plain = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--use-fake-device-for-media-stream=fps=30",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
            "--allow-loopback-in-peer-connection",
            "--disable-features=WebRtcHideLocalIpsWithMdns",
            "--autoplay-policy=no-user-gesture-required",
            f"--ignore-certificate-errors-spki-list={trusted}",
            "--disable-gpu",
        ],
    )
    yield plain
    plain.close()


def test_a_camera_without_a_face_lets_her_go_on_and_the_desk_gets_a_note(
    browser: Browser, plain_camera: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    desk = new_page(browser, contexts, server)
    booth = new_page(plain_camera, contexts, server)
    desk_wire = Wire(desk)
    register_and_book(desk, server, HESSA_SAFE, "riyadh/booth-2")
    desk.click("[data-tab=board]")
    code = server.client().sign_in("admin").enrollment_code("riyadh/booth-2")
    booth.goto("/booth")
    booth.fill("#enroll-code", code)
    booth.click("#enroll-form button[type=submit]")
    booth.click("#start")
    booth.click("#review-ok")
    booth.check("#consent-box")
    booth.click("#consent-ok")
    expect(booth.locator("#preflight-check")).to_be_enabled(timeout=30_000)
    booth.click("[data-send-video=voice]")  # the choice before she goes in, and back
    expect(booth.locator("#voice-only-note")).to_be_visible()
    check_screen(booth, "booth-5a-device-check-voice-only")
    booth.click("[data-send-video=video]")
    expect(booth.locator("#voice-only-note")).to_be_hidden()
    booth.click("#preflight-check")
    pressed = time.monotonic()
    expect(booth.locator("#preflight-advice")).to_be_visible(timeout=10_000)
    waited = time.monotonic() - pressed
    check_screen(booth, "booth-5b-device-check-no-face")  # not her time: the test's look
    chosen = time.monotonic()
    booth.click("#advice-voice")
    expect(booth.locator("section[data-screen=lobby]")).to_be_visible()
    assert waited + time.monotonic() - chosen < 10.0
    expect(desk.locator("#desk-notes-list li[data-note=preflight_failed]")).to_be_visible()
    assert "note" in desk_wire.names()
    assert not [b for n, b in desk_wire.events if n == "alert" and "preflight" in str(b)]
    # A note, not an alert (another test of the module may have left alerts of its own).
    expect(desk.locator("#alerts li[data-kind=preflight_failed]")).to_have_count(0)
