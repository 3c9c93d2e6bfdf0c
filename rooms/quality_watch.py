"""Degraded mode at work: each room's quality samples go through ``rooms.degraded`` and what
it calls for is done — voice only offered to both seats, the booth's video switched off, a
technical pause, a resume, or the end of the audience as a technical failure. Every sample
also goes to the desks (``QualityNotifier.quality``) and into the audience's summary, which is
handed to a ``SummaryKeeper`` when the audience is over (however it ended) and then forgotten.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from foundation.media_quality import DirectionQuality
from rooms.degraded import (
    QUALITY_PAUSE,
    TECHNICAL_FAILURE,
    Action,
    DegradedState,
    DegradedThresholds,
    Verdict,
    assess,
    verdict,
)
from rooms.errors import ResumeOverrunsNextSlot, RoomError, UnknownRoom
from rooms.quality_summary import QualitySummary
from rooms.service import RoomChange, RoomService
from rooms.state import ACCEPT_SHORTER, EventKind, RoomEvent, RoomState

log = logging.getLogger(__name__)

VOICE_ONLY_OFFERED = "voice_only_offered"
VIDEO_OFF = "video_off"


class QualityNotifier(Protocol):
    async def quality(
        self, room_id: str, present: frozenset[str], samples: list[DirectionQuality], seen: Verdict
    ) -> None:
        """Every sample: the desks' board (and the metrics)."""

    async def notice(self, room_id: str, notice: str) -> None:
        """Both seats: voice only is offered, or the booth's video was switched off."""


class SummaryKeeper(Protocol):
    async def keep(self, room_id: str, summary: QualitySummary) -> None:
        """An audience is over: store its quality (with its appointment, in the app)."""


class QualityWatch:
    def __init__(
        self,
        rooms: RoomService,
        notifier: QualityNotifier,
        thresholds: DegradedThresholds,
        keeper: SummaryKeeper,
        monotonic_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rooms = rooms
        self._notifier = notifier
        self._thresholds = thresholds
        self._keeper = keeper
        self._monotonic_s = monotonic_s
        self._states: dict[str, DegradedState] = {}
        self._summaries: dict[str, QualitySummary] = {}

    def summary(self, room_id: str) -> QualitySummary | None:
        """The quality of an audience under way so far."""
        return self._summaries.get(room_id)

    async def on_room_change(self, change: RoomChange) -> None:
        """A ``RoomService`` listener: an audience that is over (ended, aborted, a technical
        failure) has its summary kept, and nothing of it stays here. One never measured (a
        no-show, one aborted before it began) has none."""
        room_id = change.room.room_id
        if not change.room.is_over:
            return
        self._states.pop(room_id, None)
        summary = self._summaries.pop(room_id, None)
        if summary is not None and summary.seconds:
            await self._keeper.keep(room_id, summary)

    async def on_quality(
        self, room_id: str, present: frozenset[str], samples: list[DirectionQuality]
    ) -> None:
        try:
            room = self._rooms.room(room_id)
        except UnknownRoom:
            return  # a media room without a scheduled room (the benchmark's)
        seen = verdict(present, samples, self._thresholds, voice_only=room.voice_only)
        state = self._states.get(room_id, DegradedState())
        watched = room.state is RoomState.LIVE or (
            room.state is RoomState.PAUSED and state.paused_at is not None
        )
        if watched and self._rooms.seat_away(room_id):
            # A seat whose connection went away is held by the seat grace (the room aborts
            # only when it runs out): no media then is not bad media. Judged afresh on return.
            self._states.pop(room_id, None)
            watched = False
        if watched:
            summary = self._summaries.setdefault(room_id, QualitySummary())
            summary.add(seen, samples, voice_only=room.voice_only)
        await self._notifier.quality(room_id, present, samples, seen)
        if self._rooms.room(room_id).is_over:  # perhaps while the desks were told
            self._states.pop(room_id, None)
            return
        if not watched:
            return
        state, actions = assess(state, seen, self._monotonic_s(), self._thresholds)
        self._states[room_id] = state
        for action in actions:
            await self._do(room_id, action)

    async def _do(self, room_id: str, action: Action) -> None:
        log.info("degraded mode: %s in %s", action.value, room_id)
        if action is Action.OFFER_VOICE_ONLY:
            await self._notifier.notice(room_id, VOICE_ONLY_OFFERED)
        elif action is Action.VIDEO_OFF:
            # The same voice only as her own choice (``Room.voice_only_by`` = "quality"): the
            # server forwards none of the booth's video; she may switch it back on.
            try:
                await self._rooms.set_voice_only(room_id, True, by="quality")
            except RoomError:
                log.info("degraded mode: video off in %s skipped", room_id)
                return
            await self._notifier.notice(room_id, VIDEO_OFF)
        elif action is Action.PAUSE:
            await self._act(room_id, RoomEvent(EventKind.PAUSE, "system", QUALITY_PAUSE))
        elif action is Action.RESUME:
            try:
                await self._rooms.act(room_id, RoomEvent(EventKind.RESUME, "system"))
            except ResumeOverrunsNextSlot:  # the time lost is given back as far as it can be
                await self._act(room_id, RoomEvent(EventKind.RESUME, "system", ACCEPT_SHORTER))
            except RoomError:
                log.info("degraded mode: resume of %s skipped", room_id)
        else:
            await self._act(room_id, RoomEvent(EventKind.ABORT, "system", TECHNICAL_FAILURE))

    async def _act(self, room_id: str, event: RoomEvent) -> None:
        try:
            await self._rooms.act(room_id, event)
        except RoomError:  # a person's action got there first: theirs stands
            log.info("degraded mode: %s of %s skipped", event.kind.value, room_id)
