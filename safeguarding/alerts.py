"""The safeguarding alerts of the centres: raised by a booth, taken back by it in the undo
window, acknowledged, her audience paused and the alert handled by a coordinator of that
centre. Every change is passed to the listener (the signalling layer pushes it to the
coordinators on duty for that centre only). The handling note is sealed like request text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.pii import PiiCipher
from foundation.scope import CentreScope, centre_of_device
from safeguarding.errors import (
    AlreadyHandled,
    NoAudienceToPause,
    NotPaused,
    UndoTooLate,
    UnknownSafeguardingAlert,
)
from safeguarding.rules import (
    Moments,
    SafeguardingSettings,
    Stage,
    hears_of,
    may_withdraw,
    stage_of,
)
from safeguarding.tables import HANDLING_NOTE, safeguarding_alerts
from typed_errors import TypedError

MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class SafeguardingAlert:
    id: int
    device: str
    centre: str | None
    room: str | None
    stage: Stage
    raised_at: datetime
    acknowledged_by: str | None
    paused: bool


class SafeguardingNotice(TypedDict):
    """``safeguarding`` on /desk: an alert's state, for its centre's coordinators only."""

    id: int
    device: str
    room: str | None
    stage: str
    raised_at: str
    acknowledged_by: str | None
    paused: bool


def notice_of(alert: SafeguardingAlert) -> SafeguardingNotice:
    return {
        "id": alert.id,
        "device": alert.device,
        "room": alert.room,
        "stage": alert.stage.value,
        "raised_at": alert.raised_at.isoformat(),
        "acknowledged_by": alert.acknowledged_by,
        "paused": alert.paused,
    }


# Told of every change of an alert (the signalling layer's push to its centre's desks).
Listener = Callable[[SafeguardingAlert], Awaitable[None]]
# Puts a room into a technical pause (the rooms service, wired by the composition root).
PauseRoom = Callable[[str], Awaitable[None]]
# Takes a room out of the pause the desk put it in: False if it is no longer paused (the office
# ended the audience meanwhile); any other refusal is raised.
ResumeRoom = Callable[[str], Awaitable[bool]]


def _alert(row: Row[tuple[object, ...]]) -> SafeguardingAlert:
    moments = Moments(row.raised_at, row.withdrawn_at, row.acknowledged_at, row.handled_at)
    return SafeguardingAlert(
        id=row.id,
        device=row.device,
        centre=row.centre,
        room=row.room,
        stage=stage_of(moments),
        raised_at=row.raised_at,
        acknowledged_by=row.acknowledged_by,
        paused=row.paused_at is not None,
    )


class SafeguardingDesk:
    def __init__(
        self,
        engine: AsyncEngine,
        cipher: PiiCipher,
        settings: SafeguardingSettings,
        listener: Listener,
        pause_room: PauseRoom,
        resume_room: ResumeRoom,
    ) -> None:
        self._engine = engine
        self._cipher = cipher
        self._settings = settings
        self._listener = listener
        self._pause_room = pause_room
        self._resume_room = resume_room

    # -- the booth ----------------------------------------------------------------------------

    async def raise_alert(self, device: str, room: str | None, now: datetime) -> SafeguardingAlert:
        """One open alert per booth and room: a second press in the same audience while one
        is open is the same alert; a press in another audience (the next woman at the booth)
        is a new one, even while an earlier woman's alert is still open."""
        async with self._engine.begin() as connection:
            open_one = (
                await connection.execute(
                    select(safeguarding_alerts).where(
                        safeguarding_alerts.c.device == device,
                        safeguarding_alerts.c.room.is_not_distinct_from(room),
                        safeguarding_alerts.c.handled_at.is_(None),
                        safeguarding_alerts.c.withdrawn_at.is_(None),
                    )
                )
            ).first()
            if open_one is not None:
                return _alert(open_one)
            alert_id = (
                await connection.execute(
                    insert(safeguarding_alerts)
                    .values(
                        device=device,
                        centre=centre_of_device(device),
                        room=room,
                        raised_at=now,
                        handling_note="",
                    )
                    .returning(safeguarding_alerts.c.id)
                )
            ).scalar_one()
            alert = await self._load(connection, alert_id)
        await self._listener(alert)
        return alert

    async def withdraw(self, alert_id: int, device: str, now: datetime) -> SafeguardingAlert:
        """The booth takes back a mistaken press (within the undo window, before anyone
        acknowledged it); the alert stays on the board, quiet, for the coordinator to close."""
        async with self._engine.begin() as connection:
            alert = await self._load(connection, alert_id)
            row = await self._row(connection, alert_id)
            if alert.device != device:
                raise UnknownSafeguardingAlert(str(alert_id))
            moments = Moments(row.raised_at, row.withdrawn_at, row.acknowledged_at, row.handled_at)
            if not may_withdraw(moments, now, self._settings):
                raise UndoTooLate(str(alert_id))
            await self._set(connection, alert_id, withdrawn_at=now)
            alert = await self._load(connection, alert_id)
        await self._listener(alert)
        return alert

    # -- the coordinators ---------------------------------------------------------------------

    async def acknowledge(
        self, alert_id: int, actor: str, now: datetime, *, scope: CentreScope
    ) -> SafeguardingAlert:
        async with self._engine.begin() as connection:
            alert = await self._hers(connection, alert_id, scope)
            if alert.stage is Stage.HANDLED:
                raise AlreadyHandled(str(alert_id))
            if alert.acknowledged_by is None:
                await self._set(
                    connection, alert_id, acknowledged_at=now, acknowledged_by=actor[:64]
                )
            alert = await self._load(connection, alert_id)
        await self._listener(alert)
        return alert

    async def pause_audience(
        self, alert_id: int, actor: str, now: datetime, *, scope: CentreScope
    ) -> SafeguardingAlert:
        """Her audience goes into a technical pause (the office sees only that); acknowledging
        the alert on the way."""
        async with self._engine.connect() as connection:
            alert = await self._hers(connection, alert_id, scope)
        if alert.stage is Stage.HANDLED:
            raise AlreadyHandled(str(alert_id))
        if alert.room is None:
            raise NoAudienceToPause(str(alert_id))
        await self._pause_room(alert.room)  # a room that is not live refuses (typed, 409)
        async with self._engine.begin() as connection:
            values: dict[str, object] = {"paused_at": now}
            if alert.acknowledged_by is None:
                values.update(acknowledged_at=now, acknowledged_by=actor[:64])
            await self._set(connection, alert_id, **values)
            alert = await self._load(connection, alert_id)
        await self._listener(alert)
        return alert

    async def resume_audience(
        self, alert_id: int, now: datetime, *, scope: CentreScope
    ) -> SafeguardingAlert:
        """Her audience goes on after the coordinators' pause (only they lift it: the office
        cannot); the paused time is given back up to the next slot's start."""
        async with self._engine.connect() as connection:
            alert = await self._hers(connection, alert_id, scope)
        if not alert.paused or alert.room is None:
            raise NotPaused(str(alert_id))
        resumed = await self._resume_room(alert.room)  # False: the office ended it meanwhile
        async with self._engine.begin() as connection:
            await self._set(connection, alert_id, paused_at=None)
            alert = await self._load(connection, alert_id)
        await self._listener(alert)  # her card loses its resume button either way
        if not resumed:
            raise NotPaused(str(alert_id))
        return alert

    async def handle(
        self, alert_id: int, actor: str, note: str, now: datetime, *, scope: CentreScope
    ) -> SafeguardingAlert:
        """Closed, with how it was handled (sealed at rest; never in the audit log). Her
        audience, if the desk paused it, goes on: nobody else could lift that pause, and the
        closed alert leaves the board with its resume button."""
        async with self._engine.connect() as connection:
            alert = await self._hers(connection, alert_id, scope)
        if alert.paused and alert.room is not None and alert.stage is not Stage.HANDLED:
            # Over already (the office ended it), or no longer paused: nothing to lift.
            with contextlib.suppress(TypedError):
                await self._resume_room(alert.room)
        async with self._engine.begin() as connection:
            alert = await self._hers(connection, alert_id, scope)
            if alert.stage is Stage.HANDLED:
                raise AlreadyHandled(str(alert_id))
            sealed = self._cipher.seal(note, HANDLING_NOTE, alert_id) if note else ""
            values: dict[str, object] = {
                "handled_at": now,
                "handled_by": actor[:64],
                "handling_note": sealed,
                "paused_at": None,
            }
            if alert.acknowledged_by is None:
                values.update(acknowledged_at=now, acknowledged_by=actor[:64])
            await self._set(connection, alert_id, **values)
            alert = await self._load(connection, alert_id)
        await self._listener(alert)
        return alert

    async def handling_note(self, alert_id: int, *, scope: CentreScope) -> str:
        async with self._engine.connect() as connection:
            await self._hers(connection, alert_id, scope)
            row = await self._row(connection, alert_id)
        stored = str(row.handling_note or "")
        return self._cipher.unseal(stored, HANDLING_NOTE, alert_id) if stored else ""

    async def open_alerts(self, *, scope: CentreScope) -> list[SafeguardingAlert]:
        """Her centres' alerts not yet handled, newest first (the top of her board)."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(safeguarding_alerts)
                .where(
                    safeguarding_alerts.c.handled_at.is_(None),
                    scope.where(safeguarding_alerts.c.centre),
                )
                .order_by(safeguarding_alerts.c.id.desc())
            )
            return [_alert(row) for row in rows]

    async def count_by_centre(self, start: datetime, end: datetime) -> dict[str, int]:
        """Alerts raised in [start, end) per centre: a count, nothing of what happened."""
        async with self._engine.connect() as connection:
            return await count_by_centre(connection, start, end)

    # -- rows ---------------------------------------------------------------------------------

    async def _hers(
        self, connection: AsyncConnection, alert_id: int, scope: CentreScope
    ) -> SafeguardingAlert:
        alert = await self._load(connection, alert_id)
        if not hears_of(scope, alert.centre):  # another centre's: as if it did not exist
            raise UnknownSafeguardingAlert(str(alert_id))
        return alert

    async def _row(self, connection: AsyncConnection, alert_id: int) -> Row[tuple[object, ...]]:
        row = (
            await connection.execute(
                select(safeguarding_alerts).where(safeguarding_alerts.c.id == alert_id)
            )
        ).first()
        if row is None:
            raise UnknownSafeguardingAlert(str(alert_id))
        return row

    async def _load(self, connection: AsyncConnection, alert_id: int) -> SafeguardingAlert:
        return _alert(await self._row(connection, alert_id))

    @staticmethod
    async def _set(connection: AsyncConnection, alert_id: int, **values: object) -> None:
        await connection.execute(
            update(safeguarding_alerts).where(safeguarding_alerts.c.id == alert_id).values(**values)
        )


async def count_by_centre(
    connection: AsyncConnection, start: datetime, end: datetime
) -> dict[str, int]:
    """Safeguarding alerts raised in [start, end) per centre (the ministry's figures)."""
    rows = await connection.execute(
        select(safeguarding_alerts.c.centre, func.count().label("n"))
        .where(safeguarding_alerts.c.raised_at >= start, safeguarding_alerts.c.raised_at < end)
        .group_by(safeguarding_alerts.c.centre)
    )
    return {str(r.centre): int(r.n) for r in rows if r.centre is not None}


async def empty_handling_notes_before(engine: AsyncEngine, cutoff: datetime) -> int:
    """Retention: the handling notes of alerts raised before ``cutoff`` become "" (the alert,
    its stages and its count stay for the figures)."""
    async with engine.begin() as connection:
        emptied = await connection.execute(
            update(safeguarding_alerts)
            .where(
                safeguarding_alerts.c.raised_at < cutoff,
                safeguarding_alerts.c.handling_note != "",
            )
            .values(handling_note="")
        )
        return int(emptied.rowcount or 0)
