"""Degraded mode end to end: a real server, real aiortc peers, the booth's media through the
UDP impairment proxy; heavy video loss turns her video off, a long blackout ends the audience
as a technical failure, rebooks her first and texts her."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.edge import SERVICES
from casework.tables import outbox
from foundation.scope import EVERY_CENTRE
from majlis.app import APPOINTMENT_CLOCK, CASEWORK, DB_ENGINE, SCHEDULER
from majlis.demo import seed_demo
from media.bench.client import MediaClient
from media.bench.impairment import ImpairmentProxy
from media.bench.pattern import EncodedFrame
from media.negotiation import negotiated_media
from scheduler.tables import slots
from tests.integration.casework.conftest import valid_registration
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import SLOT_START, LiveServer, Participant

FAST_RULES = {
    "quality_video_unusable_s": 2.0,
    "quality_video_off_after_s": 1.0,
    "quality_audio_unusable_s": 2.0,
    "quality_failure_after_pause_s": 2.0,
}


async def confirmed_appointment(live: LiveServer) -> tuple[int, int]:
    """(request, appointment) at SLOT_START in riyadh/booth-1, confirmed by a call."""
    app, now = live.app, live.clock.now()
    await seed_demo(app[DB_ENGINE], now)
    registered = await app[CASEWORK].register(valid_registration(), "c1", now, scope=EVERY_CENTRE)
    sitting = await app[SCHEDULER].create_sitting(
        "office-1", SLOT_START, SLOT_START + timedelta(hours=1), now
    )
    async with app[DB_ENGINE].connect() as connection:
        slot = (
            (
                await connection.execute(
                    select(slots.c.id).where(slots.c.sitting_id == sitting).order_by(slots.c.id)
                )
            )
            .scalars()
            .first()
        )
    assert slot is not None
    scheduler = app[SCHEDULER]
    appointment = await scheduler.book(
        registered.request_id, slot, "riyadh/booth-1", "c1", now, scope=EVERY_CENTRE
    )
    await scheduler.record_call(appointment, "confirmed", "c1", now, scope=EVERY_CENTRE)
    await app[APPOINTMENT_CLOCK].tick(now)
    return registered.request_id, appointment


async def proxied_media(
    booth: Participant, proxy: ImpairmentProxy, video: list[EncodedFrame], audio: list[EncodedFrame]
) -> MediaClient:
    booth.media = MediaClient(video, audio)
    answer = await booth.call("offer", {"sdp": proxy.client_offer(await booth.media.offer())})
    assert answer["ok"], answer
    await booth.media.accept(proxy.server_answer(answer["sdp"]))
    return booth.media


@pytest.mark.parametrize("live", [FAST_RULES], indirect=True)
async def test_heavy_video_loss_turns_video_off_and_a_blackout_rebooks_her_first(
    live: LiveServer, face_video: list[EncodedFrame], audio: list[EncodedFrame]
) -> None:
    request_id, appointment = await confirmed_appointment(live)
    room = f"appt-{appointment}"
    await live.at(SLOT_START - timedelta(minutes=10), "open", room=room)
    proxy = ImpairmentProxy()
    await proxy.start()
    try:
        booth = live.participant("/booth")
        await booth.connect(live.rooms.issue_join_token(room, "booth"))
        client = await proxied_media(booth, proxy, face_video, audio)
        assert (await booth.call("preflight"))["passed"]
        office = live.participant("/office")
        await office.connect(live.rooms.issue_join_token(room, "office"))
        await office.start_media(face_video, audio)
        await live.at(SLOT_START)
        assert (await office.call("admit"))["room"]["state"] == "live"
        await wait_for(lambda: office.video_frames() > 30, 5, "booth video at the office")

        # Heavy loss on her video only: audio stays fine.
        video_type = negotiated_media(client.pc, client.pc.remoteDescription.sdp)["video"]
        proxy.upstream.loss_payload_types = frozenset({video_type.payload_type})
        proxy.upstream.loss = 0.4
        offered = lambda: bool(booth.received["degraded"] and office.received["degraded"])  # noqa: E731
        await wait_for(offered, 6, "voice only offered to both seats")
        assert booth.received["degraded"][0]["notice"] == "voice_only_offered"
        assert office.received["degraded"][0]["notice"] == "voice_only_offered"
        await wait_for(lambda: live.rooms.room(room).voice_only, 4, "her video switched off")
        told = lambda: [n["notice"] for n in office.received["degraded"]][-1] == "video_off"  # noqa: E731
        await wait_for(told, 2, "the office told why")
        await asyncio.sleep(0.3)
        frames = office.video_frames()
        await asyncio.sleep(1.0)
        assert office.video_frames() == frames, "booth video still reached the office"
        assert live.rooms.room(room).state.value == "live"

        # A blackout much longer than the rules allow.
        proxy.blackout(30)
        await wait_for(lambda: live.rooms.room(room).is_over, 15, "the audience to end")
        ended = live.rooms.room(room)
        assert (ended.state.value, ended.reason) == ("aborted", "technical_failure")

        await live.app[APPOINTMENT_CLOCK].tick(live.clock.now())
        priority = await live.app[SERVICES].priority_rebooking.entries(scope=EVERY_CENTRE)
        assert [(e.request, e.appointment) for e in priority] == [(request_id, appointment)]
        async with live.app[DB_ENGINE].connect() as connection:
            kinds = (await connection.execute(select(outbox.c.kind).order_by(outbox.c.id))).all()
        assert kinds[-1].kind == "technical_failure"
    finally:
        proxy.close()
