"""An applicant's row, inside the caller's transaction: found by her national ID or created,
her contact details read for an SMS, and changed only on purpose.

A national ID is not a secret, so registering with a known one never changes her stored
name, phone or language: the request is attached to her if the submitted details are hers,
and refused (``ApplicantExists``, naming her latest request) otherwise. Her contact changes
only through ``change_contact_in``, which the coordinator's "update contact" use case calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.errors import ApplicantExists, CentreNotServed, UnknownRequest
from casework.pii import PiiCipher
from casework.sealed_rows import insert_sealed
from casework.tables import (
    APPLICANT_NAME,
    APPLICANT_NATIONAL_ID,
    APPLICANT_PHONE,
    applicants,
    requests,
)
from foundation.scope import CentreScope


@dataclass(frozen=True)
class Contact:
    """How to reach her: name, phone (E.164) and the language of her SMS."""

    full_name: str
    phone: str
    language: str


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


async def contact_in(connection: AsyncConnection, cipher: PiiCipher, applicant_id: int) -> Contact:
    row = (
        await connection.execute(
            select(applicants.c.full_name_ct, applicants.c.phone_ct, applicants.c.language).where(
                applicants.c.id == applicant_id
            )
        )
    ).first()
    if row is None:
        raise UnknownRequest(f"applicant {applicant_id}")
    return Contact(
        full_name=cipher.unseal(row.full_name_ct, APPLICANT_NAME, applicant_id),
        phone=cipher.unseal(row.phone_ct, APPLICANT_PHONE, applicant_id),
        language=row.language,
    )


async def applicant_for_registration(
    connection: AsyncConnection,
    cipher: PiiCipher,
    national_id: str,
    submitted: Contact,
    now: datetime,
    scope: CentreScope,
) -> tuple[int, Contact]:
    """Her row id and her stored contact: a known national ID keeps what is stored (refused
    if the submitted name or phone differ), an unknown one becomes a new applicant. The
    refusal names her latest request of the caller's centres, none of another centre's."""
    id_index = cipher.blind_index(national_id, "national_id")
    existing = (
        await connection.execute(
            select(applicants.c.id).where(applicants.c.national_id_index == id_index)
        )
    ).scalar_one_or_none()
    if existing is not None:
        stored = await contact_in(connection, cipher, int(existing))
        if stored.phone != submitted.phone or not _same_name(stored.full_name, submitted.full_name):
            # The coordinator sees that she exists and may update her contact on purpose:
            # through her latest request (the update is recorded in its history).
            latest = (
                await connection.execute(
                    select(func.max(requests.c.id)).where(
                        requests.c.applicant_id == existing, scope.where(requests.c.centre)
                    )
                )
            ).scalar_one_or_none()
            raise ApplicantExists(f"request:{latest}" if latest is not None else "")
        return int(existing), stored
    applicant_id = await insert_sealed(
        connection,
        cipher,
        applicants,
        {
            "national_id_index": id_index,
            "phone_index": cipher.blind_index(submitted.phone, "phone"),
            "language": submitted.language,
            "created_at": now,
        },
        {
            APPLICANT_NAME: submitted.full_name,
            APPLICANT_NATIONAL_ID: national_id,
            APPLICANT_PHONE: submitted.phone,
        },
    )
    return applicant_id, submitted


async def require_every_centre_of(
    connection: AsyncConnection, applicant_id: int, scope: CentreScope
) -> None:
    """Her contact is where every centre she applied in sends its SMS: only a coordinator who
    serves all of them may change it (``CentreNotServed`` otherwise)."""
    elsewhere = (
        await connection.execute(
            select(func.count()).where(
                requests.c.applicant_id == applicant_id, not_(scope.where(requests.c.centre))
            )
        )
    ).scalar_one()
    if elsewhere:
        raise CentreNotServed("she has requests in a centre this account does not serve")


async def change_contact_in(
    connection: AsyncConnection, cipher: PiiCipher, applicant_id: int, new: Contact
) -> None:
    await connection.execute(
        update(applicants)
        .where(applicants.c.id == applicant_id)
        .values(
            full_name_ct=cipher.seal(new.full_name, APPLICANT_NAME, applicant_id),
            phone_ct=cipher.seal(new.phone, APPLICANT_PHONE, applicant_id),
            phone_index=cipher.blind_index(new.phone, "phone"),
            language=new.language,
        )
    )
