"""Each audience's connection quality is kept with its appointment when the audience is over,
however it ended, and read back on the request's appointments within the reader's centres."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.errors import UnknownRequest
from foundation.media_quality import DirectionQuality
from foundation.scope import EVERY_CENTRE, CentreScope
from majlis.components import degraded_thresholds
from rooms.degraded import Verdict
from rooms.quality_watch import QualityWatch
from rooms.state import EventKind, RoomEvent
from scheduler.audience_quality import AudienceQuality, AudienceQualityKeeper, WorstWindow
from scheduler.tables import audience_quality
from tests.integration.casework.conftest import Office, admitted, confirmed_appointment

BOTH_WAYS = ("booth", "office")


class Unheard:
    """The desks and the seats are not what these tests are about."""

    async def quality(
        self, room_id: str, present: frozenset[str], samples: list[DirectionQuality], seen: Verdict
    ) -> None:
        return None

    async def notice(self, room_id: str, notice: str) -> None:
        return None


def second(booth_fps: float, video_loss: float) -> list[DirectionQuality]:
    audio = [DirectionQuality(role, "audio", None, 32.0, 0.0, 5.0, 40.0) for role in BOTH_WAYS]
    return [*audio, DirectionQuality("booth", "video", booth_fps, 400.0, video_loss, 5.0, 40.0)]


def watching(office: Office) -> QualityWatch:
    """The quality watch as ``majlis/app.py`` wires it, its clock standing still (the poor
    seconds here are too few for degraded mode to act on)."""
    watch = QualityWatch(
        office.rooms,
        Unheard(),
        degraded_thresholds(office.settings),
        AudienceQualityKeeper(office.engine),
        monotonic_s=lambda: 0.0,
    )
    office.rooms.subscribe(watch.on_room_change)
    return watch


async def measured(watch: QualityWatch, room: str) -> None:
    """25 seconds: 12 good, 5 with her video at 4 fps and 20 % loss, 8 good again."""
    present = frozenset(BOTH_WAYS)
    for fps, loss, seconds in ((30.0, 0.0, 12), (4.0, 0.2, 5), (30.0, 0.01, 8)):
        for _ in range(seconds):
            await watch.on_quality(room, present, second(fps, loss))


ENDINGS = {
    "ended": RoomEvent(EventKind.END, "office"),
    "technical_failure": RoomEvent(EventKind.ABORT, "system", "technical_failure"),
    "aborted": RoomEvent(EventKind.ABORT, "office", "office_aborted"),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
async def test_an_audience_over_keeps_its_quality_with_its_appointment(
    office: Office, ending: str
) -> None:
    request_id, appointment = await confirmed_appointment(office)
    watch = watching(office)
    room = await admitted(office, appointment)
    await measured(watch, room)

    await office.rooms.act(room, ENDINGS[ending])

    expected = AudienceQuality(
        seconds=25,
        poor_share=0.2,
        voice_only_seconds=0,
        worst_10s=WorstWindow(start_s=7, poor_s=5, min_booth_fps=4.0, max_loss=0.2),
    )
    [kept] = await office.schedule.calls_of(request_id, scope=EVERY_CENTRE)
    assert (kept.appointment, kept.quality) == (appointment, expected)
    assert watch.summary(room) is None  # nothing of it stays in memory


async def test_seconds_in_voice_only_are_kept_and_not_counted_poor(office: Office) -> None:
    request_id, appointment = await confirmed_appointment(office)
    watch = watching(office)
    room = await admitted(office, appointment)
    present = frozenset(BOTH_WAYS)
    for _ in range(4):
        await watch.on_quality(room, present, second(30.0, 0.0))
    await office.rooms.set_voice_only(room, True)
    for _ in range(6):  # her video is not sent: the server sees none
        await watch.on_quality(room, present, second(0.0, 0.0))
    await office.rooms.act(room, RoomEvent(EventKind.END, "office"))

    [kept] = await office.schedule.calls_of(request_id, scope=EVERY_CENTRE)
    assert kept.quality is not None
    assert (kept.quality.seconds, kept.quality.voice_only_seconds) == (10, 6)
    assert kept.quality.poor_share == 0.0


async def test_an_audience_never_measured_keeps_nothing(office: Office) -> None:
    request_id, appointment = await confirmed_appointment(office)
    watching(office)
    room = await admitted(office, appointment)

    await office.rooms.act(room, RoomEvent(EventKind.END, "office"))

    [kept] = await office.schedule.calls_of(request_id, scope=EVERY_CENTRE)
    assert kept.quality is None
    async with office.engine.connect() as connection:
        assert (await connection.execute(select(audience_quality))).all() == []


async def test_another_centres_coordinator_cannot_read_it(office: Office) -> None:
    request_id, appointment = await confirmed_appointment(office)  # a Riyadh request
    watch = watching(office)
    room = await admitted(office, appointment)
    await measured(watch, room)
    await office.rooms.act(room, RoomEvent(EventKind.END, "office"))

    with pytest.raises(UnknownRequest):
        await office.schedule.calls_of(request_id, scope=CentreScope.of({"jeddah"}))
    [kept] = await office.schedule.calls_of(request_id, scope=CentreScope.of({"riyadh"}))
    assert kept.quality is not None
