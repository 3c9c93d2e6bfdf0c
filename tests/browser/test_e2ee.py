"""End-to-end encryption of an audience (issue 17), in real Chromium at both ends against the
real server: frames sealed in the browsers' Encoded Transform workers, the key agreed between
the booth and the office through the server, which relays the signed shares and cannot read a
frame. The module's server captures the booth video it forwards (MAJLIS_DEV_CAPTURE_VIDEO):
sealed, it decodes to nothing like the camera's picture; in clear (a browser without the
Encoded Transform API, let in by the transition setting MAJLIS_E2EE_REQUIRED=0), it does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import cv2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import Server, served
from tests.browser.test_audience import admitted, no_error_shown
from tests.browser.test_journey import HESSA, NOURA, video_plays
from tests.conftest import face_picture
from tests.vp8_capture import NOT_THE_FACE, THE_FACE, Decoded, decode_capture, likeness

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]
# A browser without the WebRTC Encoded Transform API (the seat then joins in clear).
NO_ENCODED_TRANSFORM = "delete window.RTCRtpScriptTransform;"
CAPTURED_FRAMES = 60  # two seconds of the booth's video as the server forwarded it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo server with the development capture of forwarded video, and the transition
    setting that lets a browser without encryption in (one that can encrypt always does)."""
    settings = {
        "MAJLIS_DEV": "1",
        "MAJLIS_DEV_CAPTURE_VIDEO": "1",
        "MAJLIS_E2EE_REQUIRED": "0",
    }
    with served(tmp_path_factory.mktemp("browser"), ["init", "--demo"], **settings) as demo:
        yield demo


def captured(server: Server, booth: Page) -> Decoded:
    """What a VP8 decoder makes of the booth video the server forwarded in the booth's room,
    once the capture holds CAPTURED_FRAMES frames (or after 10 s)."""
    seat = json.loads(booth.evaluate("sessionStorage.getItem('majlis.booth.seat')"))
    path = server.data_dir / "capture" / f"{seat['room']}.ivf"
    deadline = time.monotonic() + 10
    while True:
        decoded = decode_capture(path) if path.exists() else Decoded(0, 0, [])
        if decoded.frames >= CAPTURED_FRAMES or time.monotonic() > deadline:
            return decoded
        time.sleep(0.25)


def likeness_to_camera(decoded: Decoded) -> list[float]:
    """How much each decoded picture looks like the face the fake camera shows."""
    face = cv2.resize(face_picture(), (640, 480))  # as tests/browser/conftest.py films it
    return sorted(round(likeness(picture, face), 2) for picture in decoded.pictures)


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
    # She waits in her lobby longer than an agreement may take (20 s) before the office
    # comes: with nothing arriving, that is no failure (it was one, in every real audience).
    _, booth, office = admitted(
        browser, contexts, server, NOURA, "riyadh/booth-1", lobby_wait_ms=21_000
    )
    # The receivers pass on only frames that open under the agreed key (AES-GCM checks each
    # one): a picture on either side is frames the server forwarded sealed.
    video_plays(booth, "#remote")
    video_plays(office, "#remote")

    expect(booth.locator("#e2ee-code")).to_contain_text("رمز التحقق")
    booth_code = booth.get_attribute("#e2ee-code", "data-code")
    assert booth_code is not None
    assert len(booth_code) == 6
    expect(office.locator("#e2ee-code")).to_have_attribute("data-code", booth_code)
    # Its first audience with this booth: the office is told to read the code aloud.
    expect(office.locator("#e2ee-code")).to_have_attribute("data-first-contact", "true")
    expect(office.locator("#e2ee-code")).to_contain_text("أول لقاء بهذا الكشك")
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

    # What the server forwarded is not her picture: a VP8 decoder refuses the sealed frames or
    # makes noise of them (only the payload header is clear).
    decoded = captured(server, booth)
    looks = likeness_to_camera(decoded)
    print(f"sealed: {decoded.frames} frames, {decoded.refused} refused, likeness {looks[-3:]}")
    assert decoded.frames >= CAPTURED_FRAMES
    assert not [look for look in looks if look > NOT_THE_FACE], looks
    no_error_shown(office)
    office_ends(office)


def test_the_same_capture_of_an_audience_in_clear_decodes_to_her_picture(
    browser: Browser, contexts: list[BrowserContext], server: Server
) -> None:
    """The control of the test above: browsers without the Encoded Transform API, let in
    in clear by the transition setting; the server forwards the camera's picture."""
    _, booth, office = admitted(
        browser, contexts, server, HESSA, "riyadh/booth-2", seat_script=NO_ENCODED_TRANSFORM
    )
    video_plays(office, "#remote")
    expect(office.locator("#e2ee-code")).to_have_text("")  # no key, no code: in clear

    decoded = captured(server, booth)
    looks = likeness_to_camera(decoded)
    print(f"clear: {decoded.frames} frames, {decoded.refused} refused, likeness ≥ {looks[0]}")
    assert decoded.frames >= CAPTURED_FRAMES
    assert decoded.refused == 0
    assert len(decoded.pictures) == decoded.frames
    assert min(looks) > THE_FACE, looks
    office_ends(office)
