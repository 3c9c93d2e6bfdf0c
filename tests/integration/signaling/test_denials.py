"""Refusals: each with its own error code, and the room exactly as it was."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
import socketio

from majlis.components import load_keyring
from media.bench.pattern import EncodedFrame
from rooms.tokens import issue, verify
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import LiveServer, minutes


async def refused(live: LiveServer, namespace: str, token: str) -> str:
    """The error code the server gave when it refused the connection."""
    client = live.participant(namespace)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(token)
    refusal = client.received["connect_error"][0]
    assert refusal["data"]["message_key"].startswith("errors.")
    return str(refusal["data"]["code"])


async def test_tokens_out_of_place_or_time_are_refused_with_their_code(live: LiveServer) -> None:
    await live.schedule("room-a", booth="booth-riyadh-1")
    await live.schedule("room-b", booth="booth-jeddah-1", start=minutes(8))
    booth_a = live.rooms.issue_join_token("room-a", "booth")

    assert await refused(live, "/booth", booth_a) == "token_not_yet_valid"  # T-20 min
    await live.at(minutes(-10), "open", room="room-a")

    keyring = load_keyring(live.settings)
    claims_a = verify(booth_a, keyring, live.clock.now(), role="booth")
    to_room_b = issue(replace(claims_a, room="room-b", token_id="x1"), keyring)
    assert await refused(live, "/booth", to_room_b) == "token_wrong_room"
    assert await refused(live, "/office", booth_a) == "token_wrong_role"
    assert await refused(live, "/booth", 42) == "token_missing"  # type: ignore[arg-type]
    assert await refused(live, "/booth", "mj1.not-a-token") == "token_malformed"
    tampered = booth_a[:-3] + ("AAA" if not booth_a.endswith("AAA") else "BBB")
    assert await refused(live, "/booth", tampered) == "token_bad_signature"

    first = live.participant("/booth")
    await first.connect(booth_a)
    assert await refused(live, "/booth", booth_a) == "token_reused"

    live.clock.set(minutes(6) + timedelta(hours=1))
    expired = live.rooms.issue_join_token("room-b", "booth")
    live.clock.set(minutes(8 + 6) + timedelta(hours=1))
    assert await refused(live, "/booth", expired) == "token_expired"


@pytest.mark.parametrize("live", [{"dev": True}], indirect=True)  # the desk's dev token
async def test_a_booth_cannot_admit_extend_or_end_and_a_desk_cannot_send_media(
    live: LiveServer, face_video: list[EncodedFrame], audio: list[EncodedFrame]
) -> None:
    await live.schedule()
    await live.at(minutes(-10), "open")
    booth = live.participant("/booth")
    await booth.connect(live.rooms.issue_join_token("room-1", "booth"))
    await booth.start_media(face_video, audio)
    assert (await booth.call("preflight"))["passed"]
    desk = live.participant("/desk")
    await desk.connect(live.rooms.issue_terminal_token("desk", "desk-1", timedelta(hours=8)))
    before = live.rooms.room("room-1")

    for event in ("admit", "extend", "end", "pause", "queue"):
        answer = await booth.call(event)
        assert answer["ok"] is False
        assert answer["error"]["code"] == "not_permitted", event
    assert (await desk.call("offer", {"sdp": "v=0"}))["error"]["code"] == "not_permitted"
    assert (await desk.call("admit"))["error"]["code"] == "not_permitted"
    assert (await booth.call("dance"))["error"]["code"] == "unknown_event"
    assert (await booth.call("offer", {"sdp": 5}))["error"]["code"] == "invalid_payload"
    assert (await booth.call("offer", {"sdp": "x" * 20_000}))["error"]["code"] == (
        "invalid_payload"
    )
    assert live.rooms.room("room-1") == before
    assert len(booth.received["error"]) == 8  # every refusal also came as an `error` event
    assert booth.received["error"][0]["message_key"] == "errors.room.not_permitted"


async def test_a_cancelled_appointment_ends_its_room_and_refuses_its_tokens_within_a_second(
    live: LiveServer,
) -> None:
    await live.schedule()
    await live.at(minutes(-10), "open")
    office_token = live.rooms.issue_join_token("room-1", "office")
    booth = live.participant("/booth")
    await booth.connect(live.rooms.issue_join_token("room-1", "booth"))
    await wait_for(lambda: bool(booth.received["session"]), 2, "the booth's session")
    resume = booth.received["session"][0]["resume_token"]

    started = asyncio.get_running_loop().time()
    assert await live.rooms.cancel_room("room-1", "appointment_cancelled")
    await wait_for(lambda: not booth.sio.connected, 1.5, "the booth to be disconnected")
    assert asyncio.get_running_loop().time() - started < 1.0
    assert booth.received["ended"] == [{"state": "aborted", "reason": "appointment_cancelled"}]
    assert await refused(live, "/booth", resume) == "not_permitted"
    assert await refused(live, "/office", office_token) == "not_permitted"
