"""A request to its end after the audience: closed as resolved or as not possible (with the
reason), and the referrals whose department has not answered by the due date — listed for
the desk, and raised once a day as a notice to the coordinators of the request's centre.

A day is the centres' local day (Asia/Riyadh): a referral due on the 3rd is overdue from the
4th. The notice's unique (kind, subject, day) makes the reminder once a day however often the
job runs, and however many processes run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.errors import ReasonRequired
from casework.history import change_status_in, load_request_in
from casework.lifecycle import RequestStatus
from casework.pii import PiiCipher
from casework.sms import RIYADH, SmsKind
from casework.tables import desk_notices, referrals, requests
from casework.tracking import format_tracking_number
from foundation.scope import EVERY_CENTRE, CentreScope

OVERDUE_REFERRAL = "referral_overdue"  # the kind of a desk notice


class Closing(StrEnum):
    RESOLVED = "resolved"
    NOT_POSSIBLE = "not_possible"


SMS_OF_CLOSING = {
    Closing.RESOLVED: SmsKind.CLOSED,
    Closing.NOT_POSSIBLE: SmsKind.CLOSED_NOT_POSSIBLE,
}
REASON_LIMIT = 500


@dataclass(frozen=True)
class OverdueReferral:
    referral: int
    request: int
    tracking_number: str  # formatted for people
    centre: str
    department: str
    due_on: date
    days_late: int


@dataclass(frozen=True)
class DeskNotice:
    id: int
    kind: str
    centre: str
    subject: str  # "referral:<id>"
    day: date
    raised_at: datetime


def local_day(now: datetime) -> date:
    return now.astimezone(RIYADH).date()


class FollowUp:
    def __init__(self, engine: AsyncEngine, cipher: PiiCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    async def close(
        self,
        request_id: int,
        closing: Closing,
        reason: str,
        actor: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> None:
        """Close the request; "not possible" needs its reason (kept, sealed, in the history)
        and sends its own SMS."""
        reason = " ".join(reason.split())[:REASON_LIMIT]
        if closing is Closing.NOT_POSSIBLE and not reason:
            raise ReasonRequired("a request closed as not possible says why")
        note = f"{closing.value}: {reason}" if reason else closing.value
        async with self._engine.begin() as connection:
            await load_request_in(connection, request_id, scope)
            await change_status_in(
                connection,
                request_id,
                RequestStatus.CLOSED,
                actor,
                now,
                note,
                cipher=self._cipher,
                kind=SMS_OF_CLOSING[closing],
            )

    async def overdue(self, now: datetime, *, scope: CentreScope) -> list[OverdueReferral]:
        """Referrals of ``scope``'s centres past their due date with no reply, oldest first,
        while the request waits on them (a closed request's referral is no longer chased)."""
        today = local_day(now)
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(
                    referrals.c.id,
                    referrals.c.request_id,
                    referrals.c.department,
                    referrals.c.due_on,
                    requests.c.tracking_number,
                    requests.c.centre,
                )
                .join(requests, requests.c.id == referrals.c.request_id)
                .where(
                    referrals.c.replied_at.is_(None),
                    referrals.c.due_on < today,
                    requests.c.status == RequestStatus.REFERRED.value,
                    scope.where(requests.c.centre),
                )
                .order_by(referrals.c.due_on, referrals.c.id)
            )
            return [
                OverdueReferral(
                    referral=r.id,
                    request=r.request_id,
                    tracking_number=format_tracking_number(r.tracking_number),
                    centre=r.centre,
                    department=r.department,
                    due_on=r.due_on,
                    days_late=(today - r.due_on).days,
                )
                for r in rows
            ]

    async def remind_overdue(self, now: datetime) -> int:
        """The daily reminder (a periodic job): one notice per overdue referral and day, for
        its centre's coordinators; the number raised now."""
        today, raised = local_day(now), 0
        for late in await self.overdue(now, scope=EVERY_CENTRE):
            try:
                async with self._engine.begin() as connection:
                    await connection.execute(
                        insert(desk_notices).values(
                            centre=late.centre,
                            kind=OVERDUE_REFERRAL,
                            subject=f"referral:{late.referral}",
                            day=today,
                            raised_at=now,
                        )
                    )
                raised += 1
            except IntegrityError:
                continue  # already reminded today
        return raised

    async def notices_today(self, now: datetime, *, scope: CentreScope) -> list[DeskNotice]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(desk_notices)
                .where(desk_notices.c.day == local_day(now), scope.where(desk_notices.c.centre))
                .order_by(desk_notices.c.id)
            )
            return [DeskNotice(r.id, r.kind, r.centre, r.subject, r.day, r.raised_at) for r in rows]
