"""Each audience's connection quality, kept with its appointment: when the audience is over,
however it ended, the rooms' quality watch hands over its summary (``AudienceQualityKeeper`` is
its ``rooms.quality_watch.SummaryKeeper``), and the desk's request page and the ministry's
figures read it back. Seconds and rates only: nothing about who was in it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from rooms.quality_summary import QualitySummary
from scheduler.appointment_rooms import appointment_of_room
from scheduler.tables import audience_quality

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorstWindow:
    """The audience's worst 10 seconds: most seconds in poor quality, where they began."""

    start_s: int | None  # seconds from the start of what was measured
    poor_s: int
    min_booth_fps: float | None
    max_loss: float


@dataclass(frozen=True)
class AudienceQuality:
    seconds: int  # measured while the audience was live
    poor_share: float  # 0..1 of those seconds with video or sound unusable
    voice_only_seconds: int
    worst_10s: WorstWindow


def poor_share(seconds: int, poor_seconds: int) -> float:
    return round(poor_seconds / seconds, 3) if seconds else 0.0


class AudienceQualityKeeper:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def keep(self, room_id: str, summary: QualitySummary) -> None:
        """Store an audience's summary with its appointment (a room of no appointment, the
        benchmark's or a demo's, keeps nothing)."""
        appointment_id = appointment_of_room(room_id)
        if appointment_id is None:
            return
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    insert(audience_quality).values(
                        appointment_id=appointment_id,
                        seconds=summary.seconds,
                        poor_seconds=summary.poor_seconds,
                        voice_only_seconds=summary.voice_only_seconds,
                        worst_start_s=summary.worst_start,
                        worst_poor_s=max(summary.worst_poor, 0),
                        worst_min_booth_fps=summary.worst_min_fps,
                        worst_max_loss=summary.worst_max_loss,
                    )
                )
        except IntegrityError:  # kept before, or its appointment is gone: the first stands
            log.warning("the quality of %s was not kept: already kept or no appointment", room_id)


async def quality_of(
    connection: AsyncConnection, appointment_ids: Iterable[int]
) -> dict[int, AudienceQuality]:
    """The kept quality of each of these appointments that has one."""
    rows = await connection.execute(
        select(audience_quality).where(audience_quality.c.appointment_id.in_(appointment_ids))
    )
    return {
        r.appointment_id: AudienceQuality(
            seconds=r.seconds,
            poor_share=poor_share(r.seconds, r.poor_seconds),
            voice_only_seconds=r.voice_only_seconds,
            worst_10s=WorstWindow(
                r.worst_start_s, r.worst_poor_s, r.worst_min_booth_fps, r.worst_max_loss
            ),
        )
        for r in rows
    }
