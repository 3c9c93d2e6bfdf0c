"""The operator's administration of staff accounts (``majlis init``, ``majlis staff …``).

Every account made or reset here gets a one-time password, returned once and stored only as
its argon2id hash, and ``must_change_password``: its next sign-in chooses its own
(``accounts.service``). Disabling an account or resetting its password ends its sessions.
Auditing is the caller's (the command line records each change with the actor "operator",
the admin API with the signed-in administrator). An account is named by its username (the
command line) or its id (the admin API).

A coordinator or an office member serves at least one centre, or every centre by an explicit
choice: an account of those roles with neither could sign in and see nothing, which is never
what its maker meant. An administrator cannot disable her own account, nor the last active
administrator's (two disabling each other at once: the second is refused — the check and the
write run as one serial transaction); a disabled account is enabled again by ``enable``.

A username never names someone else in the audit log: the actors the platform writes itself
(``RESERVED_USERNAMES``) and the office terminals' names are refused.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from accounts.passwords import one_time_password
from accounts.tables import staff_second_factors, staff_sessions
from foundation.serial_transactions import serial_engine
from foundation.tables import centres, devices, staff_accounts, staff_centres
from typed_errors import TypedError

ROLES = ("coordinator", "office", "supervisor", "admin")
CENTRE_ROLES = frozenset({"coordinator", "office"})  # serve a centre, or every one
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# Actors the platform's own audit rows name (the shell, the retention job, the desk terminal…).
RESERVED_USERNAMES = frozenset({"operator", "system", "cli", "desk", "anonymous", "majlis"})


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


class CentreRequired(StaffAdminError):
    """A coordinator or an office member given neither a centre nor every centre."""

    code = "centre_required"
    message_key = "errors.accounts.centre_required"


class LastAdministrator(StaffAdminError):
    """Disabling the one administrator still active: nobody could administer anything."""

    code = "last_administrator"
    message_key = "errors.accounts.last_administrator"


class OwnAccount(StaffAdminError):
    """An administrator disabling her own account."""

    code = "own_account"
    message_key = "errors.accounts.own_account"


# An account: its username (the command line) or its id (the admin API).
AccountRef = str | int


@dataclass(frozen=True)
class NewAccount:
    username: str
    role: str
    display_name: str
    centres: tuple[str, ...] = ()
    all_centres: bool = False


@dataclass(frozen=True)
class AccountChange:
    """What the admin API may change on an account; None leaves a field as it is."""

    display_name: str | None = None
    centres: tuple[str, ...] | None = None
    all_centres: bool | None = None


@dataclass(frozen=True)
class StaffListing:
    id: int
    username: str
    display_name: str
    role: str
    centres: tuple[str, ...]
    all_centres: bool
    active: bool
    mfa_enrolled: bool
    must_change_password: bool
    sessions: int  # live sessions (none once it is disabled)


@dataclass(frozen=True)
class SessionListing:
    """A session as an administrator sees it: when it started and was last used; no token."""

    started_at: datetime
    last_seen_at: datetime


# Told the account whose sessions an administrator just ended (its live sockets close).
SessionsEnded = Callable[[int], Awaitable[None]]


def normalised_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidStaff(
            f"{username!r} is not a username: 1-64 of a-z 0-9 . _ - (starting with a letter "
            "or digit)"
        )
    if name in RESERVED_USERNAMES:
        raise InvalidStaff(f"{name!r} is an actor the platform itself names in the audit log")
    return name


class StaffAdmin:
    def __init__(
        self,
        engine: AsyncEngine,
        hasher: PasswordHasher | None = None,
        sessions_ended: SessionsEnded | None = None,
    ) -> None:
        self._engine = engine
        self._hasher = hasher or PasswordHasher()
        self._sessions_ended = sessions_ended  # the server's sign-out listeners, if serving

    async def any_account(self) -> bool:
        async with self._engine.connect() as connection:
            count = await connection.scalar(select(func.count()).select_from(staff_accounts))
        return bool(count)

    async def add(self, account: NewAccount, now: datetime) -> tuple[int, str]:
        """Create ``account``; its id and its one-time password (shown once)."""
        username = normalised_username(account.username)
        if account.role not in ROLES:
            raise InvalidStaff(f"no role {account.role!r}; one of {', '.join(ROLES)}")
        _require_served(account.role, account.centres, account.all_centres)
        password = one_time_password()
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self._engine.begin() as connection:
            await _require_centres(connection, account.centres)
            taken = await connection.scalar(
                select(staff_accounts.c.id).where(staff_accounts.c.username == username)
            )
            if taken is not None:
                raise StaffExists(f"a staff account {username!r} exists already")
            terminal = await connection.scalar(
                select(devices.c.id).where(devices.c.kind == "office", devices.c.label == username)
            )
            if terminal is not None:
                raise InvalidStaff(f"{username!r} is an office terminal's name")
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
            await _serve(connection, account_id, account.centres)
        return int(account_id), password

    async def disable(self, who: AccountRef, by_account: int | None = None) -> tuple[str, int]:
        """Disable the account and end its sessions; its username and how many sessions
        ended. ``by_account``: the administrator doing it, who may not disable herself."""
        async with serial_engine(self._engine).begin() as connection:
            account_id, username = await _account(connection, who)
            if account_id == by_account:
                raise OwnAccount("an administrator cannot disable her own account")
            others = await connection.scalar(
                select(func.count())
                .select_from(staff_accounts)
                .where(
                    staff_accounts.c.role == "admin",
                    staff_accounts.c.active.is_(True),
                    staff_accounts.c.id != account_id,
                )
            )
            role = await connection.scalar(
                select(staff_accounts.c.role).where(staff_accounts.c.id == account_id)
            )
            if role == "admin" and not others:
                raise LastAdministrator("the last active administrator is not disabled")
            await connection.execute(
                update(staff_accounts).where(staff_accounts.c.id == account_id).values(active=False)
            )
            ended = await _end_sessions(connection, account_id)
        await self._ended(account_id)
        return username, ended

    async def enable(self, who: AccountRef) -> str:
        """Let a disabled account sign in again (with the password it had); its username."""
        async with self._engine.begin() as connection:
            account_id, username = await _account(connection, who)
            await connection.execute(
                update(staff_accounts).where(staff_accounts.c.id == account_id).values(active=True)
            )
        return username

    async def reset_password(self, who: AccountRef) -> tuple[str, str, int]:
        """Its username, a new one-time password (shown once) and how many sessions ended."""
        password = one_time_password()
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self._engine.begin() as connection:
            account_id, username = await _account(connection, who)
            await connection.execute(
                update(staff_accounts)
                .where(staff_accounts.c.id == account_id)
                .values(password_hash=password_hash, must_change_password=True)
            )
            ended = await _end_sessions(connection, account_id)
        await self._ended(account_id)
        return username, password, ended

    async def change(self, who: AccountRef, change: AccountChange) -> StaffListing:
        """Rename the account or change the centres it serves (from its next request)."""
        async with self._engine.begin() as connection:
            account_id, _ = await _account(connection, who)
            row = (
                await connection.execute(
                    select(staff_accounts).where(staff_accounts.c.id == account_id)
                )
            ).one()
            served = await _served_codes(connection, account_id)
            centres = served if change.centres is None else tuple(sorted(set(change.centres)))
            everywhere = row.all_centres if change.all_centres is None else change.all_centres
            _require_served(row.role, centres, everywhere)
            await _require_centres(connection, centres)
            values: dict[str, object] = {"all_centres": everywhere}
            if change.display_name is not None:
                values["display_name"] = change.display_name.strip() or row.username
            await connection.execute(
                update(staff_accounts).where(staff_accounts.c.id == account_id).values(**values)
            )
            if change.centres is not None:
                await connection.execute(
                    delete(staff_centres).where(staff_centres.c.account_id == account_id)
                )
                await _serve(connection, account_id, centres)
        if centres != served or everywhere != row.all_centres:
            # Its open desk connections joined the old centres' channels when they connected:
            # they close (as at sign-out; the session stays) and reconnect with the new scope.
            await self._ended(account_id)
        return next(a for a in await self.listing() if a.id == account_id)

    async def sessions(self, who: AccountRef) -> list[SessionListing]:
        async with self._engine.connect() as connection:
            account_id, _ = await _account(connection, who)
            rows = await connection.execute(
                select(staff_sessions.c.created_at, staff_sessions.c.last_seen_at)
                .where(staff_sessions.c.account_id == account_id)
                .order_by(staff_sessions.c.created_at)
            )
            return [SessionListing(r.created_at, r.last_seen_at) for r in rows]

    async def end_sessions(self, who: AccountRef) -> tuple[str, int]:
        """End every session of the account: its username and how many ended."""
        async with self._engine.begin() as connection:
            account_id, username = await _account(connection, who)
            ended = await _end_sessions(connection, account_id)
        await self._ended(account_id)
        return username, ended

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
            counted = await connection.execute(
                select(staff_sessions.c.account_id, func.count()).group_by(
                    staff_sessions.c.account_id
                )
            )
            sessions = {int(account_id): int(count) for account_id, count in counted}
            rows = await connection.execute(
                select(staff_accounts).order_by(staff_accounts.c.username)
            )
            return [
                StaffListing(
                    row.id,
                    row.username,
                    row.display_name,
                    row.role,
                    tuple(served.get(row.id, ())),
                    row.all_centres,
                    row.active,
                    row.id in enrolled,
                    row.must_change_password,
                    int(sessions.get(row.id, 0)),
                )
                for row in rows
            ]

    async def _ended(self, account_id: int) -> None:
        if self._sessions_ended is not None:
            await self._sessions_ended(account_id)


def _require_served(role: str, centres: Sequence[str], all_centres: bool) -> None:
    if role in CENTRE_ROLES and not centres and not all_centres:
        raise CentreRequired(f"a {role} account serves at least one centre, or every centre")


async def _serve(connection: AsyncConnection, account_id: int, codes: Sequence[str]) -> None:
    for code in sorted(set(codes)):
        await connection.execute(
            insert(staff_centres).values(account_id=account_id, centre_code=code)
        )


async def _served_codes(connection: AsyncConnection, account_id: int) -> tuple[str, ...]:
    rows = await connection.execute(
        select(staff_centres.c.centre_code).where(staff_centres.c.account_id == account_id)
    )
    return tuple(sorted(rows.scalars()))


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


async def _account(connection: AsyncConnection, who: AccountRef) -> tuple[int, str]:
    """The id and username of the account named by ``who``; ``UnknownStaff`` if none."""
    if isinstance(who, int):
        where = staff_accounts.c.id == who
    else:
        where = staff_accounts.c.username == who.strip().lower()
    row = (
        await connection.execute(
            select(staff_accounts.c.id, staff_accounts.c.username).where(where)
        )
    ).first()
    if row is None:
        raise UnknownStaff(f"no staff account {who!r}")
    return int(row.id), str(row.username)


async def _end_sessions(connection: AsyncConnection, account_id: int) -> int:
    ended = await connection.execute(
        delete(staff_sessions).where(staff_sessions.c.account_id == account_id)
    )
    return int(ended.rowcount or 0)
