"""A booth out of service over the HTTP API (issue 13, item 3): it lists the appointments it
affects, the coordinator moves one to another booth of the centre (the applicant gets the
SMS, through the real outbox to a local gateway), booking and check-in refuse the booth until
it is back, and only the booth's centre's coordinators and administrators may do any of it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from audit.log import audit_log
from casework.outbox import Dispatcher, HttpGatewayProvider
from majlis.app import DB_ENGINE, PII
from majlis.demo import DemoSignIn
from rooms.state import EventKind, RoomEvent
from tests.fakes.sms_gateway import API_KEY, FakeGateway
from tests.integration.api.test_api import REGISTRATION
from tests.integration.api.test_devices import Client, new_client, signed_in
from tests.integration.signaling.conftest import LiveServer, minutes

# The server's own SMS loop (console) must not send the outbox before the test's gateway does.
pytestmark = pytest.mark.parametrize("live", [{"sms_dispatch_s": 3600.0}], indirect=True)

BOOTH, OTHER_BOOTH = "riyadh/booth-1", "riyadh/booth-2"
SECOND_APPLICANT = {**REGISTRATION, "national_id": "1000000016", "phone": "0501234568"}
BROKEN = {"reason": "الكاميرا لا تعمل", "expected_back_at": minutes(180).isoformat()}


@pytest.fixture
async def coordinator(
    live: LiveServer, clients: list[Client], staff: dict[str, DemoSignIn]
) -> Client:
    return await signed_in(live, clients, staff, "coordinator1")  # serves Riyadh


async def sitting(client: Client) -> list[int]:
    """A sitting of office-1 ten minutes from now; its slots."""
    status, made = await client.call(
        "POST",
        "/api/sittings",
        json={
            "office_device": "office-1",
            "starts_at": minutes(10).isoformat(),
            "ends_at": minutes(70).isoformat(),
        },
    )
    assert status == 201, made
    _, slots = await client.call("GET", f"/api/sittings/{made['sitting']}/slots")
    return [s["slot"] for s in slots["slots"]]


async def booked(
    client: Client, registration: dict[str, Any], slot: int, booth: str = BOOTH
) -> tuple[int, int, str]:
    """A registration booked at ``booth`` and confirmed: (request, appointment, tracking)."""
    status, created = await client.call("POST", "/api/requests", json=registration)
    assert status == 201, created
    status, appointment = await client.call(
        "POST",
        "/api/appointments",
        json={"request_id": created["id"], "slot_id": slot, "booth": booth},
    )
    assert status == 201, appointment
    status, _ = await client.call(
        "POST",
        f"/api/appointments/{appointment['appointment']}/calls",
        json={"outcome": "confirmed"},
    )
    assert status == 200
    return created["id"], appointment["appointment"], created["tracking_number"]


async def device_id(client: Client, name: str) -> int:
    status, board = await client.call("GET", "/api/board")
    assert status == 200, board
    return int(next(b["device_id"] for b in board["booths"] if b["device"] == name))


async def board_row(client: Client, name: str) -> dict[str, Any]:
    _, board = await client.call("GET", "/api/board")
    return dict(next(b for b in board["booths"] if b["device"] == name))


async def test_out_of_service_lists_the_affected_appointment_and_the_board_says_why(
    live: LiveServer, coordinator: Client
) -> None:
    (slot, *_) = await sitting(coordinator)
    _, appointment, tracking = await booked(coordinator, REGISTRATION, slot)
    booth = await device_id(coordinator, BOOTH)

    status, body = await coordinator.call(
        "POST", f"/api/devices/{booth}/out-of-service", json=BROKEN
    )

    assert status == 200, body
    assert body["device"]["name"] == BOOTH
    assert body["device"]["in_service"] is False
    assert body["device"]["out_of_service_reason"] == BROKEN["reason"]
    assert body["device"]["expected_back_at"] == minutes(180).isoformat()
    assert [
        (a["appointment"], a["tracking_number"].replace(" ", ""), a["status"])
        for a in body["affected"]
    ] == [(appointment, tracking.replace(" ", ""), "confirmed")]
    status, listed = await coordinator.call("GET", f"/api/devices/{booth}/affected")
    assert (status, listed["affected"]) == (200, body["affected"])
    row = await board_row(coordinator, BOOTH)
    assert (row["state"], row["in_service"], row["out_of_service_reason"]) == (
        "out_of_service",
        False,
        BROKEN["reason"],
    )
    async with live.app[DB_ENGINE].connect() as connection:
        trail = (
            await connection.execute(
                select(audit_log.c.actor, audit_log.c.subject, audit_log.c.detail).where(
                    audit_log.c.action == "device.out_of_service"
                )
            )
        ).all()
    assert [tuple(r) for r in trail] == [("coordinator1", f"device:{BOOTH}", BROKEN["reason"])]


async def test_moving_an_affected_appointment_texts_her_and_shows_in_her_history(
    live: LiveServer, coordinator: Client, gateway: FakeGateway
) -> None:
    (slot, *_) = await sitting(coordinator)
    request, appointment, tracking = await booked(coordinator, REGISTRATION, slot)
    booth = await device_id(coordinator, BOOTH)
    await coordinator.call("POST", f"/api/devices/{booth}/out-of-service", json=BROKEN)

    status, moved = await coordinator.call(
        "POST", f"/api/appointments/{appointment}/move", json={"booth": OTHER_BOOTH}
    )

    assert status == 200, moved
    new = moved["appointment"]
    _, listed = await coordinator.call("GET", f"/api/devices/{booth}/affected")
    assert listed["affected"] == []
    _, appointments = await coordinator.call("GET", f"/api/requests/{request}/appointments")
    assert [(a["appointment"], a["booth"], a["status"]) for a in appointments["appointments"]] == [
        (appointment, BOOTH, "rescheduled"),
        (new, OTHER_BOOTH, "confirmed"),
    ]
    old_room = live.rooms.room(f"appt-{appointment}")
    assert (old_room.state.value, old_room.reason) == ("aborted", "appointment_moved")
    assert live.rooms.seats(f"appt-{new}").booth_device == OTHER_BOOTH
    _, details = await coordinator.call("GET", f"/api/requests/{request}")
    assert details["history"][-1]["note"] == f"moved to {OTHER_BOOTH}"
    assert details["status"] == "confirmed"  # the same time: no new confirmation call

    provider = HttpGatewayProvider(gateway.url, API_KEY, "Majlis")
    await Dispatcher(live.app[DB_ENGINE], provider, live.app[PII]).send_due(live.clock.now())
    texts = {m["key"]: m for m in gateway.delivered}
    sms = texts[f"moved:{new}"]
    assert sms["to"] == "+966501234567"
    assert "تغيّر الكشك" in sms["text"]
    assert tracking.replace(" ", "") in sms["text"].replace(" ", "")


async def test_booking_and_check_in_are_refused_until_the_booth_is_back(
    coordinator: Client,
) -> None:
    first, second, *_ = await sitting(coordinator)
    _, appointment, _ = await booked(coordinator, REGISTRATION, first)
    booth = await device_id(coordinator, BOOTH)
    await coordinator.call("POST", f"/api/devices/{booth}/out-of-service", json=BROKEN)
    _, created = await coordinator.call("POST", "/api/requests", json=SECOND_APPLICANT)
    booking = {"request_id": created["id"], "slot_id": second, "booth": BOOTH}

    status, refused = await coordinator.call("POST", "/api/appointments", json=booking)
    assert (status, refused["code"], refused["message_key"]) == (
        409,
        "booth_out_of_service",
        "errors.scheduler.booth_out_of_service",
    )
    status, refused = await coordinator.call("POST", f"/api/appointments/{appointment}/check-in")
    assert (status, refused["code"]) == (409, "booth_out_of_service")

    status, back = await coordinator.call("POST", f"/api/devices/{booth}/in-service")
    assert status == 200, back
    assert (back["device"]["in_service"], back["device"]["out_of_service_reason"]) == (True, None)
    assert back["device"]["expected_back_at"] is None
    status, _ = await coordinator.call("POST", "/api/appointments", json=booking)
    assert status == 201
    status, _ = await coordinator.call("POST", f"/api/appointments/{appointment}/check-in")
    assert status == 200


async def test_a_move_is_refused_to_a_taken_same_or_other_centres_booth(
    coordinator: Client,
) -> None:
    (slot, *_) = await sitting(coordinator)
    (overlapping, *_) = await sitting(coordinator)  # the same times, a second sitting
    _, appointment, _ = await booked(coordinator, REGISTRATION, slot)
    await booked(coordinator, SECOND_APPLICANT, overlapping, OTHER_BOOTH)

    async def move_to(booth: str) -> tuple[int, str]:
        path = f"/api/appointments/{appointment}/move"
        status, body = await coordinator.call("POST", path, json={"booth": booth})
        return status, body["code"]

    assert await move_to(OTHER_BOOTH) == (409, "booth_taken")
    assert await move_to(BOOTH) == (409, "same_booth")
    assert await move_to("jeddah/booth-1") == (404, "unknown_device")
    assert await move_to("riyadh/booth-9") == (404, "unknown_device")
    await coordinator.call(
        "POST",
        f"/api/devices/{await device_id(coordinator, OTHER_BOOTH)}/out-of-service",
        json=BROKEN,
    )
    assert await move_to(OTHER_BOOTH) == (409, "booth_out_of_service")


async def test_a_booth_is_not_taken_out_while_an_audience_runs_at_it(
    live: LiveServer, coordinator: Client
) -> None:
    (slot, *_) = await sitting(coordinator)
    _, appointment, _ = await booked(coordinator, REGISTRATION, slot)
    await live.at(minutes(2))  # the room opens ten minutes before the slot
    await live.rooms.act(f"appt-{appointment}", RoomEvent(EventKind.BOOTH_JOINED, "booth"))
    booth = await device_id(coordinator, BOOTH)

    status, refused = await coordinator.call(
        "POST", f"/api/devices/{booth}/out-of-service", json=BROKEN
    )

    assert (status, refused["code"]) == (409, "booth_in_audience")
    assert (await board_row(coordinator, BOOTH))["in_service"] is True


async def test_only_the_centres_coordinators_and_admins_set_a_booth_out_of_service(
    live: LiveServer, clients: list[Client], staff: dict[str, DemoSignIn], coordinator: Client
) -> None:
    (slot, *_) = await sitting(coordinator)
    await booked(coordinator, REGISTRATION, slot)
    booth = await device_id(coordinator, BOOTH)
    out, affected = f"/api/devices/{booth}/out-of-service", f"/api/devices/{booth}/affected"

    jeddah = await signed_in(live, clients, staff, "coordinator2")
    for method, path in (
        ("POST", out),
        ("GET", affected),
        ("POST", f"/api/devices/{booth}/in-service"),
    ):
        status, refused = await jeddah.call(method, path, json=BROKEN if path == out else None)
        assert (status, refused["code"]) == (404, "unknown_device"), path
    for username in ("supervisor", "office"):
        other = await signed_in(live, clients, staff, username)
        status, refused = await other.call("POST", out, json=BROKEN)
        assert status == 403, (username, refused)
    anonymous = await new_client(live, clients)
    status, _ = await anonymous.call("POST", out, json=BROKEN)
    assert status == 401

    admin = await signed_in(live, clients, staff, "admin")
    status, body = await admin.call("POST", out, json=BROKEN)
    assert status == 200, body
    assert [(a["tracking_number"], a["request"]) for a in body["affected"]] == [(None, None)]
    _, listing = await admin.call("GET", "/api/devices")
    office_terminal = next(d["id"] for d in listing["devices"] if d["kind"] == "office")
    status, refused = await admin.call(
        "POST", f"/api/devices/{office_terminal}/out-of-service", json=BROKEN
    )
    assert (status, refused["code"]) == (422, "not_a_booth")


async def test_a_reason_is_required_and_bounded(coordinator: Client) -> None:
    booth = await device_id(coordinator, BOOTH)
    path = f"/api/devices/{booth}/out-of-service"
    for body in ({"reason": ""}, {"reason": "   "}, {"reason": "x" * 201}, {}):
        status, refused = await coordinator.call("POST", path, json=body)
        assert (status, refused["code"]) == (422, "invalid_payload"), body
    naive = {"reason": "broken", "expected_back_at": "2027-01-03T10:00:00"}
    status, refused = await coordinator.call("POST", path, json=naive)
    assert (status, refused["code"]) == (422, "invalid_payload")
