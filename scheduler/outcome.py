"""The office's outcome of an audience, one use case in one transaction: the finished room's
outcome is taken into the appointment (as the clock would), then the office's decision is
written on the request — closed, referred to a department, or a follow-up note.

If the audience has not ended (``heard``), nothing of the office's is written; an outcome the
room did come to (a no-show, an abort) is still kept, as the clock would keep it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.commands import CaseworkCommands
from casework.lifecycle import RequestStatus
from casework.pii import PiiCipher
from foundation.scope import CentreScope
from scheduler.appointment_rooms import RoomPort
from scheduler.appointments import load_appointment_in
from scheduler.clock import settle_in
from scheduler.errors import AudienceNotHeld, AudienceNotOver
from scheduler.status import AppointmentStatus

REFERRAL_DUE = timedelta(days=14)


class OfficeOutcome(StrEnum):
    RESOLVED = "resolved"  # the request is closed
    REFERRED = "referred"  # to a department, which has REFERRAL_DUE to reply
    FOLLOW_UP = "follow_up"  # a note in the request's history, the status unchanged


@dataclass(frozen=True)
class OutcomeRecorded:
    appointment_id: int
    request_id: int
    outcome: OfficeOutcome


class AudienceOutcomes:
    def __init__(
        self, engine: AsyncEngine, rooms: RoomPort, desk: CaseworkCommands, cipher: PiiCipher
    ) -> None:
        self._engine = engine
        self._rooms = rooms
        self._desk = desk
        self._cipher = cipher  # the clock's outcome writes a sealed history note

    async def record_outcome(
        self,
        appointment_id: int,
        outcome: OfficeOutcome,
        department: str | None,
        note: str,
        actor: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> OutcomeRecorded:
        async with self._engine.begin() as connection:
            await load_appointment_in(connection, appointment_id, scope)
            appointment = await settle_in(
                connection, self._rooms, appointment_id, now, cipher=self._cipher
            )
            if appointment.status is AppointmentStatus.HEARD:
                await self._decide(
                    connection, appointment.request_id, outcome, department, note, actor, now
                )
        # Raised after the commit (a no-show or an abort the room came to is kept).
        if appointment.status in (AppointmentStatus.NO_SHOW, AppointmentStatus.ABORTED):
            raise AudienceNotHeld(f"the audience was not held: {appointment.status.value}")
        if appointment.status is not AppointmentStatus.HEARD:
            raise AudienceNotOver("the audience has not ended yet")
        return OutcomeRecorded(appointment_id, appointment.request_id, outcome)

    async def _decide(
        self,
        connection: AsyncConnection,
        request_id: int,
        outcome: OfficeOutcome,
        department: str | None,
        note: str,
        actor: str,
        now: datetime,
    ) -> None:
        if outcome is OfficeOutcome.RESOLVED:
            await self._desk.change_status_in(
                connection, request_id, RequestStatus.CLOSED, actor, now, note
            )
        elif outcome is OfficeOutcome.REFERRED:
            due = (now + REFERRAL_DUE).date()
            await self._desk.refer_in(connection, request_id, department, due, note, actor, now)
        else:
            await self._desk.note_in(connection, request_id, actor, f"follow_up: {note}"[:500], now)
