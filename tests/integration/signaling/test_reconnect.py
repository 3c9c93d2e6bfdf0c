"""A booth that loses its connection mid-audience: back within the grace, or the room aborts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import socketio

from media.bench.pattern import EncodedFrame
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import LiveServer, Participant, live_audience


async def booth_dropped_mid_audience(
    live: LiveServer, video: list[EncodedFrame], audio: list[EncodedFrame]
) -> tuple[Participant, Participant, str]:
    """A live audience whose booth just lost socket and peer connection; her resume token."""
    await live.schedule()
    booth, office = await live_audience(live, video, audio)
    resume: str = booth.received["session"][0]["resume_token"]
    await booth.drop()
    await wait_for(lambda: not live.rooms.room("room-1").booth_present, 3, "the seat to empty")
    return booth, office, resume


async def test_a_booth_back_within_the_grace_continues_the_audience(
    live: LiveServer, face_video: list[EncodedFrame], audio: list[EncodedFrame]
) -> None:
    booth, office, resume = await booth_dropped_mid_audience(live, face_video, audio)
    frames_while_away = office.video_frames()

    live.clock.set(live.clock.now() + timedelta(seconds=2))  # grace in these tests: 3 s
    await live.rooms.tick()
    await booth.connect(resume)
    await booth.start_media(face_video, audio)
    await wait_for(lambda: office.video_frames() > frames_while_away + 15, 5, "media again")
    await wait_for(lambda: booth.video_frames() > 15, 5, "office video at the booth again")
    room = live.rooms.room("room-1")
    assert room.state.value == "live"
    assert room.booth_present
    live.clock.set(live.clock.now() + timedelta(seconds=5))
    await live.rooms.tick()
    assert live.rooms.room("room-1").state.value == "live", "a returned seat must not expire"
    assert "ended" not in office.received


async def test_a_booth_gone_past_the_grace_aborts_the_room_with_a_reason(
    live: LiveServer, face_video: list[EncodedFrame], audio: list[EncodedFrame]
) -> None:
    booth, office, resume = await booth_dropped_mid_audience(live, face_video, audio)
    live.clock.set(live.clock.now() + timedelta(seconds=3))
    await live.rooms.tick()
    # The background room clock may be the tick that took the seat's grace: wait for its abort.
    await wait_for(lambda: live.rooms.room("room-1").is_over, 3, "the room to be aborted")
    room = live.rooms.room("room-1")
    assert (room.state.value, room.reason) == ("aborted", "booth_lost")
    await wait_for(lambda: bool(office.received["ended"]), 3, "the office to hear of it")
    assert office.received["ended"][0] == {"state": "aborted", "reason": "booth_lost"}
    with pytest.raises(socketio.exceptions.ConnectionError):
        await booth.connect(resume)
    assert booth.received["connect_error"][0]["data"]["code"] == "not_permitted"


async def test_a_technical_pause_stops_media_both_ways_and_resume_brings_it_back(
    live: LiveServer, face_video: list[EncodedFrame], audio: list[EncodedFrame]
) -> None:
    await live.schedule()
    booth, office = await live_audience(live, face_video, audio)
    assert (await office.call("pause"))["room"]["state"] == "paused"
    await asyncio.sleep(0.3)
    at_pause = (office.video_frames(), booth.video_frames())
    await asyncio.sleep(0.7)
    assert (office.video_frames(), booth.video_frames()) == at_pause
    assert (await office.call("resume"))["room"]["state"] == "live"
    await wait_for(lambda: office.video_frames() > at_pause[0] + 10, 3, "media after resume")
    await wait_for(lambda: booth.video_frames() > at_pause[1] + 10, 3, "media after resume")
