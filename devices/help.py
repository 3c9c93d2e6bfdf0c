"""Talking to the booth: what her help button says (a sound or picture problem, "I need a
coordinator", other) and the coordinators' answers (a short text or "on my way").

A booth's help raises (or joins) its open ``help`` alert and records the reason with the
alert and its audience room. An answer is given by a coordinator who serves the booth's
centre (another centre's alert answers ``unknown_alert``, as one that does not exist); its
text is sealed to its row by the ``Sealer`` the composition root builds on the personal-data
cipher (this package never sees a key), and emptied by retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from devices.errors import UnknownAlert
from devices.service import DeviceService
from devices.tables import alerts, help_messages
from foundation.scope import CentreScope

MAX_REPLY_CHARS = 200  # a short answer, read on the kiosk in one glance


class HelpReason(StrEnum):
    """What the booth's help button offers."""

    SOUND = "sound"
    PICTURE = "picture"
    COORDINATOR = "coordinator"
    SOMETHING_ELSE = "something_else"


class ReplyKind(StrEnum):
    TEXT = "text"
    ON_MY_WAY = "on_my_way"


class Sealer(Protocol):
    """Seals the one column of answers' texts bound to their row (``casework.pii``)."""

    def seal(self, value: str, row: int) -> str: ...


@dataclass(frozen=True)
class HelpAnswered:
    """Where an answer goes: the booth's device and its room (None: raised outside a room)."""

    alert_id: int
    device: str
    room: str | None
    kind: ReplyKind
    at: datetime


class HelpExchange:
    def __init__(self, engine: AsyncEngine, devices: DeviceService, sealer: Sealer) -> None:
        self._engine = engine
        self._devices = devices
        self._sealer = sealer

    async def ask(self, device: str, room: str | None, reason: HelpReason, now: datetime) -> int:
        """The id of the booth's open help alert (raised if none), with ``reason`` recorded."""
        alert_id = await self._devices.raise_alert(device, room, "help", now)
        async with self._engine.begin() as connection:
            await connection.execute(
                help_messages.insert().values(
                    alert_id=alert_id,
                    room=room,
                    sender="booth",
                    kind=reason.value,
                    author=device,
                    text="",
                    at=now,
                )
            )
        return alert_id

    async def answer(
        self,
        alert_id: int,
        kind: ReplyKind,
        text: str,
        author: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> HelpAnswered:
        """Record a coordinator's answer to an open help alert of her centres."""
        async with self._engine.begin() as connection:
            alert = (
                await connection.execute(
                    select(alerts.c.device, alerts.c.room).where(
                        alerts.c.id == alert_id,
                        alerts.c.kind == "help",
                        alerts.c.handled_at.is_(None),
                    )
                )
            ).first()
            if alert is None or not scope.covers_device(alert.device):  # none, or not hers
                raise UnknownAlert(str(alert_id))
            message_id = int(
                (
                    await connection.execute(
                        help_messages.insert()
                        .values(
                            alert_id=alert_id,
                            room=alert.room,
                            sender="desk",
                            kind=kind.value,
                            author=author[:64],
                            text="",
                            at=now,
                        )
                        .returning(help_messages.c.id)
                    )
                ).scalar_one()
            )
            if text:
                await connection.execute(
                    update(help_messages)
                    .where(help_messages.c.id == message_id)
                    .values(text=self._sealer.seal(text, message_id))
                )
        return HelpAnswered(alert_id, alert.device, alert.room, kind, now)


async def empty_help_texts_before(engine: AsyncEngine, cutoff: datetime) -> int:
    """Retention: answers' texts older than ``cutoff`` are emptied (their kinds stay)."""
    async with engine.begin() as connection:
        result = await connection.execute(
            update(help_messages)
            .where(help_messages.c.at < cutoff, help_messages.c.text != "")
            .values(text="")
        )
    return int(result.rowcount or 0)
