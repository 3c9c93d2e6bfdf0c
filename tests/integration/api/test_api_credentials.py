"""What the HTTP API takes as a credential: a staff session or an enrolled device. A seat's
join and resume tokens are for Socket.IO only, and the signed dev terminal tokens work only on
a server in development mode (``MAJLIS_DEV``); every refusal is a typed 401, audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.api.helpers import denials
from tests.integration.api.test_devices import (
    Client,
    clients,  # noqa: F401 - a fixture
    new_client,
)
from tests.integration.signaling.conftest import LiveServer, minutes

SITTINGS = "/api/sittings?day_start=2026-11-29T00:00:00%2B03:00"
# Reads of an applicant's request and an audience's brief (ids that name nothing: the
# credential is refused before anything is looked up).
READS = ("/api/requests/1", "/api/appointments/1/brief", "/api/queue?office=office-1")


async def bearer(live: LiveServer, made: list[Client], token: str) -> Client:
    client = await new_client(live, made)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


async def seat_tokens(live: LiveServer) -> dict[str, str]:
    """An office seat's join token, and the resume token its ``session`` event hands out."""
    await live.schedule()
    await live.at(minutes(-5), "open")
    office = live.participant("/office")
    await office.connect(live.rooms.issue_join_token("room-1", "office"))
    resume = office.received["session"][0]["resume_token"]
    return {"join": live.rooms.issue_join_token("room-1", "office"), "resume": resume}


async def assert_refused(live: LiveServer, client: Client, path: str) -> None:
    before = await denials(live)
    status, answer = await client.call("GET", path)
    assert (status, answer["code"]) == (401, "not_an_api_credential"), (path, answer)
    assert answer["message_key"] == "errors.token.not_an_api_credential"
    assert await denials(live) == before + 1


async def test_an_office_seats_join_and_resume_tokens_read_nothing(
    live: LiveServer,
    clients: list[Client],  # noqa: F811
) -> None:
    for kind, token in (await seat_tokens(live)).items():
        client = await bearer(live, clients, token)
        for path in READS:
            await assert_refused(live, client, path)
        status, answer = await client.call(
            "POST", "/api/appointments/1/outcome", json={"outcome": "resolved", "note": ""}
        )
        assert (status, answer["code"]) == (401, "not_an_api_credential"), kind


async def test_a_dev_terminal_token_is_refused_outside_development_mode(
    live: LiveServer,
    clients: list[Client],  # noqa: F811
) -> None:
    token = live.rooms.issue_terminal_token("desk", "desk-1", timedelta(hours=8))
    await assert_refused(live, await bearer(live, clients, token), SITTINGS)


@pytest.mark.parametrize("live", [{"dev": True}], indirect=True)
async def test_development_mode_takes_dev_terminal_tokens_and_still_no_seat_tokens(
    live: LiveServer,
    clients: list[Client],  # noqa: F811
) -> None:
    token = live.rooms.issue_terminal_token("desk", "desk-1", timedelta(hours=8))
    status, answer = await (await bearer(live, clients, token)).call("GET", SITTINGS)
    assert status == 200, answer

    for token in (await seat_tokens(live)).values():
        await assert_refused(live, await bearer(live, clients, token), READS[0])


async def test_anything_else_after_bearer_is_refused_typed(
    live: LiveServer,
    clients: list[Client],  # noqa: F811
) -> None:
    answers: list[Any] = []
    for token in ("x", "mj1.a.b.c", "Bearer"):
        client = await bearer(live, clients, token)
        answers.append(await client.call("GET", SITTINGS))
    assert {(status, answer["code"]) for status, answer in answers} == {
        (401, "not_an_api_credential")
    }
