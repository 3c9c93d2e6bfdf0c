"""Read models of the desk's screens: search, a request's page, the booth's greeting, the
office's pre-brief. Each is a frozen dataclass whose field names are the JSON the web client
reads (``docs/API.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from casework.errors import CaseworkError, InvalidTrackingNumber, UnknownRequest
from casework.history import load_request_in
from casework.identity import normalise_saudi_mobile
from casework.lifecycle import RequestStatus
from casework.pii import PiiCipher
from casework.tables import (
    APPLICANT_NAME,
    HISTORY_NOTE,
    REFERRAL_NOTE,
    REFERRAL_REPLY,
    REQUEST_TEXT,
    applicants,
    outbox,
    referrals,
    request_history,
    request_versions,
    requests,
)
from casework.tracking import format_tracking_number, parse_tracking_number
from foundation.scope import CentreScope


@dataclass(frozen=True)
class FoundRequest:
    id: int
    tracking_number: str  # formatted for people
    status: RequestStatus
    category: str
    centre: str
    contact_check: bool  # a confirmation call reached a wrong number; not yet corrected


@dataclass(frozen=True)
class TextVersion:
    version: int
    text: str
    author: str


# A TypedDict, not a dataclass: the client reads ``from``, which is a Python keyword.
HistoryStep = TypedDict(
    "HistoryStep",
    {"from": str | None, "to": str, "actor": str, "note": str, "at": datetime},
)


@dataclass(frozen=True)
class SentSms:
    kind: str
    status: str
    segments: int


@dataclass(frozen=True)
class ReferralState:
    id: int
    department: str
    due_on: date
    note: str
    reply: str | None
    replied_at: datetime | None


@dataclass(frozen=True)
class RequestDetails:
    id: int
    tracking_number: str  # as stored (ten digits)
    status: RequestStatus
    centre: str
    category: str
    versions: tuple[TextVersion, ...]
    history: tuple[HistoryStep, ...]
    sms: tuple[SentSms, ...]
    referrals: tuple[ReferralState, ...]
    contact_check: bool  # a confirmation call reached a wrong number; not yet corrected


@dataclass(frozen=True)
class Greeting:
    first_name: str
    text: str
    tracking_number: str


@dataclass(frozen=True)
class EarlierRequest:
    tracking_number: str
    status: RequestStatus
    category: str
    registered_on: date


@dataclass(frozen=True)
class Brief:
    request: int
    tracking_number: str
    category: str
    centre: str
    status: RequestStatus
    text: str
    earlier: tuple[EarlierRequest, ...]
    initial: str = ""  # her name's first letter: the office's voice-only placeholder shows it


def _step(before: str | None, after: str, actor: str, note: str, at: datetime) -> HistoryStep:
    return {"from": before, "to": after, "actor": actor, "note": note, "at": at}


class CaseworkViews:
    """The desk's reads, next to each other; the same engine and cipher as the commands."""

    def __init__(self, engine: AsyncEngine, cipher: PiiCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    async def search(self, query: str, *, scope: CentreScope) -> list[FoundRequest]:
        """Requests of ``scope``'s centres by tracking number (exact) or by the applicant's
        phone (blind index)."""
        try:
            condition = requests.c.tracking_number == parse_tracking_number(query)
        except InvalidTrackingNumber:
            try:
                phone = normalise_saudi_mobile(query)
            except CaseworkError:
                return []
            condition = applicants.c.phone_index == self._cipher.blind_index(phone, "phone")
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(
                    requests.c.id,
                    requests.c.tracking_number,
                    requests.c.status,
                    requests.c.category,
                    requests.c.centre,
                    requests.c.contact_check_since,
                )
                .join(applicants, applicants.c.id == requests.c.applicant_id)
                .where(condition, scope.where(requests.c.centre))
                .order_by(requests.c.id.desc())
                .limit(50)
            )
            return [
                FoundRequest(
                    id=r.id,
                    tracking_number=format_tracking_number(r.tracking_number),
                    status=RequestStatus(r.status),
                    category=r.category,
                    centre=r.centre,
                    contact_check=r.contact_check_since is not None,
                )
                for r in rows
            ]

    async def details(self, request_id: int, *, scope: CentreScope) -> RequestDetails:
        """A request's page: its wordings, its history and the SMS it sent."""
        async with self._engine.connect() as connection:
            request = await load_request_in(connection, request_id, scope)
            versions = await connection.execute(
                select(request_versions)
                .where(request_versions.c.request_id == request_id)
                .order_by(request_versions.c.version)
            )
            text_versions = tuple(
                TextVersion(
                    v.version,
                    self._cipher.unseal(v.text_ct, REQUEST_TEXT, (request_id, v.version)),
                    v.author,
                )
                for v in versions
            )
            history = await connection.execute(
                select(request_history)
                .where(request_history.c.request_id == request_id)
                .order_by(request_history.c.id)
            )
            steps = tuple(
                _step(
                    h.from_status,
                    h.to_status,
                    h.actor,
                    self._cipher.unseal(h.note, HISTORY_NOTE, h.id),
                    h.at,
                )
                for h in history
            )
            sms = await connection.execute(
                select(outbox.c.kind, outbox.c.status, outbox.c.segments)
                .where(outbox.c.request_id == request_id)
                .order_by(outbox.c.id)
            )
            sent = tuple(SentSms(s.kind, s.status, s.segments) for s in sms)
            referred = await connection.execute(
                select(referrals)
                .where(referrals.c.request_id == request_id)
                .order_by(referrals.c.id)
            )
            referral_states = tuple(
                ReferralState(
                    id=r.id,
                    department=r.department,
                    due_on=r.due_on,
                    note=self._cipher.unseal(r.note, REFERRAL_NOTE, r.id),
                    reply=None
                    if r.reply is None
                    else self._cipher.unseal(r.reply, REFERRAL_REPLY, r.id),
                    replied_at=r.replied_at,
                )
                for r in referred
            )
            flagged = (
                await connection.execute(
                    select(requests.c.contact_check_since).where(requests.c.id == request_id)
                )
            ).scalar_one()
        return RequestDetails(
            id=request.id,
            tracking_number=request.tracking_number,
            status=request.status,
            centre=request.centre,
            category=request.category,
            versions=text_versions,
            history=steps,
            sms=sent,
            referrals=referral_states,
            contact_check=flagged is not None,
        )

    async def greeting(self, request_id: int) -> Greeting:
        """What the booth shows the seated applicant: her first name, her request's current
        wording and its tracking number (polled every few seconds: one small read)."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(applicants.c.id, applicants.c.full_name_ct, requests.c.tracking_number)
                    .join(requests, requests.c.applicant_id == applicants.c.id)
                    .where(requests.c.id == request_id)
                )
            ).first()
        if row is None:
            raise UnknownRequest(str(request_id))
        name = self._cipher.unseal(row.full_name_ct, APPLICANT_NAME, row.id)
        return Greeting(
            first_name=name.split()[0] if name else "",
            text=await self.latest_text(request_id),
            tracking_number=format_tracking_number(row.tracking_number),
        )

    async def latest_text(self, request_id: int) -> str:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(request_versions.c.version, request_versions.c.text_ct)
                    .where(request_versions.c.request_id == request_id)
                    .order_by(request_versions.c.version.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            raise UnknownRequest(str(request_id))
        return self._cipher.unseal(row.text_ct, REQUEST_TEXT, (request_id, row.version))

    async def brief(self, request_id: int, *, scope: CentreScope) -> Brief:
        """The office's pre-brief: this request's wording and the applicant's earlier ones."""
        async with self._engine.connect() as connection:
            request = await load_request_in(connection, request_id, scope)
            earlier = await connection.execute(
                select(
                    requests.c.tracking_number,
                    requests.c.status,
                    requests.c.category,
                    requests.c.created_at,
                )
                .where(requests.c.applicant_id == request.applicant_id, requests.c.id != request_id)
                .order_by(requests.c.id.desc())
                .limit(20)
            )
            before = tuple(
                EarlierRequest(
                    tracking_number=format_tracking_number(e.tracking_number),
                    status=RequestStatus(e.status),
                    category=e.category,
                    registered_on=e.created_at.date(),
                )
                for e in earlier
            )
        initial = (await self.greeting(request_id)).first_name[:1]
        return Brief(
            request=request_id,
            tracking_number=format_tracking_number(request.tracking_number),
            category=request.category,
            centre=request.centre,
            status=request.status,
            text=await self.latest_text(request_id),
            earlier=before,
            initial=initial,
        )
