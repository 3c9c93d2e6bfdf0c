"""An account given a one-time password (``majlis init``, ``majlis staff add`` or
``reset-password``) signs in only by choosing a new, strong password; an admin also enrolls
its authenticator in the same flow. The change is audited."""

from __future__ import annotations

from typing import Any

import aiohttp
from sqlalchemy import select

from accounts.second_factor import code_at
from accounts.staff import NewAccount, StaffAdmin
from audit.log import audit_log
from majlis.app import DB_ENGINE
from tests.integration.api.test_second_factor import browser  # noqa: F401 - a fixture
from tests.integration.signaling.conftest import LiveServer

STRONG = "tawny quartz lantern orbit 91"


async def new_account(live: LiveServer, username: str, role: str) -> str:
    admin = StaffAdmin(live.app[DB_ENGINE])
    # every centre: a coordinator serves one at least (accounts.staff)
    account = NewAccount(username, role, username, all_centres=True)
    _, password = await admin.add(account, live.clock.now())
    return password


async def sign_in(http: aiohttp.ClientSession, live: LiveServer, **body: str) -> tuple[int, Any]:
    async with http.post(f"{live.base_url}/api/session", json=body) as response:
        return response.status, await response.json()


async def signed_in_with_a_password_of_her_own(
    http: aiohttp.ClientSession, live: LiveServer, username: str
) -> None:
    one_time = await new_account(live, username, "coordinator")
    status, _ = await sign_in(http, live, username=username, password=one_time, new_password=STRONG)
    assert status == 200


def signed_in(http: aiohttp.ClientSession, live: LiveServer) -> bool:
    return "majlis_session" in http.cookie_jar.filter_cookies(live.base_url)


async def test_a_one_time_password_alone_asks_for_a_new_one(
    live: LiveServer,
    browser: aiohttp.ClientSession,  # noqa: F811
) -> None:
    one_time = await new_account(live, "coord9", "coordinator")

    status, body = await sign_in(browser, live, username="coord9", password=one_time)

    assert (status, body["code"], body["message_key"]) == (
        401,
        "password_change_required",
        "errors.accounts.password_change_required",
    )
    assert not signed_in(browser, live)


async def test_a_weak_new_password_is_refused_with_the_library_feedback(
    live: LiveServer,
    browser: aiohttp.ClientSession,  # noqa: F811
) -> None:
    one_time = await new_account(live, "coord9", "coordinator")

    status, body = await sign_in(
        browser, live, username="coord9", password=one_time, new_password="password1234"
    )

    assert (status, body["code"], body["message_key"]) == (
        422,
        "weak_password",
        "errors.accounts.weak_password",
    )
    assert body["details"]["reason"] == "too_guessable"
    assert body["details"]["warning"]  # zxcvbn's own text, e.g. "a very common password"
    assert "password1234" not in str(body)
    assert not signed_in(browser, live)


async def test_a_short_new_password_is_refused(
    live: LiveServer,
    browser: aiohttp.ClientSession,  # noqa: F811
) -> None:
    one_time = await new_account(live, "coord9", "coordinator")

    status, body = await sign_in(
        browser, live, username="coord9", password=one_time, new_password="x7#Qk!p"
    )

    assert (status, body["code"], body["details"]["reason"]) == (422, "weak_password", "too_short")


async def test_a_strong_new_password_signs_in_and_replaces_the_one_time_password(
    live: LiveServer,
    browser: aiohttp.ClientSession,  # noqa: F811
) -> None:
    one_time = await new_account(live, "coord9", "coordinator")

    status, body = await sign_in(
        browser, live, username="coord9", password=one_time, new_password=STRONG
    )
    assert (status, body["role"]) == (200, "coordinator")

    status, body = await sign_in(browser, live, username="coord9", password=one_time)
    assert (status, body["code"]) == (401, "sign_in_failed")
    status, body = await sign_in(browser, live, username="coord9", password=STRONG)
    assert (status, body["username"]) == (200, "coord9")


async def test_an_admin_changes_the_password_then_enrolls_the_authenticator(
    live: LiveServer,
    browser: aiohttp.ClientSession,  # noqa: F811
) -> None:
    one_time = await new_account(live, "admin", "admin")

    status, body = await sign_in(browser, live, username="admin", password=one_time)
    assert (status, body["code"]) == (401, "password_change_required")
    status, body = await sign_in(
        browser, live, username="admin", password=one_time, new_password=STRONG
    )
    assert (status, body["code"]) == (401, "otp_enrollment_required")
    code = code_at(body["details"]["secret"], live.clock.now())
    status, body = await sign_in(
        browser, live, username="admin", password=one_time, new_password=STRONG, otp=code
    )

    assert (status, body["role"]) == (200, "admin")
    async with live.app[DB_ENGINE].connect() as connection:
        actions = (
            await connection.execute(
                select(audit_log.c.action, audit_log.c.detail).where(audit_log.c.actor == "admin")
            )
        ).all()
    assert [tuple(row) for row in actions] == [
        ("sign_in.failed", "password_change_required"),
        ("sign_in.failed", "otp_enrollment_required"),
        ("staff.password_changed", ""),
        ("sign_in", ""),
    ]


async def test_a_password_reset_ends_the_sessions_and_asks_for_a_change_again(
    live: LiveServer,
    browser: aiohttp.ClientSession,  # noqa: F811
) -> None:
    await signed_in_with_a_password_of_her_own(browser, live, "coord9")

    _, again, ended = await StaffAdmin(live.app[DB_ENGINE]).reset_password("coord9")

    assert ended == 1
    async with browser.get(f"{live.base_url}/api/session") as response:
        assert response.status == 401
    status, body = await sign_in(browser, live, username="coord9", password=again)
    assert (status, body["code"]) == (401, "password_change_required")


async def test_a_disabled_account_loses_its_session_and_cannot_sign_in(
    live: LiveServer,
    browser: aiohttp.ClientSession,  # noqa: F811
) -> None:
    await signed_in_with_a_password_of_her_own(browser, live, "coord9")

    _, ended = await StaffAdmin(live.app[DB_ENGINE]).disable("coord9")

    assert ended == 1
    async with browser.get(f"{live.base_url}/api/session") as response:
        assert response.status == 401
    status, body = await sign_in(browser, live, username="coord9", password=STRONG)
    assert (status, body["code"]) == (401, "sign_in_failed")
