"""Staff sign-in and sessions.

- Passwords are argon2id hashes (argon2-cffi), checked off the event loop. An unknown user
  is checked against a dummy hash of the same cost, so the answer takes as long and says the
  same thing as a wrong password.
- Failures are counted per (account, client address): after ``max_failures`` of them within
  ``window``, sign-in from that address is refused — even with the right password — until
  ``lockout`` has passed since the last failure, and each further failure doubles the wait
  (at most ``max_lockout``). Another address (a colleague, the same centre behind another
  NAT, the office itself) is not locked out by someone guessing elsewhere.
- The count is taken *before* the password is hashed, in the same transaction that records
  the attempt (as a failure until it succeeds), so concurrent guesses cannot slip past it.
- Admins and supervisors (``SignInPolicy.second_factor_roles``) also give a TOTP code
  (``accounts.second_factor``); without an enrolled factor the right password is answered
  with an enrollment. A missing, wrong or replayed code leaves the attempt a failure, so
  guessed codes count towards the same lockout as guessed passwords.
- An account given a one-time password (``must_change_password``) signs in only together with
  a new password (``new_password``, strong by ``accounts.passwords``): without one, the right
  password is answered ``PasswordChangeRequired``. The new password is checked before the
  second factor and stored only when the whole sign-in succeeds, so an admin's first sign-in
  is: password → change required; password + new password → enrollment (a key to add);
  password + new password + code → signed in, password changed, factor enrolled. These
  answers to a right password are not counted as failures.
- A session is a random token in a ``Secure; HttpOnly; SameSite=Strict`` cookie; only its
  SHA-256 is stored. It ends after ``idle`` without use or ``absolute`` after sign-in, and
  carries a CSRF token that every state-changing request must echo in a header.
- A session carries the centres its account serves (``foundation.scope``), read afresh on
  every call, so a change of an account's centres holds from its next request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Row, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from accounts.passwords import WeakPassword, weakness_of
from accounts.second_factor import OtpEnrollment, SecondFactors
from accounts.tables import sign_in_failures, staff_sessions
from foundation.scope import EVERY_CENTRE, CentreScope
from foundation.tables import staff_accounts, staff_centres
from typed_errors import TypedError


class SignInError(TypedError):
    code = "sign_in_error"
    message_key = "errors.accounts.generic"


class BadCredentials(SignInError):
    code = "sign_in_failed"
    message_key = "errors.accounts.sign_in_failed"


class AccountLocked(SignInError):
    code = "account_locked"
    message_key = "errors.accounts.account_locked"


class OtpRequired(SignInError):
    code = "otp_required"
    message_key = "errors.accounts.otp_required"


class OtpInvalid(SignInError):
    code = "otp_invalid"
    message_key = "errors.accounts.otp_invalid"


class OtpEnrollmentRequired(SignInError):
    """The right password of an account that must have a second factor and has none yet: the
    answer carries a new (pending) one to confirm with its first code."""

    code = "otp_enrollment_required"
    message_key = "errors.accounts.otp_enrollment_required"

    def __init__(self, enrollment: OtpEnrollment) -> None:
        super().__init__("add this key to an authenticator app and sign in with its code")
        self.enrollment = enrollment


class PasswordChangeRequired(SignInError):
    """The right one-time password: the sign-in must also carry a new password."""

    code = "password_change_required"
    message_key = "errors.accounts.password_change_required"


class SessionExpired(SignInError):
    code = "session_expired"
    message_key = "errors.accounts.session_expired"


class CsrfMismatch(SignInError):
    code = "csrf_mismatch"
    message_key = "errors.accounts.csrf_mismatch"


@dataclass(frozen=True)
class SignInPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(hours=24)  # failures remembered for the growing delay
    lockout: timedelta = timedelta(minutes=15)
    max_lockout: timedelta = timedelta(hours=24)
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    second_factor_roles: frozenset[str] = frozenset({"admin", "supervisor"})
    otp_enrollment: timedelta = timedelta(minutes=10)  # how long a shown key waits for a code


@dataclass(frozen=True)
class StaffSession:
    account_id: int
    username: str
    display_name: str
    role: str
    csrf_token: str
    centres: CentreScope  # the centres the account serves (or every centre, if so chosen)


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie; never stored
    session: StaffSession
    password_changed: bool = False  # a one-time password was replaced by this sign-in


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Told the account whose staff sessions (one, or all of them) just ended by a sign-out.
SignOutListener = Callable[[int], Awaitable[None]]


class Accounts:
    def __init__(
        self,
        engine: AsyncEngine,
        policy: SignInPolicy,
        second_factors: SecondFactors,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._engine = engine
        self.policy = policy
        self.second_factors = second_factors
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self._sign_out_listeners: list[SignOutListener] = []

    async def sign_in(
        self,
        username: str,
        password: str,
        client: str,
        now: datetime,
        otp: str | None = None,
        new_password: str | None = None,
    ) -> SignedIn:
        username = username.strip().lower()[:64]
        client = client[:64]
        attempt = await self._reserve_attempt(username, client, now)  # AccountLocked first
        async with self._engine.connect() as connection:
            account = (
                await connection.execute(
                    select(staff_accounts).where(
                        staff_accounts.c.username == username, staff_accounts.c.active.is_(True)
                    )
                )
            ).first()
        stored = account.password_hash if account is not None else self._dummy_hash
        matches = await asyncio.to_thread(self._matches, stored, password[:1024])
        if account is None or not matches:
            raise BadCredentials("wrong username or password")  # the attempt stays a failure
        new_hash = None
        if account.must_change_password:
            try:
                new_hash = await self._new_password_hash(account, password, new_password)
            except (PasswordChangeRequired, WeakPassword):
                await self._forget_attempt(attempt)  # the password was right
                raise
        if account.role in self.policy.second_factor_roles:
            await self._second_factor(account.id, account.username, otp, now)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        async with self._engine.begin() as connection:
            # The account as it was checked: a password reset, a disabling or another first
            # sign-in between the check (the slow hash above) and now refuses this one, so no
            # session outlives the change (the write takes the account's row first).
            unchanged = await connection.execute(
                update(staff_accounts)
                .where(
                    staff_accounts.c.id == account.id,
                    staff_accounts.c.password_hash == account.password_hash,
                    staff_accounts.c.active.is_(True),
                )
                .values(
                    {"password_hash": new_hash, "must_change_password": False}
                    if new_hash is not None
                    else {"password_hash": account.password_hash}
                )
            )
            if unchanged.rowcount != 1:
                raise BadCredentials("the account changed while signing in")
            await connection.execute(
                delete(sign_in_failures).where(
                    sign_in_failures.c.username == username,
                    sign_in_failures.c.client == client,
                    sign_in_failures.c.id <= attempt,
                )
            )
            await connection.execute(
                insert(staff_sessions).values(
                    token_hash=_digest(token),
                    account_id=account.id,
                    csrf_token=csrf,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            centres = await _centres_of(connection, account.id, account.all_centres)
        return SignedIn(
            token,
            StaffSession(
                account.id, account.username, account.display_name, account.role, csrf, centres
            ),
            password_changed=new_hash is not None,
        )

    async def _new_password_hash(
        self, account: Row[Any], password: str, new_password: str | None
    ) -> str:
        if new_password is None:
            raise PasswordChangeRequired("choose a new password to finish signing in")
        personal = (account.username, account.display_name, password)
        weakness = await asyncio.to_thread(weakness_of, new_password[:1024], personal)
        if weakness is not None:
            raise WeakPassword(weakness)
        return await asyncio.to_thread(self._hasher.hash, new_password[:1024])

    async def _forget_attempt(self, attempt: int) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(sign_in_failures).where(sign_in_failures.c.id == attempt)
            )

    async def _second_factor(
        self, account_id: int, username: str, otp: str | None, now: datetime
    ) -> None:
        verdict = await self.second_factors.check(account_id, username, otp, now)
        if verdict.enrollment is not None:
            raise OtpEnrollmentRequired(verdict.enrollment)
        if verdict.kind == "required":
            raise OtpRequired("this account signs in with a code from its authenticator")
        if verdict.kind != "accepted":
            raise OtpInvalid("wrong or already used code")

    async def _reserve_attempt(self, username: str, client: str, now: datetime) -> int:
        """Record this attempt (a failure until it succeeds) and, in the same transaction,
        count the earlier ones of this account from this address; refuse while locked. The
        database serialises the transactions (SQLite's write lock; on PostgreSQL an advisory
        lock on the pair), so each concurrent attempt sees every one before it."""
        async with self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:pair))"),
                    {"pair": f"{username}\n{client}"},
                )
            attempt = (
                await connection.execute(
                    insert(sign_in_failures)
                    .values(username=username, client=client, at=now)
                    .returning(sign_in_failures.c.id)
                )
            ).scalar_one()
            earlier, last = (
                await connection.execute(
                    select(func.count(), func.max(sign_in_failures.c.at)).where(
                        sign_in_failures.c.username == username,
                        sign_in_failures.c.client == client,
                        sign_in_failures.c.at >= now - self.policy.window,
                        sign_in_failures.c.id < attempt,
                    )
                )
            ).one()
            if last is not None and now < last + self.lock_after(earlier):
                # Not counted: waiting out a lock must not lengthen it.
                await connection.execute(
                    delete(sign_in_failures).where(sign_in_failures.c.id == attempt)
                )
                locked = True
            else:
                locked = False
        if locked:
            raise AccountLocked("too many failed sign-ins from here; try again later")
        return int(attempt)

    def lock_after(self, failures: int) -> timedelta:
        """How long sign-in stays refused after the last of ``failures`` recent failures:
        nothing below ``max_failures``, then ``lockout``, doubling with each further one."""
        if failures < self.policy.max_failures:
            return timedelta(0)
        doublings = min(failures - self.policy.max_failures, 16)
        wait: timedelta = self.policy.lockout * (1 << doublings)
        return min(wait, self.policy.max_lockout)

    def _matches(self, stored: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(stored, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def session(self, token: str, now: datetime) -> StaffSession:
        """The live session of ``token`` (and one more minute of idleness); raises when it
        is unknown, idle too long or too old."""
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    select(staff_sessions, staff_accounts)
                    .join(staff_accounts, staff_accounts.c.id == staff_sessions.c.account_id)
                    .where(
                        staff_sessions.c.token_hash == _digest(token[:128]),
                        staff_accounts.c.active.is_(True),
                    )
                )
            ).first()
            if row is None:
                raise SessionExpired("please sign in")
            idle = now - row.last_seen_at > self.policy.idle
            old = now - row.created_at > self.policy.absolute
            if idle or old:
                await connection.execute(
                    delete(staff_sessions).where(staff_sessions.c.token_hash == row.token_hash)
                )
                raise SessionExpired("the session has ended; please sign in again")
            await connection.execute(
                update(staff_sessions)
                .where(staff_sessions.c.token_hash == row.token_hash)
                .values(last_seen_at=now)
            )
            centres = await _centres_of(connection, row.account_id, row.all_centres)
        return StaffSession(
            row.account_id, row.username, row.display_name, row.role, row.csrf_token, centres
        )

    @staticmethod
    def check_csrf(session: StaffSession, presented: str | None) -> None:
        if not presented or not hmac.compare_digest(presented, session.csrf_token):
            raise CsrfMismatch("the page is out of date; reload it")

    def on_sign_out(self, listener: SignOutListener) -> None:
        """``listener`` hears of every sign-out (a desk's live connections end with it)."""
        self._sign_out_listeners.append(listener)

    async def sign_out(self, token: str) -> None:
        async with self._engine.begin() as connection:
            ended = await connection.execute(
                delete(staff_sessions)
                .where(staff_sessions.c.token_hash == _digest(token[:128]))
                .returning(staff_sessions.c.account_id)
            )
            accounts = {int(account_id) for account_id in ended.scalars()}
        for account_id in accounts:
            await self.signed_out(account_id)

    async def sign_out_everywhere(self, account_id: int) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(staff_sessions).where(staff_sessions.c.account_id == account_id)
            )
        await self.signed_out(account_id)
        return int(result.rowcount or 0)

    async def signed_out(self, account_id: int) -> None:
        """Tell the listeners that the sessions of ``account_id`` ended (here, or by an
        administrator: ``accounts.staff``)."""
        for listener in self._sign_out_listeners:
            await listener(account_id)


async def _centres_of(
    connection: AsyncConnection, account_id: int, all_centres: bool
) -> CentreScope:
    if all_centres:
        return EVERY_CENTRE
    rows = await connection.execute(
        select(staff_centres.c.centre_code).where(staff_centres.c.account_id == account_id)
    )
    return CentreScope.of(r.centre_code for r in rows)
