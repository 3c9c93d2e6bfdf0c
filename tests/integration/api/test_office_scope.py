"""The office's data: read by a signed-in office member at an enrolled office terminal — the
terminal and the person, both — and only of that terminal's own sittings on the service's day.
Another terminal's appointment, or another day's, is one she does not know (404). A sitting
needs a real office terminal. Supervisors never see a tracking number or a request id."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import insert

from foundation.tables import devices
from majlis.app import DB_ENGINE
from majlis.demo import DemoSignIn
from rooms.store import Seats
from tests.integration.api.test_devices import (
    Client,
    clients,  # noqa: F401 - a fixture
    enrolled,
    enrollment_code,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.casework.conftest import valid_registration
from tests.integration.signaling.conftest import LiveServer, minutes

TOMORROW = timedelta(days=1)


@dataclass(frozen=True)
class Booked:
    appointment: int
    request: int
    tracking_number: str


@dataclass
class Office:
    coordinator: Client
    terminal: Client  # office-1, with the office member signed in at it
    mine: Booked  # today, on office-1
    theirs: Booked  # today, on office-2
    tomorrow: Booked  # tomorrow, on office-1
    sitting: int  # today's sitting on office-1


async def book(coordinator: Client, office_device: str, start: int, national_id: str) -> Booked:
    body = asdict(valid_registration(national_id=national_id, phone=f"05{national_id[2:]}"))
    status, created = await coordinator.call("POST", "/api/requests", json=body)
    assert status == 201, created
    status, sitting = await coordinator.call(
        "POST",
        "/api/sittings",
        json={
            "office_device": office_device,
            "starts_at": minutes(start).isoformat(),
            "ends_at": minutes(start + 60).isoformat(),
        },
    )
    assert status == 201, sitting
    status, slots = await coordinator.call("GET", f"/api/sittings/{sitting['sitting']}/slots")
    status, booked = await coordinator.call(
        "POST",
        "/api/appointments",
        json={
            "request_id": created["id"],
            "slot_id": slots["slots"][0]["slot"],
            "booth": "riyadh/booth-1" if office_device == "office-1" else "riyadh/booth-2",
        },
    )
    assert status == 201, booked
    return Booked(booked["appointment"], created["id"], created["tracking_number"])


async def office_member_at(
    live: LiveServer, made: list[Client], sign_ins: dict[str, DemoSignIn], code: str
) -> Client:
    terminal = await enrolled(live, made, code)
    credentials = {"username": "office", "password": sign_ins["office"].password}
    status, session = await terminal.call("POST", "/api/session", json=credentials)
    assert status == 200, session
    terminal.headers["X-CSRF-Token"] = session["csrf_token"]
    return terminal


@pytest.fixture
async def office(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> Office:
    async with live.app[DB_ENGINE].begin() as connection:
        await connection.execute(
            insert(devices).values(
                kind="office",
                centre_id=None,
                label="office-2",
                in_service=True,
                created_at=live.clock.now(),
            )
        )
    admin = await signed_in(live, clients, staff, "admin")
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    terminal = await office_member_at(
        live, clients, staff, await enrollment_code(admin, "office-1")
    )
    mine = await book(coordinator, "office-1", 60, "1000000008")
    theirs = await book(coordinator, "office-2", 60, "1000000016")
    tomorrow = await book(coordinator, "office-1", 60 + 24 * 60, "2000000006")
    _, sittings = await coordinator.call("GET", f"/api/sittings?day_start={day_of(0)}")
    sitting = next(s["sitting"] for s in sittings["sittings"] if s["office_device"] == "office-1")
    return Office(coordinator, terminal, mine, theirs, tomorrow, sitting)


def day_of(offset_days: int) -> str:
    """Midnight in Riyadh of the test's day (+ offset)."""
    return quote(f"2026-11-{29 + offset_days:02d}T00:00:00+03:00")


QUEUE = "/api/queue?office=office-1"


async def test_the_office_terminal_alone_reads_nothing(
    live: LiveServer,
    office: Office,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    office.terminal.http.cookie_jar.clear()  # the member signs out: the terminal stays
    brief = f"/api/appointments/{office.mine.appointment}/brief"
    for method, path in (
        ("GET", QUEUE),
        ("GET", brief),
        ("GET", f"/api/requests/{office.mine.request}"),
    ):
        status, answer = await office.terminal.call(method, path)
        assert (status, answer["code"]) == (403, "not_permitted"), path
    status, answer = await office.terminal.call(
        "POST",
        f"/api/appointments/{office.mine.appointment}/outcome",
        json={"outcome": "resolved", "note": ""},
    )
    assert (status, answer["code"]) == (403, "not_permitted")

    member_away = await signed_in(live, clients, staff, "office")  # no terminal
    for path in (QUEUE, brief):
        status, answer = await member_away.call("GET", path)
        assert (status, answer["code"]) == (403, "not_permitted"), path


async def test_the_member_at_her_terminal_sees_only_its_appointments_of_today(
    office: Office,
) -> None:
    status, queue = await office.terminal.call("GET", f"{QUEUE}&day_start={day_of(1)}")
    assert status == 200, queue
    assert [q["appointment"] for q in queue["queue"]] == [office.mine.appointment]  # today's

    status, brief = await office.terminal.call(
        "GET", f"/api/appointments/{office.mine.appointment}/brief"
    )
    assert status == 200, brief
    for other in (office.theirs, office.tomorrow):
        status, answer = await office.terminal.call(
            "GET", f"/api/appointments/{other.appointment}/brief"
        )
        assert (status, answer["code"]) == (404, "unknown_appointment")
        status, answer = await office.terminal.call(
            "POST",
            f"/api/appointments/{other.appointment}/outcome",
            json={"outcome": "resolved", "note": ""},
        )
        assert (status, answer["code"]) == (404, "unknown_appointment")
    status, answer = await office.terminal.call("GET", f"/api/requests/{office.mine.request}")
    assert (status, answer["code"]) == (403, "not_permitted")  # briefs only, never the request
    status, answer = await office.terminal.call("GET", "/api/queue?office=office-2")
    assert (status, answer["code"]) == (403, "not_permitted")


@pytest.mark.parametrize("device", ["office-9", "riyadh/booth-1", ""])
async def test_a_sitting_needs_a_real_office_terminal(office: Office, device: str) -> None:
    status, answer = await office.coordinator.call(
        "POST",
        "/api/sittings",
        json={
            "office_device": device,
            "starts_at": minutes(300).isoformat(),
            "ends_at": minutes(360).isoformat(),
        },
    )
    assert status == 422, answer
    assert answer["code"] in ("unknown_office_terminal", "invalid_payload")
    if device:
        assert answer["message_key"] == "errors.scheduler.unknown_office_terminal"


async def test_a_supervisor_sees_no_tracking_number_and_no_request_id(
    live: LiveServer,
    office: Office,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    status, _ = await office.coordinator.call(
        "POST",
        f"/api/sittings/{office.sitting}/standby",
        json={"request_id": office.theirs.request},
    )
    assert status == 200
    supervisor = await signed_in(live, clients, staff, "supervisor")
    answers: dict[str, Any] = {}
    status, refused = await supervisor.call("GET", QUEUE)  # the office's own, nobody else's
    assert (status, refused["code"]) == (403, "not_permitted")
    for path in (
        f"/api/sittings?day_start={day_of(0)}",
        f"/api/sittings/{office.sitting}/standby",
        "/api/board",
        "/api/statistics",
    ):
        status, answers[path] = await supervisor.call("GET", path)
        assert status == 200, (path, answers[path])
    text = json.dumps(answers)
    for booked in (office.mine, office.theirs):
        assert booked.tracking_number not in text
        assert booked.tracking_number.replace(" ", "") not in text
    held = [
        slot["appointment"]
        for sitting in answers[f"/api/sittings?day_start={day_of(0)}"]["sittings"]
        for slot in sitting["slots"]
        if slot["appointment"]
    ]
    assert held
    assert all((h["request"], h["tracking_number"]) == (None, None) for h in held)
    assert answers[f"/api/sittings/{office.sitting}/standby"] == {
        "waiting": 1,
        "priority_waiting": 0,
    }

    # The coordinator, who runs the requests, sees them all.
    status, standby = await office.coordinator.call(
        "GET", f"/api/sittings/{office.sitting}/standby"
    )
    assert (standby["requests"], standby["waiting"]) == ([office.theirs.request], 1)
    status, calendar = await office.coordinator.call("GET", f"/api/sittings?day_start={day_of(0)}")
    assert status == 200
    assert office.mine.tracking_number.replace(" ", "") in json.dumps(calendar).replace(" ", "")


async def test_the_member_at_her_terminal_gets_a_seat_in_todays_rooms_only(
    live: LiveServer, office: Office
) -> None:
    seats = Seats("riyadh/booth-1", "office-1")
    for room, start in (("today", minutes(30)), ("tomorrow", minutes(30 + 24 * 60))):
        await live.rooms.schedule(room, seats, start, start + timedelta(minutes=6))
    status, seat = await office.terminal.call(
        "POST", "/api/device/join-token", json={"room": "today"}
    )
    assert (status, seat["room"]) == (200, "today")
    status, refused = await office.terminal.call(
        "POST", "/api/device/join-token", json={"room": "tomorrow"}
    )
    assert (status, refused["code"]) == (403, "not_permitted")
