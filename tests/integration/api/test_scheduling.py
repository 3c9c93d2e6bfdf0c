"""Scheduling over the HTTP API: one applicant seated at a booth at a time, her explicit,
audited check-out, and a cancelled request's appointment and room cancelled with it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from audit.log import audit_log
from majlis.app import DB_ENGINE
from tests.integration.api.test_api import REGISTRATION, Api, api  # noqa: F401 - a fixture
from tests.integration.signaling.conftest import minutes

# The `api` fixture's desk is a signed dev terminal token: a server in development mode.
pytestmark = pytest.mark.parametrize("live", [{"dev": True}], indirect=True)

BOOTH = "riyadh/booth-1"
SECOND_APPLICANT = {**REGISTRATION, "national_id": "1000000016", "phone": "0501234568"}


async def confirmed_at_the_booth(
    client: Api, registrations: list[dict[str, Any]]
) -> list[tuple[int, int]]:
    """Each registration booked at ``BOOTH`` in consecutive slots ten minutes from now, and
    confirmed; (request id, appointment id) of each."""
    status, sitting = await client.call(
        "POST",
        "/api/sittings",
        {
            "office_device": "office-1",
            "starts_at": minutes(10).isoformat(),
            "ends_at": minutes(70).isoformat(),
        },
    )
    assert status == 201, sitting
    _, slots = await client.call("GET", f"/api/sittings/{sitting['sitting']}/slots")
    booked = []
    for registration, slot in zip(registrations, slots["slots"], strict=False):
        _, created = await client.call("POST", "/api/requests", registration)
        status, appointment = await client.call(
            "POST",
            "/api/appointments",
            {"request_id": created["id"], "slot_id": slot["slot"], "booth": BOOTH},
        )
        assert status == 201, appointment
        status, _ = await client.call(
            "POST",
            f"/api/appointments/{appointment['appointment']}/calls",
            {"outcome": "confirmed"},
        )
        assert status == 200
        booked.append((created["id"], appointment["appointment"]))
    return booked


async def audited(client: Api, action: str) -> list[str]:
    async with client.live.app[DB_ENGINE].connect() as connection:
        rows = await connection.execute(select(audit_log).where(audit_log.c.action == action))
        return [r.subject for r in rows]


async def test_the_next_check_in_waits_until_the_seated_one_is_checked_out(
    api: Api,  # noqa: F811
) -> None:
    (request, first), (_, second) = await confirmed_at_the_booth(
        api, [REGISTRATION, SECOND_APPLICANT]
    )
    status, _ = await api.call("POST", f"/api/appointments/{first}/check-in")
    assert status == 200

    status, refused = await api.call("POST", f"/api/appointments/{second}/check-in")
    assert (status, refused["code"], refused["message_key"]) == (
        409,
        "booth_occupied",
        "errors.scheduler.booth_occupied",
    )
    _, listed = await api.call("GET", f"/api/requests/{request}/appointments")
    assert [a["checked_in"] for a in listed["appointments"]] == [True]

    status, _ = await api.call("POST", f"/api/appointments/{first}/check-out")
    assert status == 200
    status, again = await api.call("POST", f"/api/appointments/{first}/check-out")
    assert (status, again["code"]) == (409, "not_checked_in")
    status, _ = await api.call("POST", f"/api/appointments/{second}/check-in")
    assert status == 200
    assert await audited(api, "appointment.check_out") == [f"appointment:{first}"]


async def test_cancelling_a_request_cancels_its_appointment_and_room(
    api: Api,  # noqa: F811
) -> None:
    ((request, appointment),) = await confirmed_at_the_booth(api, [REGISTRATION])

    status, _ = await api.call("POST", f"/api/requests/{request}/status", {"status": "cancelled"})
    assert status == 200

    _, request_calls = await api.call("GET", f"/api/requests/{request}/appointments")
    assert request_calls["appointments"][0]["status"] == "cancelled"
    room = api.live.rooms.room(f"appt-{appointment}")
    assert (room.state.value, room.reason) == ("aborted", "appointment_cancelled")
