"""Demo data for the embedded set-up: two centres with two booths each, an office terminal, the
request categories and the departments an office refers to, and one staff account per role (two
coordinators). Passwords are random and shown once; the admin and the supervisor get fixed,
published TOTP keys (``DEMO_OTP_SECRETS``) so the demo starts in two commands — a real
installation resets them (``majlis staff reset-otp``).

Each account serves the centres it is given here: coordinator1 Riyadh, coordinator2 Jeddah;
the supervisor and the minister's office serve every centre, by explicit choice; the
administrator, who reads no centre's data, none."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.second_factor import SecondFactors
from foundation.tables import (
    centres,
    departments,
    devices,
    request_categories,
    staff_accounts,
    staff_centres,
)
from rooms.service import RoomService
from rooms.store import Seats

DEMO_CENTRES = (  # code, Arabic and English names, city, opening hours (local time)
    ("riyadh", "مركز الرياض النسائي", "Riyadh women's centre", "الرياض", "08:00", "16:00"),
    ("jeddah", "مركز جدة النسائي", "Jeddah women's centre", "جدة", "08:30", "15:30"),
)
DEMO_CATEGORIES = (  # code, Arabic and English labels
    ("housing", "الإسكان", "Housing"),
    ("social_support", "الدعم الاجتماعي", "Social support"),
    ("employment", "التوظيف", "Employment"),
    ("health", "الصحة", "Health"),
    ("education", "التعليم", "Education"),
    ("legal", "الشؤون القانونية", "Legal"),
    ("general", "أخرى", "Other"),
)
DEMO_DEPARTMENTS = (  # the departments an office refers a request to
    ("housing", "الإسكان", "Housing"),
    ("social_security", "الضمان الاجتماعي", "Social security"),
    ("health", "الصحة", "Health"),
    ("education", "التعليم", "Education"),
    ("labour", "الموارد البشرية", "Labour"),
    ("justice", "العدل", "Justice"),
    ("municipal", "الشؤون البلدية", "Municipal services"),
)
BOOTHS_PER_CENTRE = 2
DEMO_BOOTH_DEVICE = "riyadh/booth-1"
DEMO_OFFICE_DEVICE = "office-1"
DEMO_SLOT = timedelta(minutes=6)
DEMO_DESK_TOKEN_LIFETIME = timedelta(hours=8)
EVERY_CENTRE = "*"  # in DEMO_STAFF: the account serves every centre (all_centres)
DEMO_STAFF = (  # username, display name, role, the centres it serves
    ("coordinator1", "منسقة 1", "coordinator", ("riyadh",)),
    ("coordinator2", "منسقة 2", "coordinator", ("jeddah",)),
    ("office", "مكتب الوزير", "office", (EVERY_CENTRE,)),
    ("supervisor", "مشرفة", "supervisor", (EVERY_CENTRE,)),
    ("admin", "مديرة النظام", "admin", ()),
)

# Base32 TOTP keys, public on purpose (demo only): whoever reads this can make the codes.
DEMO_OTP_SECRETS = {
    "admin": "MAJLISDEMOADMINSECRETFORTOTPONLY",
    "supervisor": "MAJLISDEMOSUPERVISORSECRETTOTPAB",
}


class NotADemoInstallation(ValueError):
    """Staff accounts exist but no centre: ``majlis init`` made a real installation here."""


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    role: str
    password: str
    otp_secret: str | None = None  # the admin's and supervisor's authenticator key


async def seed_demo(
    engine: AsyncEngine, now: datetime, second_factors: SecondFactors | None = None
) -> list[DemoSignIn] | None:
    """Insert the demo data unless centres already exist; return the new sign-ins once.
    With ``second_factors``, the admin and supervisor are enrolled with ``DEMO_OTP_SECRETS``
    (without, they enroll at their first sign-in)."""
    async with engine.connect() as connection:
        existing = (await connection.execute(select(func.count()).select_from(centres))).scalar()
        staff = await connection.scalar(select(func.count()).select_from(staff_accounts))
    if existing:
        return None
    if staff:
        raise NotADemoInstallation(
            "staff accounts exist already (majlis init without --demo): no demo data added"
        )

    enrolled = DEMO_OTP_SECRETS if second_factors is not None else {}
    sign_ins = [
        DemoSignIn(username, role, secrets.token_urlsafe(12), enrolled.get(username))
        for username, _, role, _ in DEMO_STAFF
    ]
    hasher = PasswordHasher()
    # argon2 is deliberately slow: keep it off the event loop.
    hashes = await asyncio.to_thread(lambda: [hasher.hash(s.password) for s in sign_ins])

    async with engine.begin() as connection:
        for table, entries in (
            (request_categories, DEMO_CATEGORIES),
            (departments, DEMO_DEPARTMENTS),
        ):
            await connection.execute(
                insert(table),
                [
                    {"code": c, "label_ar": ar, "label_en": en, "active": True, "created_at": now}
                    for c, ar, en in entries
                ],
            )
        for code, name_ar, name_en, city, opens_at, closes_at in DEMO_CENTRES:
            centre_id = (
                await connection.execute(
                    insert(centres)
                    .values(
                        code=code,
                        name_ar=name_ar,
                        name_en=name_en,
                        city=city,
                        opens_at=opens_at,
                        closes_at=closes_at,
                        created_at=now,
                    )
                    .returning(centres.c.id)
                )
            ).scalar_one()
            for number in range(1, BOOTHS_PER_CENTRE + 1):
                await connection.execute(
                    insert(devices).values(
                        kind="booth",
                        centre_id=centre_id,
                        label=f"booth-{number}",
                        in_service=True,
                        created_at=now,
                    )
                )
        await connection.execute(
            insert(devices).values(
                kind="office", centre_id=None, label="office-1", in_service=True, created_at=now
            )
        )
        account_ids = {}
        for (username, display_name, role, served), password_hash in zip(
            DEMO_STAFF, hashes, strict=True
        ):
            account_id = account_ids[username] = (
                await connection.execute(
                    insert(staff_accounts)
                    .values(
                        username=username,
                        display_name=display_name,
                        role=role,
                        password_hash=password_hash,
                        active=True,
                        all_centres=EVERY_CENTRE in served,
                        created_at=now,
                    )
                    .returning(staff_accounts.c.id)
                )
            ).scalar_one()
            for centre in served:
                if centre != EVERY_CENTRE:
                    await connection.execute(
                        insert(staff_centres).values(account_id=account_id, centre_code=centre)
                    )
    if second_factors is not None:
        for username, secret in DEMO_OTP_SECRETS.items():
            await second_factors.enroll(account_ids[username], secret, now)
    return sign_ins


@dataclass(frozen=True)
class DemoRoom:
    room_id: str
    starts_at: datetime
    ends_at: datetime
    tokens: dict[str, str]  # booth, office, desk


async def schedule_demo_room(
    rooms: RoomService, now: datetime, starts_in: timedelta, booth_device: str
) -> DemoRoom:
    """A room for the demo booth and office terminal, with signed dev credentials.

    Until staff sign-in and device enrollment exist, these tokens are how the demo clients
    authenticate; they are valid only inside the room's window."""
    starts_at = now + starts_in
    ends_at = starts_at + DEMO_SLOT
    room_id = f"demo-{starts_at:%Y%m%d-%H%M%S}"
    await rooms.schedule(room_id, Seats(booth_device, DEMO_OFFICE_DEVICE), starts_at, ends_at)
    return DemoRoom(
        room_id,
        starts_at,
        ends_at,
        {
            "booth": rooms.issue_join_token(room_id, "booth"),
            "office": rooms.issue_join_token(room_id, "office"),
            "desk": rooms.issue_terminal_token("desk", "desk-demo", DEMO_DESK_TOKEN_LIFETIME),
        },
    )
