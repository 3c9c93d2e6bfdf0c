"""Refusals of callers nobody knows are counted in the audit log, one row per source address
and minute; a known caller's refusal stays one row each."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
from sqlalchemy import select

from audit.log import audit_log
from majlis.app import AUDIT, DB_ENGINE
from tests.integration.signaling.conftest import LiveServer


async def refuse_anonymously(live: LiveServer, times: int, source: str) -> None:
    connector = aiohttp.TCPConnector(ssl=live.ca, local_addr=(source, 0))
    async with aiohttp.ClientSession(connector=connector) as anonymous:
        for _ in range(times):
            async with anonymous.get(f"{live.base_url}/api/requests/1") as response:
                assert response.status == 401


async def denied_rows(live: LiveServer) -> list[tuple[str, str, str]]:
    async with live.app[DB_ENGINE].connect() as connection:
        rows = await connection.execute(
            select(audit_log.c.actor, audit_log.c.subject, audit_log.c.detail)
            .where(audit_log.c.action == "access.denied")
            .order_by(audit_log.c.seq)
        )
        return [tuple(row) for row in rows]


async def test_fifty_anonymous_refusals_in_a_minute_are_one_row_per_address(
    live: LiveServer,
) -> None:
    await refuse_anonymously(live, 50, "127.0.0.1")
    await refuse_anonymously(live, 3, "127.0.0.2")
    assert await denied_rows(live) == []  # the minute is still counting

    live.clock.set(live.clock.now() + timedelta(minutes=1))
    await live.app[AUDIT].write_counted_refusals(live.clock.now())

    assert await denied_rows(live) == [
        ("127.0.0.1", "/api/requests/1", "count=50; token_invalid"),
        ("127.0.0.2", "/api/requests/1", "count=3; token_invalid"),
    ]


async def test_the_next_minute_starts_a_new_count(live: LiveServer) -> None:
    await refuse_anonymously(live, 2, "127.0.0.1")
    live.clock.set(live.clock.now() + timedelta(minutes=1))
    await refuse_anonymously(live, 1, "127.0.0.1")  # writes the ended minute on the way
    assert await denied_rows(live) == [("127.0.0.1", "/api/requests/1", "count=2; token_invalid")]
