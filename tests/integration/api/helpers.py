"""What the API tests share: a demo account's sign-in body (with its second factor) and the
count of audited refusals."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from accounts.tables import staff_second_factors
from audit.log import audit_log
from foundation.tables import staff_accounts
from majlis.app import AUDIT, DB_ENGINE
from majlis.demo import DemoSignIn
from tests.integration.signaling.conftest import LiveServer


async def sign_in_body(live: LiveServer, who: DemoSignIn) -> dict[str, str]:
    """A demo account's credentials; for the admin and supervisor with the code their
    authenticator shows (a code is accepted once: the step after the last one used, so three
    sign-ins fit in one half-minute of the test's clock)."""
    body = {"username": who.username, "password": who.password}
    if who.otp_secret is None:
        return body
    async with live.app[DB_ENGINE].connect() as connection:
        last = (
            await connection.execute(
                select(staff_second_factors.c.last_step)
                .join(staff_accounts, staff_accounts.c.id == staff_second_factors.c.account_id)
                .where(staff_accounts.c.username == who.username)
            )
        ).scalar()
    totp = pyotp.TOTP(who.otp_secret)
    current = totp.timecode(live.clock.now())
    step = current - 1 if last is None else max(current - 1, last + 1)
    assert step <= current + 1, "every code of this half-minute was used: move the clock"
    return {**body, "otp": totp.generate_otp(step)}


async def denials(live: LiveServer) -> int:
    """Refusals in the audit log: one a row, but an unknown caller's counted per address and
    minute (``count=N; codes``), written here for the minute in progress."""
    await live.app[AUDIT].write_counted_refusals(None)
    async with live.app[DB_ENGINE].connect() as connection:
        details = await connection.execute(
            select(audit_log.c.detail).where(audit_log.c.action == "access.denied")
        )
        return sum(
            int(detail.split(";")[0].removeprefix("count=")) if detail.startswith("count=") else 1
            for detail in details.scalars()
        )


async def audited(live: LiveServer, action: str) -> list[tuple[str, str, str]]:
    """The audit rows of ``action``: who, about what, and the detail."""
    async with live.app[DB_ENGINE].connect() as connection:
        rows = await connection.execute(
            select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq)
        )
        return [(r.actor, r.subject, r.detail) for r in rows]
