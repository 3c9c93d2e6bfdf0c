"""Staff sign-in over HTTPS: cookie flags, CSRF, lockout, timeouts, sign-out everywhere, and
unknown users answered like wrong passwords (same words, same time)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from accounts.service import (
    AccountLocked,
    Accounts,
    BadCredentials,
    SessionExpired,
    SignInPolicy,
)
from majlis.app import ACCOUNTS, DB_ENGINE
from majlis.demo import DemoSignIn, seed_demo
from tests.integration.api.helpers import sign_in_body
from tests.integration.casework.conftest import valid_registration
from tests.integration.signaling.conftest import LiveServer


@pytest.fixture
async def staff(live: LiveServer) -> list[DemoSignIn]:
    sign_ins = await seed_demo(
        live.app[DB_ENGINE], live.clock.now(), live.app[ACCOUNTS].second_factors
    )
    assert sign_ins is not None
    return sign_ins


@pytest.fixture
async def browser(live: LiveServer) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
        yield session


def account(staff: list[DemoSignIn], role: str) -> DemoSignIn:
    return next(s for s in staff if s.role == role)


async def call(
    browser: aiohttp.ClientSession, live: LiveServer, method: str, path: str, **kwargs: Any
) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with browser.request(method, f"{live.base_url}{path}", **kwargs) as response:
        return response.status, await response.json(), response


async def sign_in(
    browser: aiohttp.ClientSession, live: LiveServer, username: str, password: str
) -> tuple[int, Any, aiohttp.ClientResponse]:
    return await call(
        browser, live, "POST", "/api/session", json={"username": username, "password": password}
    )


async def test_a_coordinator_signs_in_and_works_with_csrf(
    live: LiveServer, staff: list[DemoSignIn], browser: aiohttp.ClientSession
) -> None:
    me = account(staff, "coordinator")
    status, body, response = await sign_in(browser, live, me.username, me.password)
    assert status == 200, body
    cookie = response.headers["Set-Cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie
    csrf = body["csrf_token"]
    status, who, _ = await call(browser, live, "GET", "/api/session")
    assert (status, who["role"], who["username"]) == (200, "coordinator", me.username)

    form = asdict(valid_registration())
    status, refused, _ = await call(browser, live, "POST", "/api/requests", json=form)
    assert (status, refused["code"]) == (401, "csrf_mismatch")
    status, created, _ = await call(
        browser, live, "POST", "/api/requests", json=form, headers={"X-CSRF-Token": csrf}
    )
    assert status == 201, created

    status, _, _ = await call(
        browser, live, "DELETE", "/api/session", headers={"X-CSRF-Token": csrf}
    )
    assert status == 200
    status, gone, _ = await call(browser, live, "GET", "/api/session")
    assert (status, gone["code"]) == (401, "token_invalid")  # the cookie went with sign-out


async def test_a_supervisor_sees_figures_but_no_request(
    live: LiveServer, staff: list[DemoSignIn], browser: aiohttp.ClientSession
) -> None:
    me = account(staff, "supervisor")
    body = await sign_in_body(live, me)
    assert (await call(browser, live, "POST", "/api/session", json=body))[0] == 200
    assert (await call(browser, live, "GET", "/api/statistics"))[0] == 200
    status, refused, _ = await call(browser, live, "GET", "/api/requests/1")
    assert (status, refused["code"]) == (403, "not_permitted")


async def test_the_sixth_attempt_is_refused_even_with_the_right_password_until_the_lock_ends(
    live: LiveServer, staff: list[DemoSignIn], browser: aiohttp.ClientSession
) -> None:
    me = account(staff, "office")
    for _ in range(5):
        status, body, _ = await sign_in(browser, live, me.username, "not the password")
        assert (status, body["code"]) == (401, "sign_in_failed")
    status, body, _ = await sign_in(browser, live, me.username, me.password)
    assert (status, body["code"], body["message_key"]) == (
        429,
        "account_locked",
        "errors.accounts.account_locked",
    )
    live.clock.set(live.clock.now() + timedelta(minutes=14))
    assert (await sign_in(browser, live, me.username, me.password))[0] == 429
    live.clock.set(live.clock.now() + timedelta(minutes=2))
    assert (await sign_in(browser, live, me.username, me.password))[0] == 200


async def test_an_idle_session_ends(
    live: LiveServer, staff: list[DemoSignIn], browser: aiohttp.ClientSession
) -> None:
    me = account(staff, "coordinator")
    await sign_in(browser, live, me.username, me.password)
    live.clock.set(live.clock.now() + timedelta(minutes=29))
    assert (await call(browser, live, "GET", "/api/session"))[0] == 200
    live.clock.set(live.clock.now() + timedelta(minutes=31))
    status, body, _ = await call(browser, live, "GET", "/api/session")
    assert (status, body["code"]) == (401, "session_expired")


async def test_sign_out_everywhere_ends_every_session_of_the_account(
    live: LiveServer, staff: list[DemoSignIn], browser: aiohttp.ClientSession
) -> None:
    me = account(staff, "coordinator")
    connector = aiohttp.TCPConnector(ssl=live.ca)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as other:
        await sign_in(other, live, me.username, me.password)
        _, body, _ = await sign_in(browser, live, me.username, me.password)
        status, ended, _ = await call(
            browser,
            live,
            "POST",
            "/api/session/everywhere",
            headers={"X-CSRF-Token": body["csrf_token"]},
        )
        assert (status, ended["ended"]) == (200, 2)
        assert (await call(other, live, "GET", "/api/session"))[0] == 401


async def test_an_absolute_timeout_ends_even_a_busy_session(
    live: LiveServer, staff: list[DemoSignIn]
) -> None:
    policy = SignInPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=1))
    accounts = await accounts_for(live, policy)
    me = account(staff, "coordinator")
    start = live.clock.now()
    signed_in = await accounts.sign_in(me.username, me.password, "127.0.0.1", start)
    for minutes in (20, 40, 59):
        await accounts.session(signed_in.token, start + timedelta(minutes=minutes))
    with pytest.raises(SessionExpired):
        await accounts.session(signed_in.token, start + timedelta(minutes=61))


async def test_unknown_users_and_wrong_passwords_take_the_same_time(
    live: LiveServer, staff: list[DemoSignIn]
) -> None:
    accounts = await accounts_for(live, SignInPolicy(max_failures=10_000))
    me = account(staff, "coordinator")

    async def timed(username: str) -> float:
        started = time.perf_counter()
        with pytest.raises(BadCredentials) as refused:
            await accounts.sign_in(username, "wrong password", "127.0.0.1", live.clock.now())
        assert refused.value.detail == "wrong username or password"
        return time.perf_counter() - started

    unknown, wrong = [], []
    for _ in range(8):
        unknown.append(await timed("nobody-at-all"))
        wrong.append(await timed(me.username))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.8 <= ratio <= 1.2, (unknown, wrong)


async def test_the_ministers_office_staff_read_the_queue_only_at_their_terminal(
    live: LiveServer, staff: list[DemoSignIn], browser: aiohttp.ClientSession
) -> None:
    me = account(staff, "office")
    assert (await sign_in(browser, live, me.username, me.password))[0] == 200
    status, refused, _ = await call(browser, live, "GET", "/api/queue?office=office-1")
    assert (status, refused["code"]) == (403, "not_permitted")  # tests/.../test_office_scope.py
    status, refused, _ = await call(browser, live, "GET", "/api/statistics")
    assert (status, refused["code"]) == (403, "not_permitted")


async def accounts_for(live: LiveServer, policy: SignInPolicy) -> Accounts:
    """Built off the event loop, as the app does: the constructor hashes a dummy password."""
    factors = live.app[ACCOUNTS].second_factors
    return await asyncio.to_thread(Accounts, live.app[DB_ENGINE], policy, factors)


async def outcome_of(
    accounts: Accounts, who: DemoSignIn, password: str, client: str, at: Any
) -> str:
    try:
        await accounts.sign_in(who.username, password, client, at)
    except BadCredentials:
        return "wrong"
    except AccountLocked:
        return "locked"
    return "signed in"


async def test_concurrent_wrong_passwords_get_no_more_guesses_than_allowed(
    live: LiveServer, staff: list[DemoSignIn]
) -> None:
    accounts = await accounts_for(live, SignInPolicy(max_failures=5))
    me, now = account(staff, "office"), live.clock.now()

    outcomes = await asyncio.gather(
        *(outcome_of(accounts, me, "a guess", "client-a", now) for _ in range(20))
    )

    assert (outcomes.count("wrong"), outcomes.count("locked")) == (5, 15)


async def test_guessing_from_one_address_does_not_lock_the_account_out_elsewhere(
    live: LiveServer, staff: list[DemoSignIn]
) -> None:
    accounts = await accounts_for(live, SignInPolicy(max_failures=5))
    office, now = account(staff, "office"), live.clock.now()
    for _ in range(5):
        assert await outcome_of(accounts, office, "a guess", "attacker", now) == "wrong"

    assert await outcome_of(accounts, office, office.password, "attacker", now) == "locked"
    assert await outcome_of(accounts, office, office.password, "office-nat", now) == "signed in"


async def test_many_failures_behind_one_address_do_not_lock_out_the_whole_centre(
    live: LiveServer, staff: list[DemoSignIn]
) -> None:
    accounts = await accounts_for(live, SignInPolicy(max_failures=5))
    now = live.clock.now()
    for username in ("coordinator1", "supervisor", "admin", "nobody"):
        someone = DemoSignIn(username, "", "")
        for _ in range(5):
            assert await outcome_of(accounts, someone, "typo", "centre-nat", now) == "wrong"

    colleague = account(staff, "office")
    assert await outcome_of(accounts, colleague, colleague.password, "centre-nat", now) == (
        "signed in"
    )


async def test_each_failure_after_a_lock_doubles_the_wait(
    live: LiveServer, staff: list[DemoSignIn]
) -> None:
    policy = SignInPolicy(max_failures=5, lockout=timedelta(minutes=15))
    accounts, me, start = (
        await accounts_for(live, policy),
        account(staff, "office"),
        live.clock.now(),
    )
    for _ in range(5):
        await outcome_of(accounts, me, "a guess", "client-a", start)
    after_first_lock = start + timedelta(minutes=16)
    assert await outcome_of(accounts, me, "a guess", "client-a", after_first_lock) == "wrong"

    thirty_later = after_first_lock + timedelta(minutes=29)
    assert await outcome_of(accounts, me, me.password, "client-a", thirty_later) == "locked"
    assert (
        await outcome_of(accounts, me, me.password, "client-a", thirty_later + timedelta(minutes=2))
        == "signed in"
    )
