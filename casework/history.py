"""A request's row and its history, written inside the caller's transaction.

Every change of a request's status goes through ``change_status_in``: checked against the
lifecycle, recorded as a history row and announced by SMS in the same transaction, so the
desk's own use cases and the scheduler's (which import these functions) never half-store one.
A history note is free text about her: it is sealed to its row like the request's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.applicants import contact_in
from casework.errors import UnknownRequest
from casework.lifecycle import RequestStatus, check_change, sms_for
from casework.outbox import enqueue
from casework.pii import PiiCipher
from casework.sealed_rows import insert_sealed
from casework.sms import SmsKind
from casework.tables import HISTORY_NOTE, request_history, requests
from casework.tracking import format_tracking_number
from foundation.scope import CentreScope

NOTE_LIMIT = 500  # characters of a history note


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


async def load_request_in(
    connection: AsyncConnection, request_id: int, scope: CentreScope
) -> RequestRecord:
    """The request, if it belongs to a centre of ``scope``: another centre's request is as
    unknown as one that does not exist (no answer tells them apart)."""
    request = await load_request(connection, request_id)
    if not scope.covers(request.centre):
        raise UnknownRequest(str(request_id))
    return request


async def record_history(
    connection: AsyncConnection,
    request_id: int,
    before: RequestStatus | None,
    after: RequestStatus,
    actor: str,
    note: str,
    now: datetime,
    *,
    cipher: PiiCipher,
) -> None:
    """A history row; its note ("" for none) is sealed once the row has its id."""
    await insert_sealed(
        connection,
        cipher,
        request_history,
        {
            "request_id": request_id,
            "from_status": before.value if before else None,
            "to_status": after.value,
            "actor": actor,
            "at": now,
        },
        {HISTORY_NOTE: note[:NOTE_LIMIT]},
    )


async def note_in_history(
    connection: AsyncConnection,
    request_id: int,
    actor: str,
    note: str,
    now: datetime,
    *,
    cipher: PiiCipher,
) -> None:
    """A history row without a status change (a rescheduled appointment, for one)."""
    request = await load_request(connection, request_id)
    await record_history(
        connection, request_id, request.status, request.status, actor, note, now, cipher=cipher
    )


async def change_status_in(
    connection: AsyncConnection,
    request_id: int,
    wanted: RequestStatus,
    actor: str,
    now: datetime,
    note: str = "",
    *,
    cipher: PiiCipher,
    when: datetime | None = None,
    centre: str = "",
    sms_key: str | None = None,
    announce: bool = True,
    kind: SmsKind | None = None,
) -> None:
    """Change a request's status inside the caller's transaction: checked, recorded in the
    history, and announced by SMS (``sms_key`` makes the SMS unique per logical event;
    ``announce=False`` when the caller sends a more specific SMS itself; ``kind`` when the
    change's usual SMS is not the one: a request closed as not possible)."""
    request = await load_request(connection, request_id)
    check_change(request.status, wanted)
    await connection.execute(
        update(requests)
        .where(requests.c.id == request_id)
        .values(status=wanted.value, updated_at=now)
    )
    await record_history(
        connection, request_id, request.status, wanted, actor, note, now, cipher=cipher
    )
    if not announce:
        return
    applicant = await contact_in(connection, cipher, request.applicant_id)
    await enqueue(
        connection,
        cipher,
        key=sms_key or f"status:{request_id}:{wanted.value}:{int(now.timestamp() * 1000)}",
        kind=kind or sms_for(wanted),
        phone=applicant.phone,
        language=applicant.language,
        tracking=format_tracking_number(request.tracking_number),
        now=now,
        request_id=request_id,
        when=when,
        centre=centre,
        status=wanted.value,
    )


async def flag_contact_in(
    connection: AsyncConnection, request_id: int, actor: str, now: datetime, *, cipher: PiiCipher
) -> None:
    """A confirmation call reached a wrong number: the request is flagged for contact
    correction (on its page and in search) until her contact is updated."""
    await connection.execute(
        update(requests)
        .where(requests.c.id == request_id, requests.c.contact_check_since.is_(None))
        .values(contact_check_since=now)
    )
    await note_in_history(connection, request_id, actor, "wrong number", now, cipher=cipher)
