"""Admins and supervisors sign in with a TOTP code (RFC 6238): asked for, checked, never
accepted twice, counted towards the lockout, and enrolled by confirming a first code.
Coordinators and the office are not asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pyotp
import pytest
from sqlalchemy import select

from accounts.second_factor import code_at
from accounts.tables import staff_second_factors
from audit.log import audit_log
from casework.pii import add_data_key
from casework.rekey import reencrypt_all
from majlis.app import ACCOUNTS, DB_ENGINE
from majlis.components import pii_cipher
from majlis.demo import DemoSignIn
from tests.integration.api.test_devices import staff  # noqa: F401 - a fixture
from tests.integration.signaling.conftest import LiveServer


@pytest.fixture
async def browser(live: LiveServer) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as session:
        yield session


async def sign_in(
    browser: aiohttp.ClientSession, live: LiveServer, who: DemoSignIn, otp: str | None = None
) -> tuple[int, Any]:
    body = {"username": who.username, "password": who.password}
    if otp is not None:
        body["otp"] = otp
    async with browser.post(f"{live.base_url}/api/session", json=body) as response:
        return response.status, await response.json()


def code_now(live: LiveServer, who: DemoSignIn) -> str:
    assert who.otp_secret is not None
    return code_at(who.otp_secret, live.clock.now())


async def test_an_admin_without_a_code_is_asked_for_one(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    status, body = await sign_in(browser, live, staff["admin"])
    assert (status, body["code"], body["message_key"]) == (
        401,
        "otp_required",
        "errors.accounts.otp_required",
    )
    assert "majlis_session" not in browser.cookie_jar.filter_cookies(live.base_url)


async def test_a_wrong_code_is_refused_and_the_right_one_signs_in(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    right = code_now(live, staff["supervisor"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    status, body = await sign_in(browser, live, staff["supervisor"], wrong)
    assert (status, body["code"]) == (401, "otp_invalid")

    status, body = await sign_in(browser, live, staff["supervisor"], right)
    assert (status, body["role"]) == (200, "supervisor")
    async with browser.get(f"{live.base_url}/api/statistics") as response:
        assert response.status == 200


async def test_a_code_is_not_accepted_twice(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    code = code_now(live, staff["admin"])
    assert (await sign_in(browser, live, staff["admin"], code))[0] == 200
    status, body = await sign_in(browser, live, staff["admin"], code)
    assert (status, body["code"]) == (401, "otp_invalid")
    # Nor an older one once a newer was used (a code seen over a shoulder a minute ago).
    earlier = code_at(staff["admin"].otp_secret or "", live.clock.now() - timedelta(seconds=30))
    assert (await sign_in(browser, live, staff["admin"], earlier))[1]["code"] == "otp_invalid"
    live.clock.set(live.clock.now() + timedelta(seconds=30))
    assert (await sign_in(browser, live, staff["admin"], code_now(live, staff["admin"])))[0] == 200


async def test_wrong_codes_count_towards_the_lockout(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    for guess in ("000000", "111111", "222222", "333333", "444444"):
        assert (await sign_in(browser, live, staff["admin"], guess))[1]["code"] == "otp_invalid"
    status, body = await sign_in(browser, live, staff["admin"], code_now(live, staff["admin"]))
    assert (status, body["code"]) == (429, "account_locked")


async def test_a_coordinator_and_the_office_are_not_asked_for_a_code(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    assert staff["coordinator1"].otp_secret is None
    status, body = await sign_in(browser, live, staff["coordinator1"])
    assert (status, body["role"]) == (200, "coordinator")
    status, body = await sign_in(browser, live, staff["office"], "123456")  # ignored
    assert (status, body["role"]) == (200, "office")


async def test_an_admin_without_a_factor_enrolls_by_confirming_a_first_code(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    assert await live.app[ACCOUNTS].second_factors.reset("admin")
    admin = staff["admin"]

    status, body = await sign_in(browser, live, admin)
    assert (status, body["code"]) == (401, "otp_enrollment_required")
    enrollment = body["details"]
    secret = enrollment["secret"]
    assert enrollment["uri"] == pyotp.TOTP(secret).provisioning_uri(
        name="admin", issuer_name="Majlis"
    )
    assert enrollment["qr_svg"].startswith("data:image/svg+xml")
    # Asked again before confirming: the same key (it may already be in the app).
    assert (await sign_in(browser, live, admin))[1]["details"]["secret"] == secret
    async with live.app[DB_ENGINE].connect() as connection:
        stored = (await connection.execute(select(staff_second_factors.c.secret))).scalars()
        assert all(secret not in value for value in stored)  # sealed at rest

    assert (await sign_in(browser, live, admin, "000000"))[1]["code"] == "otp_invalid"
    status, body = await sign_in(browser, live, admin, code_at(secret, live.clock.now()))
    assert (status, body["role"]) == (200, "admin")
    live.clock.set(live.clock.now() + timedelta(seconds=30))
    assert (await sign_in(browser, live, admin))[1]["code"] == "otp_required"  # enrolled


async def test_an_unconfirmed_key_expires_and_a_new_one_is_shown(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    assert await live.app[ACCOUNTS].second_factors.reset("supervisor")
    first = (await sign_in(browser, live, staff["supervisor"]))[1]["details"]["secret"]
    live.clock.set(live.clock.now() + timedelta(minutes=11))
    late = code_at(first, live.clock.now())
    status, body = await sign_in(browser, live, staff["supervisor"], late)
    assert (status, body["code"]) == (401, "otp_enrollment_required")
    assert body["details"]["secret"] != first


async def test_every_refused_code_leaves_an_audit_row(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    await sign_in(browser, live, staff["admin"])
    await sign_in(browser, live, staff["admin"], "000000")
    async with live.app[DB_ENGINE].connect() as connection:
        rows = (
            await connection.execute(
                select(audit_log.c.actor, audit_log.c.detail).where(
                    audit_log.c.action == "sign_in.failed"
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [("admin", "otp_required"), ("admin", "otp_invalid")]


async def test_a_key_rotation_reseals_the_secrets_and_codes_still_work(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    browser: aiohttp.ClientSession,
) -> None:
    add_data_key(live.settings.data_dir / "keys")
    done = await reencrypt_all(live.app[DB_ENGINE], pii_cipher(live.settings))
    assert done["staff_second_factors"] == 2
    status, body = await sign_in(browser, live, staff["admin"], code_now(live, staff["admin"]))
    assert (status, body["role"]) == (200, "admin")
