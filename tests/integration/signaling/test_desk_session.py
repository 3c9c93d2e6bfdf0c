"""A signed-in person's ``/desk`` connection lives only as long as her staff session: signing
out (here or everywhere) closes it at once, and an event after the session expired is refused
and closes it; a new connection with the ended session is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import socketio
from yarl import URL

from majlis.demo import DemoSignIn
from tests.integration.api.test_devices import (
    Client,
    clients,  # noqa: F401 - a fixture
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import LiveServer, Participant


async def desk_of(live: LiveServer, person: Client) -> tuple[Participant, dict[str, str]]:
    cookie = person.http.cookie_jar.filter_cookies(URL(live.base_url))["majlis_session"].value
    headers = {"Cookie": f"majlis_session={cookie}"}
    desk = live.participant("/desk")
    await desk.sio.connect(  # the client consumes the headers it is given: pass a copy
        live.base_url, namespaces=["/desk"], transports=["websocket"], headers=dict(headers)
    )
    await wait_for(lambda: bool(desk.received["rooms"]), 3, "the desk's first rooms")
    return desk, headers


async def refused_again(live: LiveServer, headers: dict[str, str]) -> None:
    again = live.participant("/desk")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.sio.connect(
            live.base_url, namespaces=["/desk"], transports=["websocket"], headers=dict(headers)
        )
    assert any("session_expired" in str(e) for e in again.received["connect_error"]), again.received


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/api/session"), ("POST", "/api/session/everywhere")]
)
async def test_signing_out_closes_the_desk_connection(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    method: str,
    path: str,
) -> None:
    person = await signed_in(live, clients, staff, "coordinator1")
    desk, headers = await desk_of(live, person)
    assert (await desk.call("rooms"))["ok"]

    status, _ = await person.call(method, path)
    assert status == 200
    await wait_for(lambda: not desk.sio.connected, 3, "the desk connection closed")
    await refused_again(live, headers)


async def test_a_desk_event_after_the_session_expired_is_refused_and_closes_it(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    person = await signed_in(live, clients, staff, "supervisor")
    desk, headers = await desk_of(live, person)
    live.clock.set(live.clock.now() + timedelta(minutes=31))  # idle past MAJLIS_SESSION_IDLE_MIN

    # The server answers with an ``error`` event and closes the connection (the call's own
    # answer cannot outrun the close, so the event is sent without waiting for one).
    await desk.sio.emit("rooms", {}, namespace="/desk")
    await wait_for(lambda: not desk.sio.connected, 3, "the desk connection closed")
    assert [e["code"] for e in desk.received["error"]] == ["session_expired"]
    await refused_again(live, headers)


async def test_another_persons_sign_out_leaves_a_desk_connected(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    mine = await signed_in(live, clients, staff, "coordinator1")
    desk, _ = await desk_of(live, mine)
    other = await signed_in(live, clients, staff, "supervisor")
    status, _ = await other.call("DELETE", "/api/session")
    assert status == 200
    assert (await desk.call("rooms"))["ok"]
    assert desk.sio.connected


async def test_a_desk_dev_token_is_refused_outside_development_mode(live: LiveServer) -> None:
    desk = live.participant("/desk")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await desk.connect(live.rooms.issue_terminal_token("desk", "desk-1", timedelta(hours=8)))
    codes = [e["data"]["code"] for e in desk.received["connect_error"]]
    assert codes == ["not_a_desk_credential"], desk.received
