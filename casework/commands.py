"""The coordination desk's use cases, each one transaction: validate everything first, then
write the change, its history row and its SMS together (nothing half-stored).

The ``*_in`` methods take the caller's connection, so a use case of another package (the
office's outcome, in the scheduler) writes the desk's change inside its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.applicants import (
    Contact,
    applicant_for_registration,
    change_contact_in,
    contact_in,
    require_every_centre_of,
)
from casework.errors import (
    CentreNotServed,
    InvalidName,
    InvalidRequestText,
    InvalidTrackingNumber,
    TooManyLookups,
    UnknownRequest,
)
from casework.history import change_status_in, load_request_in, note_in_history, record_history
from casework.identity import ascii_digits, normalise_national_id, normalise_saudi_mobile
from casework.lifecycle import RequestStatus
from casework.outbox import enqueue
from casework.pii import PiiCipher
from casework.sealed_rows import insert_sealed
from casework.sms import SmsKind
from casework.tables import (
    APPLICANT_PHONE,
    REFERRAL_NOTE,
    REFERRAL_REPLY,
    REQUEST_TEXT,
    applicants,
    referrals,
    request_versions,
    requests,
)
from casework.tracking import TrackingNumbers, format_tracking_number, parse_tracking_number
from foundation.scope import CentreScope
from limits import SlidingWindow
from reference.checks import require_category_in, require_centre_in, require_department_in
from reference.errors import UnknownDepartment

TEXT_LIMIT = 5000


@dataclass(frozen=True)
class StatusLookup:
    """All the public status page learns of a request: its status and since when."""

    status: RequestStatus
    since: datetime


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


@dataclass(frozen=True)
class ContactChange:
    """What a coordinator changes of an applicant's contact; ``None`` keeps the stored value."""

    full_name: str | None = None
    phone: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ContactUpdated:
    applicant_id: int
    changed: tuple[str, ...]  # field names only: "full_name", "phone", "language"


class StatusLookupLimiter:
    """The tracking number and four digits of a phone cannot be guessed by trying: at most
    ``limit`` status lookups per client in ``window_s``, and at most ``failures_per_number``
    wrong answers for one tracking number in ``number_window_s`` from anywhere (10,000
    last-four combinations spread over many addresses)."""

    def __init__(
        self,
        limit: int = 5,
        window_s: float = 60.0,
        failures_per_number: int = 10,
        number_window_s: float = 3600.0,
    ) -> None:
        self._window = SlidingWindow(limit, window_s)
        self._failures = SlidingWindow(failures_per_number, number_window_s)

    def check_client(self, client: str) -> None:
        if not self._window.allow(client):
            raise TooManyLookups("try again in a minute")

    def check_number(self, tracking_number: str) -> None:
        if not self._failures.has_room(tracking_number):
            raise TooManyLookups("too many wrong answers for this number; try again later")

    def failed(self, tracking_number: str) -> None:
        self._failures.allow(tracking_number)


class CaseworkCommands:
    def __init__(
        self,
        engine: AsyncEngine,
        tracking: TrackingNumbers,
        limiter: StatusLookupLimiter,
        cipher: PiiCipher,
    ) -> None:
        self._cipher = cipher
        self._engine = engine
        self._tracking = tracking
        self._limiter = limiter

    async def register(
        self, form: Registration, actor: str, now: datetime, *, scope: CentreScope
    ) -> Registered:
        if not scope.covers(form.centre):
            raise CentreNotServed(form.centre[:32])
        national_id = normalise_national_id(form.national_id)
        submitted = Contact(
            full_name=_checked_name(form.full_name),
            phone=normalise_saudi_mobile(form.phone),
            language=_language(form.language),
        )
        text = _checked_text(form.text)
        async with self._engine.begin() as connection:
            await require_centre_in(connection, form.centre)
            await require_category_in(connection, form.category)
            applicant_id, contact = await applicant_for_registration(
                connection, self._cipher, national_id, submitted, now, scope
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
            await self._add_version(connection, request_id, 1, text, actor, now)
            await record_history(
                connection,
                request_id,
                None,
                RequestStatus.REGISTERED,
                actor,
                "",
                now,
                cipher=self._cipher,
            )
            await enqueue(
                connection,
                self._cipher,
                key=f"registered:{request_id}",
                kind=SmsKind.REGISTERED,
                phone=contact.phone,
                language=contact.language,
                tracking=format_tracking_number(tracking),
                now=now,
                request_id=request_id,
            )
        return Registered(request_id, tracking)

    async def update_contact(
        self,
        request_id: int,
        change: ContactChange,
        actor: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> ContactUpdated:
        """A coordinator changes the contact of the applicant of ``request_id``: recorded in
        the request's history, and a changed phone's old number is told by SMS."""
        async with self._engine.begin() as connection:
            request = await load_request_in(connection, request_id, scope)
            await require_every_centre_of(connection, request.applicant_id, scope)
            old = await contact_in(connection, self._cipher, request.applicant_id)
            new = Contact(
                full_name=old.full_name
                if change.full_name is None
                else _checked_name(change.full_name),
                phone=old.phone if change.phone is None else normalise_saudi_mobile(change.phone),
                language=old.language if change.language is None else _language(change.language),
            )
            changed = tuple(
                name
                for name in ("full_name", "phone", "language")
                if getattr(old, name) != getattr(new, name)
            )
            if not changed:
                return ContactUpdated(request.applicant_id, ())
            await change_contact_in(connection, self._cipher, request.applicant_id, new)
            if "phone" in changed:  # the wrong number is corrected on all her requests
                await connection.execute(
                    update(requests)
                    .where(requests.c.applicant_id == request.applicant_id)
                    .values(contact_check_since=None)
                )
            await note_in_history(
                connection,
                request_id,
                actor,
                f"contact updated: {', '.join(changed)}",
                now,
                cipher=self._cipher,
            )
            if "phone" in changed:
                await enqueue(
                    connection,
                    self._cipher,
                    key=f"contact_changed:{request.applicant_id}:{int(now.timestamp() * 1000)}",
                    kind=SmsKind.CONTACT_CHANGED,
                    phone=old.phone,
                    language=old.language,
                    tracking=format_tracking_number(request.tracking_number),
                    now=now,
                    request_id=request_id,
                )
        return ContactUpdated(request.applicant_id, changed)

    async def _add_version(
        self,
        connection: AsyncConnection,
        request_id: int,
        version: int,
        text: str,
        author: str,
        now: datetime,
    ) -> None:
        await connection.execute(
            insert(request_versions).values(
                request_id=request_id,
                version=version,
                text_ct=self._cipher.seal(text, REQUEST_TEXT, (request_id, version)),
                author=author,
                created_at=now,
            )
        )

    async def change_status(
        self,
        request_id: int,
        wanted: RequestStatus,
        actor: str,
        now: datetime,
        note: str = "",
        *,
        scope: CentreScope,
    ) -> None:
        async with self._engine.begin() as connection:
            await load_request_in(connection, request_id, scope)
            await self.change_status_in(connection, request_id, wanted, actor, now, note)

    async def change_status_in(
        self,
        connection: AsyncConnection,
        request_id: int,
        wanted: RequestStatus,
        actor: str,
        now: datetime,
        note: str = "",
    ) -> None:
        """Change the status inside the caller's transaction (the office's outcome, for one)."""
        await change_status_in(
            connection, request_id, wanted, actor, now, note, cipher=self._cipher
        )

    async def note(self, request_id: int, actor: str, note: str, now: datetime) -> None:
        """A history row without a status change."""
        async with self._engine.begin() as connection:
            await self.note_in(connection, request_id, actor, note, now)

    async def note_in(
        self, connection: AsyncConnection, request_id: int, actor: str, note: str, now: datetime
    ) -> None:
        """A history row inside the caller's transaction (the office's follow-up note)."""
        await note_in_history(connection, request_id, actor, note, now, cipher=self._cipher)

    async def amend_text(
        self, request_id: int, text: str, author: str, now: datetime, *, scope: CentreScope
    ) -> int:
        cleaned = _checked_text(text)
        async with self._engine.begin() as connection:
            await load_request_in(connection, request_id, scope)
            version = (
                await connection.execute(
                    select(func.max(request_versions.c.version)).where(
                        request_versions.c.request_id == request_id
                    )
                )
            ).scalar_one()
            await self._add_version(connection, request_id, int(version) + 1, cleaned, author, now)
            return int(version) + 1

    async def refer(
        self,
        request_id: int,
        department: str,
        due_on: date,
        note: str,
        actor: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> int:
        async with self._engine.begin() as connection:
            await load_request_in(connection, request_id, scope)
            return await self.refer_in(connection, request_id, department, due_on, note, actor, now)

    async def refer_in(
        self,
        connection: AsyncConnection,
        request_id: int,
        department: str | None,
        due_on: date,
        note: str,
        actor: str,
        now: datetime,
    ) -> int:
        """Refer the request inside the caller's transaction to a department that takes
        referrals; returns the referral's id."""
        if department is None:
            raise UnknownDepartment("a referral names a department")
        await require_department_in(connection, department)
        await self.change_status_in(connection, request_id, RequestStatus.REFERRED, actor, now)
        return await insert_sealed(
            connection,
            self._cipher,
            referrals,
            {
                "request_id": request_id,
                "department": department[:64],
                "due_on": due_on,
                "created_at": now,
            },
            {REFERRAL_NOTE: note[:1000]},
        )

    async def record_reply(
        self, referral_id: int, reply: str, actor: str, now: datetime, *, scope: CentreScope
    ) -> None:
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    select(referrals.c.request_id)
                    .join(requests, requests.c.id == referrals.c.request_id)
                    .where(referrals.c.id == referral_id, scope.where(requests.c.centre))
                )
            ).first()
            if row is None:  # unknown, or of another centre: the same answer
                raise UnknownRequest(f"referral {referral_id}")
            await connection.execute(
                update(referrals)
                .where(referrals.c.id == referral_id)
                .values(
                    reply=self._cipher.seal(reply[:5000], REFERRAL_REPLY, referral_id),
                    replied_at=now,
                )
            )
            await self.change_status_in(
                connection, row.request_id, RequestStatus.DEPARTMENT_REPLIED, actor, now
            )

    async def lookup(self, tracking_text: str, phone_last_four: str, client: str) -> RequestStatus:
        """The request's status for the applicant (``status_of``)."""
        return (await self.status_of(tracking_text, phone_last_four, client)).status

    async def status_of(
        self, tracking_text: str, phone_last_four: str, client: str
    ) -> StatusLookup:
        """The request's status and since when, for the applicant: tracking number + last four
        digits of her phone. Nothing else is revealed; a wrong pair looks exactly like an
        unknown number."""
        self._limiter.check_client(client)
        tracking = parse_tracking_number(tracking_text)
        self._limiter.check_number(tracking)
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(
                        requests.c.status,
                        requests.c.updated_at,
                        applicants.c.id,
                        applicants.c.phone_ct,
                    )
                    .join(applicants, applicants.c.id == requests.c.applicant_id)
                    .where(requests.c.tracking_number == tracking)
                )
            ).first()
        wanted = ascii_digits(phone_last_four.strip())[-4:]
        if row is None or self._cipher.unseal(row.phone_ct, APPLICANT_PHONE, row.id)[-4:] != wanted:
            self._limiter.failed(tracking)
            raise InvalidTrackingNumber("no request matches")
        # updated_at moves with each change of status only (casework.history.change_status_in).
        return StatusLookup(RequestStatus(row.status), row.updated_at)


def _checked_name(full_name: str) -> str:
    name = " ".join(full_name.split())
    if not 3 <= len(name) <= 200:
        raise InvalidName("a full name of 3 to 200 characters")
    return name


def _language(language: str) -> str:
    return "en" if language == "en" else "ar"


def _checked_text(text: str) -> str:
    cleaned = text.strip()
    if not 1 <= len(cleaned) <= TEXT_LIMIT:
        raise InvalidRequestText("the request needs 1 to 5,000 characters")
    return cleaned
