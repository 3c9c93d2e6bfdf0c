"""The help exchange in the browsers: the booth's choice, the Riyadh coordinator's answer on
the board, the answer on the booth; and what other pages' sockets received meanwhile."""

from __future__ import annotations

from playwright.sync_api import Page, WebSocket, expect

from tests.browser.screens import check_screen

ANSWER = "أنا قادمة إليكِ خلال دقيقة"
HELP_EVENTS = ('"alert"', '"help_answer"', '"help_answered"')


class SocketTraffic:
    """Every Socket.IO frame a page received, from the moment it is made (before its sockets
    open): what anyone with that page's developer tools would have seen."""

    def __init__(self, page: Page) -> None:
        self.frames: list[str] = []
        page.on("websocket", self._socket)

    def _socket(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._received)

    def _received(self, frame: str | bytes) -> None:
        self.frames.append(frame if isinstance(frame, str) else frame.decode(errors="replace"))

    def of_help(self) -> list[str]:
        return [f for f in self.frames if ANSWER in f or any(e in f for e in HELP_EVENTS)]


def help_exchange(booth: Page, desk: Page) -> None:
    """The booth asks for help with a sound problem; Riyadh's desk answers with a text."""
    booth.click("#help")
    expect(booth.locator("#help-choices")).to_be_visible()
    check_screen(booth, "booth-7a-help-choices")
    booth.click("[data-help-reason=sound]")
    expect(booth.locator("#help-sent")).to_be_visible()
    expect(booth.locator("#help-choices")).to_be_hidden()

    desk.click("[data-tab=board]")
    alert = desk.locator("#alerts li[data-kind=help]")
    expect(alert).to_contain_text("مشكلة في الصوت")
    alert.locator("input").fill(ANSWER)
    alert.locator("button[type=submit]").click()
    expect(booth.locator("#help-answer")).to_have_text(f"رسالة من المنسقة: {ANSWER}")
    expect(alert).to_contain_text("أُرسل إليها رد")
    check_screen(desk, "desk-8a-help-answered")
