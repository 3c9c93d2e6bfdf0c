"""The operator's administration of staff accounts (``majlis init``, ``majlis staff …``).

Every account made or reset here gets a one-time password, returned once and stored only as
its argon2id hash, and ``must_change_password``: its next sign-in chooses its own
(``accounts.service``). Disabling an account or resetting its password ends its sessions.
Auditing is the caller's (the command line records each change with the actor "operator").
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from accounts.passwords import one_time_password
from accounts.tables import staff_second_factors, staff_sessions
from foundation.tables import centres, staff_accounts, staff_centres
from typed_errors import TypedError

ROLES = ("coordinator", "office", "supervisor", "admin")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class StaffAdminError(TypedError):
    code = "staff_admin_error"
    message_key = "errors.accounts.staff_admin_error"


class UnknownStaff(StaffAdminError):
    code = "unknown_staff"
    message_key = "errors.accounts.unknown_staff"


class StaffExists(StaffAdminError):
    code = "staff_exists"
    message_key = "errors.accounts.staff_exists"


class InvalidStaff(StaffAdminError):
    """A username or role outside what an account may have."""

    code = "invalid_staff"
    message_key = "errors.accounts.invalid_staff"


class UnknownCentre(StaffAdminError):
    code = "unknown_centre"
    message_key = "errors.accounts.unknown_centre"


@dataclass(frozen=True)
class NewAccount:
    username: str
    role: str
    display_name: str
    centres: tuple[str, ...] = ()
    all_centres: bool = False


@dataclass(frozen=True)
class StaffListing:
    username: str
    display_name: str
    role: str
    centres: tuple[str, ...]
    all_centres: bool
    active: bool
    mfa_enrolled: bool
    must_change_password: bool


def normalised_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidStaff(
            f"{username!r} is not a username: 1-64 of a-z 0-9 . _ - (starting with a letter "
            "or digit)"
        )
    return name


class StaffAdmin:
    def __init__(self, engine: AsyncEngine, hasher: PasswordHasher | None = None) -> None:
        self._engine = engine
        self._hasher = hasher or PasswordHasher()

    async def any_account(self) -> bool:
        async with self._engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(staff_accounts))
        return bool(count)

    async def add(self, account: NewAccount, now: datetime) -> str:
        """Create ``account``; its one-time password (shown once)."""
        username = normalised_username(account.username)
        if account.role not in ROLES:
            raise InvalidStaff(f"no role {account.role!r}; one of {', '.join(ROLES)}")
        password = one_time_password()
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self._engine.begin() as connection:
            await _require_centres(connection, account.centres)
            taken = await connection.scalar(
                select(staff_accounts.c.id).where(staff_accounts.c.username == username)
            )
            if taken is not None:
                raise StaffExists(f"a staff account {username!r} exists already")
            account_id = (
                await connection.execute(
                    insert(staff_accounts)
                    .values(
                        username=username,
                        display_name=account.display_name.strip() or username,
                        role=account.role,
                        password_hash=password_hash,
                        active=True,
                        all_centres=account.all_centres,
                        must_change_password=True,
                        created_at=now,
                    )
                    .returning(staff_accounts.c.id)
                )
            ).scalar_one()
            for code in sorted(set(account.centres)):
                await connection.execute(
                    insert(staff_centres).values(account_id=account_id, centre_code=code)
                )
        return password

    async def disable(self, username: str) -> int:
        """Disable the account and end its sessions; how many sessions ended."""
        async with self._engine.begin() as connection:
            account_id = await _account_id(connection, username)
            await connection.execute(
                update(staff_accounts).where(staff_accounts.c.id == account_id).values(active=False)
            )
            return await _end_sessions(connection, account_id)

    async def reset_password(self, username: str) -> tuple[str, int]:
        """A new one-time password (shown once) and how many sessions ended."""
        password = one_time_password()
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self._engine.begin() as connection:
            account_id = await _account_id(connection, username)
            await connection.execute(
                update(staff_accounts)
                .where(staff_accounts.c.id == account_id)
                .values(password_hash=password_hash, must_change_password=True)
            )
            return password, await _end_sessions(connection, account_id)

    async def listing(self) -> list[StaffListing]:
        async with self._engine.connect() as connection:
            served: dict[int, list[str]] = {}
            for row in await connection.execute(
                select(staff_centres).order_by(staff_centres.c.centre_code)
            ):
                served.setdefault(row.account_id, []).append(row.centre_code)
            enrolled = set(
                (
                    await connection.execute(
                        select(staff_second_factors.c.account_id).where(
                            staff_second_factors.c.enrolled_at.is_not(None)
                        )
                    )
                ).scalars()
            )
            rows = await connection.execute(
                select(staff_accounts).order_by(staff_accounts.c.username)
            )
            return [
                StaffListing(
                    row.username,
                    row.display_name,
                    row.role,
                    tuple(served.get(row.id, ())),
                    row.all_centres,
                    row.active,
                    row.id in enrolled,
                    row.must_change_password,
                )
                for row in rows
            ]


async def _require_centres(connection: AsyncConnection, codes: Sequence[str]) -> None:
    if not codes:
        return
    known = set(
        (
            await connection.execute(select(centres.c.code).where(centres.c.code.in_(set(codes))))
        ).scalars()
    )
    unknown = sorted(set(codes) - known)
    if unknown:
        raise UnknownCentre(f"no centre {', '.join(unknown)} (the codes of the centres table)")


async def _account_id(connection: AsyncConnection, username: str) -> int:
    name = username.strip().lower()
    account_id = await connection.scalar(
        select(staff_accounts.c.id).where(staff_accounts.c.username == name)
    )
    if account_id is None:
        raise UnknownStaff(f"no staff account {name!r}")
    return int(account_id)


async def _end_sessions(connection: AsyncConnection, account_id: int) -> int:
    ended = await connection.execute(
        delete(staff_sessions).where(staff_sessions.c.account_id == account_id)
    )
    return int(ended.rowcount or 0)
