"""A seat of an enrolled device connects only with the device's credential and a fresh proof of
its key, signed for ``CONNECT /socket.io/<namespace>`` (``devices.seat_proof``): the seat's
join or resume token, the credential string or an old proof copied out of the kiosk take over
no seat from another client. A device never enrolled still connects with its token alone."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import socketio

from majlis.demo import DemoSignIn
from rooms.store import Seats
from tests.device_keys import DeviceKeyPair
from tests.integration.api.helpers import denials
from tests.integration.api.test_device_proofs import booth  # noqa: F401 - a fixture
from tests.integration.api.test_devices import (
    BOOTH,
    Client,
    clients,  # noqa: F401 - a fixture
    enrolled,
    enrollment_code,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import SLOT_START, LiveServer, Participant, minutes


@pytest.fixture(autouse=True)
async def open_room(live: LiveServer) -> None:
    """``room-1``, open, its booth seat ``BOOTH``'s."""
    await live.rooms.schedule(
        "room-1", Seats(BOOTH, "office-1"), SLOT_START, minutes(6), minutes(8)
    )
    await live.at(minutes(-5), "open")


WEB_CATALOGS = Path(__file__).parents[3] / "web_client" / "i18n"


async def seated(live: LiveServer, token: str, auth: dict[str, object]) -> Participant:
    seat = live.participant("/booth")
    await seat.connect(token, auth)
    await wait_for(lambda: bool(seat.received["session"]), 3, "the booth's session")
    return seat


async def refusal(live: LiveServer, token: str, auth: dict[str, object]) -> str:
    """The code a connect to /booth from another client is refused with."""
    thief = live.participant("/booth")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await thief.connect(token, auth)
    (refused,) = thief.received["connect_error"]
    return str(refused["data"]["code"])


async def test_a_copied_resume_token_credential_or_proof_takes_over_no_seat(
    live: LiveServer,
    booth: Client,  # noqa: F811
) -> None:
    proof = booth.seat_auth("/booth")
    first = await seated(live, live.rooms.issue_join_token("room-1", "booth"), proof)
    resume = str(first.received["session"][0]["resume_token"])
    await first.sio.disconnect()

    before = await denials(live)
    copies: list[tuple[dict[str, Any], str]] = [
        ({}, "proof_required"),  # the resume token alone
        ({"credential": booth.credential}, "proof_required"),  # with the credential string
        (proof, "proof_invalid"),  # the first connect's proof, replayed
        (booth.seat_auth("/office"), "proof_invalid"),  # signed for another namespace
        (
            {
                "credential": booth.credential,
                "proof": DeviceKeyPair().proof("CONNECT", "/socket.io/booth", live.clock.now()),
            },
            "proof_invalid",  # signed by another key
        ),
    ]
    for auth, code in copies:
        assert await refusal(live, resume, auth) == code, auth
    assert await denials(live) == before + len(copies)  # every refused connect audited

    again = await seated(live, resume, booth.seat_auth("/booth"))  # the kiosk itself comes back
    assert again.received["session"][0]["room"] == "room-1"


async def test_a_refused_connect_does_not_spend_the_join_token(
    live: LiveServer,
    booth: Client,  # noqa: F811
) -> None:
    join = live.rooms.issue_join_token("room-1", "booth")
    assert await refusal(live, join, {}) == "proof_required"
    await seated(live, join, booth.seat_auth("/booth"))


async def test_another_devices_credential_and_key_do_not_seat_the_booth(
    live: LiveServer,
    booth: Client,  # noqa: F811
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    other = await enrolled(live, clients, await enrollment_code(admin, "riyadh/booth-2"))
    join = live.rooms.issue_join_token("room-1", "booth")
    assert await refusal(live, join, other.seat_auth("/booth")) == "proof_invalid"


async def test_a_device_never_enrolled_still_connects_with_its_token_alone(
    live: LiveServer,
) -> None:
    # No credential was ever issued for BOOTH here (no `booth` fixture): the transitional rule.
    await seated(live, live.rooms.issue_join_token("room-1", "booth"), {})


@pytest.mark.parametrize("live", [{"dev": True}], indirect=True)  # the desk's dev token
async def test_a_browser_that_cannot_encrypt_end_to_end_takes_no_seat_and_the_desk_hears(
    live: LiveServer,
    booth: Client,  # noqa: F811
) -> None:
    desk = live.participant("/desk")
    await desk.connect(live.rooms.issue_terminal_token("desk", "desk-1", timedelta(hours=8)))
    join = live.rooms.issue_join_token("room-1", "booth")
    before = await denials(live)
    assert await refusal(live, join, booth.seat_auth("/booth", e2ee=False)) == "e2ee_unsupported"
    assert await denials(live) == before + 1
    await wait_for(lambda: bool(desk.received["note"]), 3, "the desk's note")
    (note,) = desk.received["note"]
    assert (note["device"], note["room"], note["kind"]) == (BOOTH, "room-1", "e2ee_unsupported")
    for language in ("ar", "en"):  # what the desk shows of it
        texts = json.loads((WEB_CATALOGS / f"{language}.json").read_text("utf-8"))
        assert "{booth}" in texts["desk.note.e2ee_unsupported"]
    await seated(live, join, booth.seat_auth("/booth"))  # the token was not spent
    assert len(desk.received["note"]) == 1  # a seat that can encrypt is no news


@pytest.mark.parametrize("live", [{"e2ee_required": False}], indirect=True)
async def test_the_transition_setting_lets_a_browser_that_cannot_encrypt_in(
    live: LiveServer,
    booth: Client,  # noqa: F811
) -> None:
    join = live.rooms.issue_join_token("room-1", "booth")
    await seated(live, join, booth.seat_auth("/booth", e2ee=False))


async def test_a_key_share_reaches_the_other_seat_with_the_key_its_device_registered(
    live: LiveServer,
    booth: Client,  # noqa: F811
) -> None:
    booth_seat = await seated(
        live, live.rooms.issue_join_token("room-1", "booth"), booth.seat_auth("/booth")
    )
    office = live.participant("/office")
    await office.connect(live.rooms.issue_join_token("room-1", "office"))  # never enrolled
    share = {"public": "A" * 87, "signature": "B" * 86, "reply": False, "answers": ""}

    assert await booth_seat.call("e2ee_share", share) == {"ok": True}
    await wait_for(lambda: bool(office.received["e2ee_share"]), 3, "the relayed share")
    assert booth.key is not None
    (relayed,) = office.received["e2ee_share"]
    registered = {"device": BOOTH, "device_key": booth.key.public_jwk(), "endorsement": None}
    assert relayed == {**share, **registered}
    assert not booth_seat.received["e2ee_share"]  # not echoed to its sender

    answer = {**share, "public": "C" * 87, "signature": "", "reply": True, "answers": "A" * 87}
    assert await office.call("e2ee_share", answer) == {"ok": True}
    await wait_for(lambda: bool(booth_seat.received["e2ee_share"]), 3, "the answer")
    assert booth_seat.received["e2ee_share"][0]["device_key"] is None  # no key registered
    assert booth_seat.received["e2ee_share"][0]["answers"] == "A" * 87  # the offer it answers

    # Shares sent back to back arrive in their order (the ends' agreement depends on it).
    sent = [{**share, "public": letter * 87} for letter in "DEFGH"]
    await asyncio.gather(*(booth_seat.call("e2ee_share", s) for s in sent))
    await wait_for(lambda: len(office.received["e2ee_share"]) == 6, 3, "the shares")
    assert [s["public"] for s in office.received["e2ee_share"][1:]] == [s["public"] for s in sent]
    bad = await office.call("e2ee_share", {**share, "public": "not a key"})
    assert bad["ok"] is False
