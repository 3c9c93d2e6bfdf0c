"""The coordination desk's use cases, each one transaction: validate everything first, then
write the change, its history row and its SMS together (nothing half-stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from desk.errors import DeskError, InvalidTrackingNumber, TooManyLookups, UnknownRequest
from desk.identity import ascii_digits, normalise_national_id, normalise_saudi_mobile
from desk.lifecycle import RequestStatus, check_change, sms_for
from desk.outbox import enqueue
from desk.pii import PiiCipher
from desk.sms import SmsKind
from desk.tables import applicants, outbox, referrals, request_history, request_versions, requests
from desk.tracking import TrackingNumbers, format_tracking_number, parse_tracking_number
from limits import SlidingWindow


class InvalidRequestText(DeskError):
    code = "invalid_request_text"
    message_key = "errors.desk.invalid_request_text"


class InvalidName(DeskError):
    code = "invalid_name"
    message_key = "errors.desk.invalid_name"


class UnknownDepartment(DeskError):
    code = "unknown_department"
    message_key = "errors.desk.unknown_department"


@dataclass(frozen=True)
class Registration:
    full_name: str
    national_id: str
    phone: str
    language: str
    centre: str
    category: str
    text: str


@dataclass(frozen=True)
class Registered:
    request_id: int
    tracking_number: str


class LookupLimiter:
    """At most ``limit`` status lookups per client in ``window_s`` (sliding window)."""

    def __init__(self, limit: int = 5, window_s: float = 60.0) -> None:
        self._window = SlidingWindow(limit, window_s)

    def check(self, client: str) -> None:
        if not self._window.allow(client):
            raise TooManyLookups("try again in a minute")


class DeskService:
    def __init__(
        self,
        engine: AsyncEngine,
        tracking: TrackingNumbers,
        limiter: LookupLimiter,
        cipher: PiiCipher,
        departments: frozenset[str] = frozenset(),
    ) -> None:
        self._cipher = cipher
        self._departments = departments
        self._engine = engine
        self._tracking = tracking
        self._limiter = limiter

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def register(self, form: Registration, actor: str, now: datetime) -> Registered:
        national_id = normalise_national_id(form.national_id)
        phone = normalise_saudi_mobile(form.phone)
        name = " ".join(form.full_name.split())
        if not 3 <= len(name) <= 200:
            raise InvalidName("a full name of 3 to 200 characters")
        text = form.text.strip()
        if not 1 <= len(text) <= 5000:
            raise InvalidRequestText("the request needs 1 to 5,000 characters")
        language = "en" if form.language == "en" else "ar"
        cipher = self._cipher
        async with self._engine.begin() as connection:
            applicant_id, phone_ct = await self._applicant(
                connection, name, national_id, phone, language, now
            )
            request_id = (
                await connection.execute(
                    insert(requests)
                    .values(
                        applicant_id=applicant_id,
                        centre=form.centre[:32],
                        category=form.category[:64],
                        status=RequestStatus.REGISTERED.value,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(requests.c.id)
                )
            ).scalar_one()
            tracking = self._tracking.for_sequence(request_id)
            await connection.execute(
                update(requests).where(requests.c.id == request_id).values(tracking_number=tracking)
            )
            await connection.execute(
                insert(request_versions).values(
                    request_id=request_id,
                    version=1,
                    text_ct=cipher.encrypt(text, "request_text"),
                    author=actor,
                    created_at=now,
                )
            )
            await _history(connection, request_id, None, RequestStatus.REGISTERED, actor, "", now)
            await enqueue(
                connection,
                key=f"registered:{request_id}",
                kind=SmsKind.REGISTERED,
                phone_ct=phone_ct,
                language=language,
                tracking=format_tracking_number(tracking),
                now=now,
                request_id=request_id,
            )
        return Registered(request_id, tracking)

    async def _applicant(
        self,
        connection: AsyncConnection,
        name: str,
        national_id: str,
        phone: str,
        language: str,
        now: datetime,
    ) -> tuple[int, str]:
        """The applicant's row id (found by blind index, or new) and her encrypted phone."""
        cipher = self._cipher
        values = {
            "full_name_ct": cipher.encrypt(name, "full_name"),
            "phone_ct": cipher.encrypt(phone, "phone"),
            "phone_index": cipher.blind_index(phone, "phone"),
            "language": language,
        }
        id_index = cipher.blind_index(national_id, "national_id")
        existing = (
            await connection.execute(
                select(applicants.c.id).where(applicants.c.national_id_index == id_index)
            )
        ).scalar_one_or_none()
        if existing is not None:
            await connection.execute(
                update(applicants).where(applicants.c.id == existing).values(**values)
            )
            return int(existing), values["phone_ct"]
        applicant_id = (
            await connection.execute(
                insert(applicants)
                .values(
                    national_id_ct=cipher.encrypt(national_id, "national_id"),
                    national_id_index=id_index,
                    created_at=now,
                    **values,
                )
                .returning(applicants.c.id)
            )
        ).scalar_one()
        return int(applicant_id), values["phone_ct"]

    async def change_status(
        self,
        request_id: int,
        wanted: RequestStatus,
        actor: str,
        now: datetime,
        note: str = "",
    ) -> None:
        async with self._engine.begin() as connection:
            await change_status_in(connection, request_id, wanted, actor, now, note)

    async def note(self, request_id: int, actor: str, note: str, now: datetime) -> None:
        """A history row without a status change (the office's follow-up note, for one)."""
        async with self._engine.begin() as connection:
            await note_in_history(connection, request_id, actor, note, now)

    async def amend_text(self, request_id: int, text: str, author: str, now: datetime) -> int:
        cleaned = text.strip()
        if not 1 <= len(cleaned) <= 5000:
            raise InvalidRequestText("the request needs 1 to 5,000 characters")
        async with self._engine.begin() as connection:
            await _request(connection, request_id)
            version = (
                await connection.execute(
                    select(func.max(request_versions.c.version)).where(
                        request_versions.c.request_id == request_id
                    )
                )
            ).scalar_one()
            await connection.execute(
                insert(request_versions).values(
                    request_id=request_id,
                    version=int(version) + 1,
                    text_ct=self._cipher.encrypt(cleaned, "request_text"),
                    author=author,
                    created_at=now,
                )
            )
            return int(version) + 1

    async def refer(
        self, request_id: int, department: str, due_on: date, note: str, actor: str, now: datetime
    ) -> int:
        if department not in self._departments:
            raise UnknownDepartment(department[:64])
        async with self._engine.begin() as connection:
            await change_status_in(connection, request_id, RequestStatus.REFERRED, actor, now)
            referral_id = (
                await connection.execute(
                    insert(referrals)
                    .values(
                        request_id=request_id,
                        department=department[:64],
                        due_on=due_on,
                        note=note[:1000],
                        created_at=now,
                    )
                    .returning(referrals.c.id)
                )
            ).scalar_one()
            return int(referral_id)

    async def record_reply(self, referral_id: int, reply: str, actor: str, now: datetime) -> None:
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(select(referrals).where(referrals.c.id == referral_id))
            ).first()
            if row is None:
                raise UnknownRequest(f"referral {referral_id}")
            await connection.execute(
                update(referrals)
                .where(referrals.c.id == referral_id)
                .values(reply=reply[:5000], replied_at=now)
            )
            await change_status_in(
                connection, row.request_id, RequestStatus.DEPARTMENT_REPLIED, actor, now
            )

    async def lookup(self, tracking_text: str, phone_last_four: str, client: str) -> str:
        """The request's status for the applicant: tracking number + last four digits of her
        phone. Nothing else is revealed; a wrong pair looks exactly like an unknown number."""
        self._limiter.check(client)
        tracking = parse_tracking_number(tracking_text)
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(requests.c.status, applicants.c.phone_ct)
                    .join(applicants, applicants.c.id == requests.c.applicant_id)
                    .where(requests.c.tracking_number == tracking)
                )
            ).first()
        wanted = ascii_digits(phone_last_four.strip())[-4:]
        if row is None or self._cipher.decrypt(row.phone_ct, "phone")[-4:] != wanted:
            raise InvalidTrackingNumber("no request matches")
        return str(row.status)

    async def details(self, request_id: int) -> dict[str, Any]:
        async with self._engine.connect() as connection:
            row = await _request(connection, request_id)
            versions = (
                await connection.execute(
                    select(request_versions)
                    .where(request_versions.c.request_id == request_id)
                    .order_by(request_versions.c.version)
                )
            ).all()
            history = (
                await connection.execute(
                    select(request_history)
                    .where(request_history.c.request_id == request_id)
                    .order_by(request_history.c.id)
                )
            ).all()
            sms = (
                await connection.execute(
                    select(outbox.c.kind, outbox.c.status, outbox.c.created_at, outbox.c.segments)
                    .where(outbox.c.request_id == request_id)
                    .order_by(outbox.c.id)
                )
            ).all()
        return {
            "id": row.id,
            "tracking_number": row.tracking_number,
            "status": row.status,
            "centre": row.centre,
            "category": row.category,
            "versions": [
                {
                    "version": v.version,
                    "text": self._cipher.decrypt(v.text_ct, "request_text"),
                    "author": v.author,
                }
                for v in versions
            ],
            "history": [
                {
                    "from": h.from_status,
                    "to": h.to_status,
                    "actor": h.actor,
                    "note": h.note,
                    "at": h.at.isoformat(),
                }
                for h in history
            ],
            "sms": [{"kind": s.kind, "status": s.status, "segments": s.segments} for s in sms],
        }


async def _request(connection: AsyncConnection, request_id: int) -> Any:
    row = (await connection.execute(select(requests).where(requests.c.id == request_id))).first()
    if row is None:
        raise UnknownRequest(str(request_id))
    return row


async def note_in_history(
    connection: AsyncConnection, request_id: int, actor: str, note: str, now: datetime
) -> None:
    """A history row without a status change (a rescheduled appointment, for one)."""
    row = await _request(connection, request_id)
    status = RequestStatus(row.status)
    await _history(connection, request_id, status, status, actor, note, now)


async def _history(
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
    row = await _request(connection, request_id)
    current = RequestStatus(row.status)
    check_change(current, wanted)
    await connection.execute(
        update(requests)
        .where(requests.c.id == request_id)
        .values(status=wanted.value, updated_at=now)
    )
    await _history(connection, request_id, current, wanted, actor, note, now)
    if not announce:
        return
    applicant = (
        await connection.execute(select(applicants).where(applicants.c.id == row.applicant_id))
    ).one()
    kind = sms_for(wanted)
    await enqueue(
        connection,
        key=sms_key or f"status:{request_id}:{wanted.value}:{int(now.timestamp() * 1000)}",
        kind=kind,
        phone_ct=applicant.phone_ct,
        language=applicant.language,
        tracking=format_tracking_number(row.tracking_number),
        now=now,
        request_id=request_id,
        when=when,
        centre=centre,
        status=wanted.value,
    )


__all__ = [
    "DeskService",
    "LookupLimiter",
    "Registered",
    "Registration",
    "change_status_in",
    "note_in_history",
]


class DeskViews:
    """Read models of the desk's screens: search, the booth's greeting, the office's brief.

    Separate from ``DeskService`` so each screen's reads stay next to each other; the same
    engine and cipher."""

    def __init__(self, engine: AsyncEngine, cipher: PiiCipher) -> None:
        self._engine = engine
        self._cipher = cipher

    async def search(self, query: str) -> list[dict[str, Any]]:
        """Requests by tracking number (exact) or by the applicant's phone (blind index)."""
        try:
            condition = requests.c.tracking_number == parse_tracking_number(query)
        except InvalidTrackingNumber:
            try:
                phone = normalise_saudi_mobile(query)
            except DeskError:
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
                    requests.c.created_at,
                )
                .join(applicants, applicants.c.id == requests.c.applicant_id)
                .where(condition)
                .order_by(requests.c.id.desc())
                .limit(50)
            )
            return [
                {
                    "id": r.id,
                    "tracking_number": format_tracking_number(r.tracking_number),
                    "status": r.status,
                    "category": r.category,
                    "centre": r.centre,
                }
                for r in rows
            ]

    async def greeting(self, request_id: int) -> dict[str, str]:
        """What the booth shows the seated applicant: her first name, her request's current
        wording and its tracking number (polled every few seconds: one small read)."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(applicants.c.full_name_ct, requests.c.tracking_number)
                    .join(requests, requests.c.applicant_id == applicants.c.id)
                    .where(requests.c.id == request_id)
                )
            ).first()
        if row is None:
            raise UnknownRequest(str(request_id))
        name = self._cipher.decrypt(row.full_name_ct, "full_name")
        return {
            "first_name": name.split()[0] if name else "",
            "text": await self.latest_text(request_id),
            "tracking_number": format_tracking_number(row.tracking_number),
        }

    async def latest_text(self, request_id: int) -> str:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(request_versions.c.text_ct)
                    .where(request_versions.c.request_id == request_id)
                    .order_by(request_versions.c.version.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            raise UnknownRequest(str(request_id))
        return self._cipher.decrypt(row.text_ct, "request_text")

    async def brief(self, request_id: int) -> dict[str, Any]:
        """The office's pre-brief: this request's wording and the applicant's earlier ones."""
        async with self._engine.connect() as connection:
            row = await _request(connection, request_id)
            earlier = await connection.execute(
                select(
                    requests.c.tracking_number,
                    requests.c.status,
                    requests.c.category,
                    requests.c.created_at,
                )
                .where(requests.c.applicant_id == row.applicant_id, requests.c.id != request_id)
                .order_by(requests.c.id.desc())
                .limit(20)
            )
            history = [
                {
                    "tracking_number": format_tracking_number(e.tracking_number),
                    "status": e.status,
                    "category": e.category,
                    "registered_on": e.created_at.date().isoformat(),
                }
                for e in earlier
            ]
        return {
            "request": request_id,
            "tracking_number": format_tracking_number(row.tracking_number),
            "category": row.category,
            "centre": row.centre,
            "status": row.status,
            "text": await self.latest_text(request_id),
            "earlier": history,
        }
