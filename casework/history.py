"""A request's row and its history, written inside the caller's transaction.

Every change of a request's status goes through ``change_status_in``: checked against the
lifecycle, recorded as a history row and announced by SMS in the same transaction, so the
desk's own use cases and the scheduler's (which import these functions) never half-store one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.errors import UnknownRequest
from casework.lifecycle import RequestStatus, check_change, sms_for
from casework.outbox import enqueue
from casework.tables import applicants, request_history, requests
from casework.tracking import format_tracking_number


@dataclass(frozen=True)
class RequestRecord:
    """One request's row (its text and the applicant's data live elsewhere, encrypted)."""

    id: int
    applicant_id: int
    tracking_number: str
    status: RequestStatus
    centre: str
    category: str


async def load_request(connection: AsyncConnection, request_id: int) -> RequestRecord:
    row = (await connection.execute(select(requests).where(requests.c.id == request_id))).first()
    if row is None:
        raise UnknownRequest(str(request_id))
    return RequestRecord(
        id=row.id,
        applicant_id=row.applicant_id,
        tracking_number=row.tracking_number,
        status=RequestStatus(row.status),
        centre=row.centre,
        category=row.category,
    )


async def record_history(
    connection: AsyncConnection,
    request_id: int,
    before: RequestStatus | None,
    after: RequestStatus,
    actor: str,
    note: str,
    now: datetime,
) -> None:
    await connection.execute(
        insert(request_history).values(
            request_id=request_id,
            from_status=before.value if before else None,
            to_status=after.value,
            actor=actor,
            note=note[:500],
            at=now,
        )
    )


async def note_in_history(
    connection: AsyncConnection, request_id: int, actor: str, note: str, now: datetime
) -> None:
    """A history row without a status change (a rescheduled appointment, for one)."""
    request = await load_request(connection, request_id)
    await record_history(connection, request_id, request.status, request.status, actor, note, now)


async def change_status_in(
    connection: AsyncConnection,
    request_id: int,
    wanted: RequestStatus,
    actor: str,
    now: datetime,
    note: str = "",
    when: datetime | None = None,
    centre: str = "",
    sms_key: str | None = None,
    announce: bool = True,
) -> None:
    """Change a request's status inside the caller's transaction: checked, recorded in the
    history, and announced by SMS (``sms_key`` makes the SMS unique per logical event;
    ``announce=False`` when the caller sends a more specific SMS itself)."""
    request = await load_request(connection, request_id)
    check_change(request.status, wanted)
    await connection.execute(
        update(requests)
        .where(requests.c.id == request_id)
        .values(status=wanted.value, updated_at=now)
    )
    await record_history(connection, request_id, request.status, wanted, actor, note, now)
    if not announce:
        return
    applicant = (
        await connection.execute(
            select(applicants.c.phone_ct, applicants.c.language).where(
                applicants.c.id == request.applicant_id
            )
        )
    ).one()
    await enqueue(
        connection,
        key=sms_key or f"status:{request_id}:{wanted.value}:{int(now.timestamp() * 1000)}",
        kind=sms_for(wanted),
        phone_ct=applicant.phone_ct,
        language=applicant.language,
        tracking=format_tracking_number(request.tracking_number),
        now=now,
        request_id=request_id,
        when=when,
        centre=centre,
        status=wanted.value,
    )
