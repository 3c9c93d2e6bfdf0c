"""Retention: requests closed (or cancelled) more than N days ago lose their personal data.

What stays is what statistics need (status, centre, category, dates, history without notes'
content). Their text versions and SMS rows are deleted, their history notes and their
referrals' notes and replies emptied; an applicant whose every request is past retention is
anonymised: name, ID and phone become empty ciphertexts and her blind indexes are replaced, so
she can no longer be found. Sent or failed SMS rows older than N days
are deleted for everyone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, not_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.log import AuditEntry, AuditLog
from casework.pii import PiiCipher
from casework.tables import (
    APPLICANT_NAME,
    APPLICANT_NATIONAL_ID,
    APPLICANT_PHONE,
    applicants,
    outbox,
    referrals,
    request_history,
    request_versions,
    requests,
)

FINISHED = ("closed", "cancelled")


async def apply_retention(
    engine: AsyncEngine, cipher: PiiCipher, now: datetime, days: int
) -> dict[str, int]:
    cutoff = now - timedelta(days=days)
    expired = select(requests.c.id).where(
        requests.c.status.in_(FINISHED), requests.c.updated_at < cutoff
    )
    still_active = exists().where(
        and_(
            requests.c.applicant_id == applicants.c.id,
            not_(and_(requests.c.status.in_(FINISHED), requests.c.updated_at < cutoff)),
        )
    )
    async with engine.begin() as connection:
        texts = await connection.execute(
            delete(request_versions).where(request_versions.c.request_id.in_(expired))
        )
        notes = await connection.execute(
            update(request_history)
            .where(request_history.c.request_id.in_(expired), request_history.c.note != "")
            .values(note="")
        )
        referral_notes = await connection.execute(
            update(referrals)
            .where(
                referrals.c.request_id.in_(expired),
                (referrals.c.note != "") | referrals.c.reply.is_not(None),
            )
            .values(note="", reply=None)
        )
        messages = await connection.execute(
            delete(outbox).where(
                (outbox.c.request_id.in_(expired))
                | (outbox.c.status.in_(("sent", "failed")) & (outbox.c.created_at < cutoff))
            )
        )
        to_anonymise = (
            (
                await connection.execute(
                    select(applicants.c.id).where(
                        not_(still_active), applicants.c.national_id_index.not_like("anonymised:%")
                    )
                )
            )
            .scalars()
            .all()
        )
        for applicant_id in to_anonymise:
            await connection.execute(
                update(applicants)
                .where(applicants.c.id == applicant_id)
                .values(
                    full_name_ct=cipher.seal("", APPLICANT_NAME, applicant_id),
                    national_id_ct=cipher.seal("", APPLICANT_NATIONAL_ID, applicant_id),
                    phone_ct=cipher.seal("", APPLICANT_PHONE, applicant_id),
                    national_id_index=f"anonymised:{applicant_id}",
                    phone_index=f"anonymised:{applicant_id}",
                )
            )
    return {
        "request_texts_deleted": int(texts.rowcount or 0),
        "notes_emptied": int(notes.rowcount or 0),
        "referrals_emptied": int(referral_notes.rowcount or 0),
        "sms_deleted": int(messages.rowcount or 0),
        "applicants_anonymised": len(to_anonymise),
    }


# A purge of another package's short-lived rows (device heartbeats, used token ids): it gets
# the moment of the run and answers how many rows it deleted.
Purge = Callable[[datetime], Awaitable[int]]


@dataclass(frozen=True)
class RetentionJob:
    """One retention run: the requests' personal data past ``days``, then every other purge,
    recorded in the audit log with the counts (never with any content)."""

    engine: AsyncEngine
    cipher: Callable[[], Awaitable[PiiCipher]]  # keys are re-read for each run
    days: int
    audit: AuditLog
    purges: Mapping[str, Purge]

    async def run(self, now: datetime) -> dict[str, int]:
        counts = await apply_retention(self.engine, await self.cipher(), now, self.days)
        for name, purge in self.purges.items():
            counts[name] = await purge(now)
        detail = ",".join(f"{k}={v}" for k, v in counts.items())
        await self.audit.record(
            AuditEntry("system", "retention.run", "requests", detail[:200]), now
        )
        return counts
