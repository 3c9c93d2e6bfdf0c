"""The second factor of admins and supervisors: TOTP (RFC 6238) through ``pyotp``.

- The shared secret is stored sealed at rest (``staff_second_factors.secret``, bound to its
  account's row) by a ``Sealer`` the composition root builds on the personal-data cipher;
  this package never sees a key.
- Enrollment is trust on first use of the password: the first sign-in with the right
  password is answered with a new secret (text, ``otpauth://`` URI and an SVG QR code) kept
  *pending* for ``SignInPolicy.otp_enrollment``; it becomes the account's factor when a code
  of it comes back with the password. Until then the same pending secret is shown again.
- A code is accepted for the current 30-second step or one on either side (clock drift), and
  only for a step later than the last one accepted: a code is never accepted twice
  (RFC 6238 §5.2), not even by two sign-ins at once (the step is stored by a conditional
  update).
- ``majlis staff reset-otp USER`` deletes the factor; the next sign-in enrolls anew.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

import pyotp
import segno
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from accounts.tables import staff_second_factors
from foundation.tables import staff_accounts

ISSUER = "Majlis"
STEP_WINDOW = 1  # steps accepted on either side of the current one (±30 s of clock drift)


class Sealer(Protocol):
    """Seals one column's values bound to their row (``casework.pii`` in the app)."""

    def seal(self, value: str, row: int) -> str: ...

    def unseal(self, stored: str, row: int) -> str: ...


@dataclass(frozen=True)
class OtpEnrollment:
    """What the person adds to an authenticator app; shown only at enrollment."""

    secret: str  # base32, to type in
    uri: str  # otpauth://totp/Majlis:<user>?secret=…&issuer=Majlis
    qr_svg: str  # a data: URI of the QR code of ``uri``
    expires_at: datetime


def new_secret() -> str:
    return pyotp.random_base32()


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator shows at ``moment`` (demo, tests)."""
    return pyotp.TOTP(secret).at(moment)


def matching_step(
    secret: str, code: str, moment: datetime, window: int = STEP_WINDOW
) -> int | None:
    """The time step (within ``window`` of ``moment``'s) whose code ``code`` is, if any."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    found = None
    for step in range(current - window, current + window + 1):
        # Every candidate is compared, so the time taken says nothing about which matched.
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()):
            found = step
    return found


def enrollment_for(secret: str, username: str, expires_at: datetime) -> OtpEnrollment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    qr_svg = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return OtpEnrollment(secret, uri, qr_svg, expires_at)


@dataclass(frozen=True)
class Verdict:
    """What a presented code (or its absence) means for one account."""

    kind: Literal["accepted", "required", "invalid", "enroll"]
    enrollment: OtpEnrollment | None = None


class SecondFactors:
    def __init__(self, engine: AsyncEngine, sealer: Sealer, enrollment_lifetime: timedelta) -> None:
        self._engine = engine
        self._sealer = sealer
        self._lifetime = enrollment_lifetime

    async def check(
        self, account_id: int, username: str, code: str | None, now: datetime
    ) -> Verdict:
        """Whether ``code`` completes this sign-in; enrolls (pending) when there is no factor."""
        try:
            return await self._check(account_id, username, (code or "").replace(" ", ""), now)
        except IntegrityError:
            # Another sign-in of the same account started its enrollment at the same moment.
            return await self._check(account_id, username, (code or "").replace(" ", ""), now)

    async def _check(self, account_id: int, username: str, code: str, now: datetime) -> Verdict:
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    select(staff_second_factors).where(
                        staff_second_factors.c.account_id == account_id
                    )
                )
            ).first()
            pending = row is not None and row.enrolled_at is None
            if row is None or (pending and row.pending_until <= now):
                secret = await self._new_pending(connection, account_id, row is None, now)
                return await self._enroll(secret, username, now + self._lifetime)
            secret = self._sealer.unseal(row.secret, account_id)
            if not code:
                if pending:
                    return await self._enroll(secret, username, row.pending_until)
                return Verdict("required")
            step = matching_step(secret, code, now)
            if step is None:
                return Verdict("invalid")
            used = await connection.execute(
                update(staff_second_factors)
                .where(
                    staff_second_factors.c.account_id == account_id,
                    or_(
                        staff_second_factors.c.last_step.is_(None),
                        staff_second_factors.c.last_step < step,
                    ),
                )
                .values(last_step=step, enrolled_at=row.enrolled_at or now, pending_until=None)
            )
            return Verdict("accepted" if used.rowcount == 1 else "invalid")

    async def _new_pending(
        self, connection: AsyncConnection, account_id: int, first: bool, now: datetime
    ) -> str:
        secret = new_secret()
        values = {
            "secret": self._sealer.seal(secret, account_id),
            "pending_until": now + self._lifetime,
            "enrolled_at": None,
            "last_step": None,
        }
        if first:
            await connection.execute(
                insert(staff_second_factors).values(account_id=account_id, **values)
            )
        else:
            await connection.execute(
                update(staff_second_factors)
                .where(staff_second_factors.c.account_id == account_id)
                .values(**values)
            )
        return secret

    @staticmethod
    async def _enroll(secret: str, username: str, expires_at: datetime) -> Verdict:
        # Drawing the QR code is CPU work: off the event loop.
        enrollment = await asyncio.to_thread(enrollment_for, secret, username, expires_at)
        return Verdict("enroll", enrollment)

    async def enroll(self, account_id: int, secret: str, now: datetime) -> None:
        """Make ``secret`` the account's factor at once (the demo's fixed secrets)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(staff_second_factors).values(
                    account_id=account_id,
                    secret=self._sealer.seal(secret, account_id),
                    enrolled_at=now,
                    pending_until=None,
                    last_step=None,
                )
            )

    async def reset(self, username: str) -> bool:
        """Forget the factor of ``username`` (a lost authenticator); False if there was none."""
        async with self._engine.begin() as connection:
            account_id = (
                await connection.execute(
                    select(staff_accounts.c.id).where(
                        staff_accounts.c.username == username.strip().lower()
                    )
                )
            ).scalar()
            if account_id is None:
                return False
            gone = await connection.execute(
                delete(staff_second_factors).where(staff_second_factors.c.account_id == account_id)
            )
        return bool(gone.rowcount)
