"""A whole audience over the real protocol: TLS, Socket.IO, aiortc media, the room clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from media.bench.pattern import EncodedFrame
from rooms.store import RoomStore
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import LiveServer, minutes


async def test_a_whole_audience_from_opening_to_end(
    live: LiveServer, face_video: list[EncodedFrame], audio: list[EncodedFrame]
) -> None:
    await live.schedule()
    booth_token = live.rooms.issue_join_token("room-1", "booth")
    office_token = live.rooms.issue_join_token("room-1", "office")
    await live.at(minutes(-10), "open")

    booth = live.participant("/booth")
    await booth.connect(booth_token)
    await wait_for(lambda: bool(booth.received["session"]), 3, "the booth's session")
    assert booth.received["session"][0]["resume_token"].startswith("mj1.")
    await booth.start_media(face_video, audio)
    verdict = await booth.call("preflight")
    assert verdict == {
        "ok": True,
        "verdict": "ok",
        "message_key": "preflight.ok",
        "passed": True,
    }
    assert live.rooms.room("room-1").state.value == "lobby"

    office = live.participant("/office")
    await office.connect(office_token)
    await office.start_media(face_video, audio)
    queue = await office.call("queue")
    assert [(r["room"], r["state"], r["booth_present"]) for r in queue["queue"]] == [
        ("room-1", "lobby", True)
    ]
    await live.at(minutes(0))
    assert booth.video_frames() == 0, "the office's media reached the booth before admission"
    assert office.video_frames() == 0

    admitted = await office.call("admit")
    assert admitted["room"]["state"] == "live"
    await wait_for(lambda: bool(booth.received["admitted"]), 3, "the booth to hear of admission")
    await wait_for(lambda: bool(office.received["queue"]), 3, "a queue update at the office")
    assert office.received["queue"][-1]["queue"][0]["state"] == "live"
    await wait_for(lambda: office.video_frames() > 15, 5, "booth video at the office")
    await wait_for(lambda: booth.video_frames() > 15, 5, "office video at the booth")
    assert office.media is not None
    assert office.media.received["audio"].frames > 10

    await live.at(minutes(4))
    await wait_for(lambda: bool(booth.received["warning"]), 3, "the T-2 warning")
    await live.at(minutes(5))
    await wait_for(lambda: len(office.received["warning"]) == 2, 3, "the T-1 warning")
    assert [w["minutes"] for w in booth.received["warning"]] == [2, 1]

    extended = await office.call("extend", {"push_next": False})
    assert extended["room"]["extensions"] == 1
    assert extended["room"]["ends_at"] == (minutes(8)).isoformat()
    assert extended["room"]["remaining_s"] == timedelta(minutes=3).total_seconds()

    ended = await office.call("end")
    assert ended["room"]["state"] == "ended"
    await wait_for(lambda: bool(booth.received["ended"]), 3, "the booth to hear the end")
    assert booth.received["ended"][0] == {"state": "ended", "reason": "office_ended"}

    from majlis.app import DB_ENGINE

    steps = await RoomStore(live.app[DB_ENGINE]).events_of("room-1")
    assert [(kind, actor) for kind, actor, _ in steps] == [
        ("open", "system"),
        ("booth_joined", "booth"),
        ("preflight_passed", "booth"),
        ("admit", "office"),
        ("warn", "system"),
        ("warn", "system"),
        ("extend", "office"),
        ("end", "office"),
    ]
    assert steps[-1][2] == "ended"


@pytest.mark.parametrize(
    "live",
    [{"turn_urls": ["turns:turn.example.sa:5349"], "turn_shared_secret": "s3cret"}],
    indirect=True,
)
async def test_seats_get_turn_credentials_that_end_with_their_window(live: LiveServer) -> None:
    await live.schedule()
    await live.at(minutes(-10), "open")
    booth = live.participant("/booth")
    await booth.connect(live.rooms.issue_join_token("room-1", "booth"))
    await wait_for(lambda: bool(booth.received["session"]), 3, "the booth's session")
    (server,) = booth.received["session"][0]["ice_servers"]
    assert server["urls"] == ["turns:turn.example.sa:5349"]
    expires, seat = server["username"].split(":", 1)
    assert seat == "room-1:booth"
    window_end = live.rooms.room("room-1").ends_at + timedelta(minutes=10)
    assert minutes(6).timestamp() < int(expires) <= window_end.timestamp()
    assert server["credential"]
