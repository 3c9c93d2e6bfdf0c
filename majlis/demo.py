"""Demo data for the embedded set-up: two centres with two booths each, an office terminal,
and one staff account per role (two coordinators). Passwords are random and shown once."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis.schema import centres, devices, staff_accounts

DEMO_CENTRES = (
    ("riyadh", "مركز الرياض النسائي", "Riyadh women's centre"),
    ("jeddah", "مركز جدة النسائي", "Jeddah women's centre"),
)
BOOTHS_PER_CENTRE = 2
DEMO_STAFF = (
    ("coordinator1", "منسقة ١ / Coordinator 1", "coordinator"),
    ("coordinator2", "منسقة ٢ / Coordinator 2", "coordinator"),
    ("office", "مكتب الوزير / Minister's office", "office"),
    ("supervisor", "مشرفة / Supervisor", "supervisor"),
    ("admin", "مديرة النظام / Administrator", "admin"),
)


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    role: str
    password: str


async def seed_demo(engine: AsyncEngine, now: datetime) -> list[DemoSignIn] | None:
    """Insert the demo data unless centres already exist; return the new sign-ins once."""
    async with engine.connect() as connection:
        existing = (await connection.execute(select(func.count()).select_from(centres))).scalar()
    if existing:
        return None

    sign_ins = [
        DemoSignIn(username, role, secrets.token_urlsafe(12)) for username, _, role in DEMO_STAFF
    ]
    hasher = PasswordHasher()
    # argon2 is deliberately slow: keep it off the event loop.
    hashes = await asyncio.to_thread(lambda: [hasher.hash(s.password) for s in sign_ins])

    async with engine.begin() as connection:
        for code, name_ar, name_en in DEMO_CENTRES:
            centre_id = (
                await connection.execute(
                    insert(centres)
                    .values(code=code, name_ar=name_ar, name_en=name_en, created_at=now)
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
        for (username, display_name, role), password_hash in zip(DEMO_STAFF, hashes, strict=True):
            await connection.execute(
                insert(staff_accounts).values(
                    username=username,
                    display_name=display_name,
                    role=role,
                    password_hash=password_hash,
                    active=True,
                    created_at=now,
                )
            )
    return sign_ins
