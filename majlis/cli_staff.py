"""``majlis staff …`` and the first administrator of ``majlis init``: staff accounts from the
operator's shell. Each change is audited with the actor "operator"; a one-time password is
printed once and never stored in clear; a refusal is one line on stderr and exit status 1."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.staff import (
    ROLES,
    NewAccount,
    StaffAdmin,
    StaffAdminError,
    StaffListing,
    normalised_username,
)
from audit.log import AuditEntry
from majlis.components import audit_log, pii_cipher, second_factors, sign_in_policy
from majlis.settings import Settings

EXIT_FAILURE = 1
ACTOR = "operator"
FIRST_ADMIN = "admin"
FIRST_ADMIN_NAME = "مديرة النظام / Administrator"


def add_staff_commands(commands: Any) -> None:
    """The ``staff`` group of the ``majlis`` parser."""
    staff = commands.add_parser("staff", help="staff accounts")
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an account; prints its one-time password")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    served = add.add_mutually_exclusive_group()
    served.add_argument(
        "--centre",
        action="append",
        default=[],
        metavar="CODE",
        help="a centre it serves (repeat for more); a code of the centres table",
    )
    served.add_argument("--all-centres", action="store_true", help="it serves every centre")
    add.add_argument("--display-name", default="", metavar="TEXT", help="default: the username")
    actions.add_parser("disable", help="disable an account and end its sessions").add_argument(
        "username"
    )
    actions.add_parser("enable", help="let a disabled account sign in again").add_argument(
        "username"
    )
    actions.add_parser(
        "reset-password", help="a new one-time password; ends its sessions"
    ).add_argument("username")
    actions.add_parser("list", help="every account: role, centres, active, MFA (no passwords)")
    actions.add_parser(
        "reset-otp", help="forget a lost authenticator: the next sign-in enrolls a new one"
    ).add_argument("username")


async def run_staff(settings: Settings, engine: AsyncEngine, arguments: argparse.Namespace) -> int:
    try:
        return await _run(settings, engine, arguments)
    except StaffAdminError as error:
        print(f"majlis: {error}", file=sys.stderr)
        return EXIT_FAILURE


async def _run(settings: Settings, engine: AsyncEngine, arguments: argparse.Namespace) -> int:
    admin = StaffAdmin(engine)
    action = arguments.staff_command
    if action == "list":
        _print_listing(await admin.listing())
        return 0
    if action == "reset-otp":
        return await _reset_otp(settings, engine, arguments.username)
    username = normalised_username(arguments.username)
    now = datetime.now(UTC)
    if action == "add":
        account = NewAccount(
            username,
            arguments.role,
            arguments.display_name,
            tuple(arguments.centre),
            arguments.all_centres,
        )
        _, password = await admin.add(account, now)
        detail = f"role={account.role}; {_served(account)}"
        await _audit(settings, engine, "staff.created", username, detail, now)
        print(f"{username} ({account.role}, {_served(account)}) created.")
        _print_one_time_password(username, password)
    elif action == "disable":
        _, ended = await admin.disable(username)
        await _audit(settings, engine, "staff.disabled", username, f"sessions={ended}", now)
        print(f"{username} disabled; {ended} session(s) ended")
    elif action == "enable":
        await admin.enable(username)
        await _audit(settings, engine, "staff.enabled", username, "", now)
        print(f"{username} enabled")
    elif action == "reset-password":
        _, password, ended = await admin.reset_password(username)
        await _audit(settings, engine, "staff.password_reset", username, f"sessions={ended}", now)
        print(f"{username}: password reset; {ended} session(s) ended.")
        _print_one_time_password(username, password)
    return 0


async def create_first_admin(settings: Settings, engine: AsyncEngine, username: str) -> None:
    """``majlis init`` without ``--demo``: the first administrator, unless any account exists."""
    admin = StaffAdmin(engine)
    if await admin.any_account():
        print("staff accounts exist already: no administrator created (`majlis staff list`)")
        return
    account = NewAccount(normalised_username(username), "admin", FIRST_ADMIN_NAME)
    now = datetime.now(UTC)
    _, password = await admin.add(account, now)
    await _audit(settings, engine, "staff.created", account.username, "role=admin first", now)
    print(f"first administrator {account.username} created.")
    _print_one_time_password(account.username, password)
    print("  The first sign-in asks for a new password, then an authenticator (TOTP) key.")


async def _reset_otp(settings: Settings, engine: AsyncEngine, username: str) -> int:
    cipher = await asyncio.to_thread(pii_cipher, settings)
    if not await second_factors(engine, cipher, sign_in_policy(settings)).reset(username):
        print(f"majlis: {username!r} has no second factor", file=sys.stderr)
        return EXIT_FAILURE
    name = username.strip().lower()
    await _audit(settings, engine, "staff.otp_reset", name, "", datetime.now(UTC))
    print(f"{username}: second factor removed; the next sign-in shows a new key to enroll")
    return 0


async def _audit(
    settings: Settings, engine: AsyncEngine, action: str, username: str, detail: str, now: datetime
) -> None:
    entry = AuditEntry(ACTOR, action, f"staff:{username}", detail)
    await audit_log(settings, engine).record(entry, now)


def _served(account: NewAccount) -> str:
    if account.all_centres:
        return "every centre"
    return f"centres {','.join(sorted(set(account.centres)))}" if account.centres else "no centre"


def _print_one_time_password(username: str, password: str) -> None:
    print(f"  one-time password for {username} (shown only this once): {password}")
    print("  It must be changed at the first sign-in.")


def _print_listing(listing: list[StaffListing]) -> None:
    print(f"{'username':<16} {'role':<12} {'centres':<20} {'active':<7} {'mfa':<4} must-change")
    for account in listing:
        centres = "*" if account.all_centres else ",".join(account.centres) or "-"
        print(
            f"{account.username:<16} {account.role:<12} {centres:<20} "
            f"{'yes' if account.active else 'no':<7} {'yes' if account.mfa_enrolled else 'no':<4} "
            f"{'yes' if account.must_change_password else 'no'}"
        )
