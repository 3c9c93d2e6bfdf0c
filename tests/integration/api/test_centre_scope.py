"""Centre scope on a real server: a coordinator of Jeddah neither sees nor touches Riyadh's
requests, appointments, booths, alerts or rooms. Another centre's request or appointment
answers 404 like one that does not exist (no existence oracle); registering or booking for a
centre she does not serve is a typed, audited refusal."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from yarl import URL

from audit.log import audit_log
from casework.tables import requests
from majlis.app import DB_ENGINE, DEVICES
from majlis.demo import DemoSignIn
from tests.integration.api.helpers import audited
from tests.integration.api.test_devices import Client, signed_in
from tests.integration.casework.conftest import valid_registration
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import SLOT_START, LiveServer, Participant, minutes

RIYADH_FORM = asdict(valid_registration())
RIYADH_PHONE = "+966501234567"  # her phone as the desk types it (ten digits read as a number)
JEDDAH_FORM = asdict(
    valid_registration(national_id="1000000016", phone="0501234568", centre="jeddah")
)
NOT_FOUND = {"code": "unknown_request", "message_key": "errors.desk.unknown_request"}


@dataclass(frozen=True)
class Desks:
    riyadh: Client  # coordinator1 serves Riyadh
    jeddah: Client  # coordinator2 serves Jeddah


@pytest.fixture
async def desks(live: LiveServer, staff: dict[str, DemoSignIn], clients: list[Client]) -> Desks:
    return Desks(
        await signed_in(live, clients, staff, "coordinator1"),
        await signed_in(live, clients, staff, "coordinator2"),
    )


async def register(desk: Client, form: dict[str, str]) -> int:
    status, body = await desk.call("POST", "/api/requests", json=form)
    assert status == 201, body
    return int(body["id"])


async def first_free_slot(desk: Client) -> tuple[int, int]:
    """A sitting of office-1 in an hour: (sitting id, its first slot's id)."""
    status, sitting = await desk.call(
        "POST",
        "/api/sittings",
        json={
            "office_device": "office-1",
            "starts_at": minutes(60).isoformat(),
            "ends_at": minutes(120).isoformat(),
        },
    )
    assert status == 201, sitting
    status, slots = await desk.call("GET", f"/api/sittings/{sitting['sitting']}/slots")
    assert status == 200, slots
    return int(sitting["sitting"]), int(slots["slots"][0]["slot"])


async def book(desk: Client, request_id: int, slot: int, booth: str) -> tuple[int, Any]:
    body = {"request_id": request_id, "slot_id": slot, "booth": booth}
    return await desk.call("POST", "/api/appointments", json=body)


def code_and_key(body: Any) -> dict[str, str]:
    return {"code": body["code"], "message_key": body["message_key"]}


async def test_a_jeddah_coordinator_gets_404_for_a_riyadh_request_on_every_route_by_id(
    desks: Desks,
) -> None:
    riyadh_request = await register(desks.riyadh, RIYADH_FORM)
    await desks.riyadh.call(
        "POST", f"/api/requests/{riyadh_request}/status", json={"status": "under_review"}
    )
    status, referred = await desks.riyadh.call(
        "POST",
        f"/api/requests/{riyadh_request}/referrals",
        json={"department": "housing", "due_on": "2026-12-20"},
    )
    assert status == 201, referred
    by_id: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/api/requests/{id}", None),
        ("GET", "/api/requests/{id}/appointments", None),
        ("POST", "/api/requests/{id}/status", {"status": "closed"}),
        ("POST", "/api/requests/{id}/text", {"text": "another wording"}),
        ("POST", "/api/requests/{id}/referrals", {"department": "health", "due_on": "2026-12-20"}),
        ("POST", "/api/applicants/by-request/{id}/contact", {"phone": "0509999999"}),
    ]

    for method, path, body in by_id:
        status, answer = await desks.jeddah.call(method, path.format(id=riyadh_request), json=body)
        assert (status, code_and_key(answer)) == (404, NOT_FOUND), path
        status, unknown = await desks.jeddah.call(method, path.format(id=999_999), json=body)
        assert (status, code_and_key(unknown)) == (404, NOT_FOUND), path  # the same answer
    status, answer = await desks.jeddah.call(
        "POST", f"/api/referrals/{referred['referral']}/reply", json={"reply": "approved"}
    )
    assert (status, code_and_key(answer)) == (404, NOT_FOUND)

    status, details = await desks.riyadh.call("GET", f"/api/requests/{riyadh_request}")
    assert status == 200, details
    assert (details["status"], len(details["versions"])) == ("referred", 1)  # nothing changed


async def test_a_jeddah_coordinator_finds_nothing_by_a_riyadh_applicants_phone(
    desks: Desks,
) -> None:
    riyadh_request = await register(desks.riyadh, RIYADH_FORM)
    status, details = await desks.riyadh.call("GET", f"/api/requests/{riyadh_request}")
    assert status == 200, details

    for query in (RIYADH_PHONE, details["tracking_number"]):
        status, found = await desks.jeddah.call("GET", "/api/requests", params={"q": query})
        assert (status, found["requests"]) == (200, [])
        status, found = await desks.riyadh.call("GET", "/api/requests", params={"q": query})
        assert [r["id"] for r in found["requests"]] == [riyadh_request]


async def test_a_jeddah_coordinator_sees_no_riyadh_booth_or_alert_on_the_board(
    live: LiveServer, desks: Desks
) -> None:
    alert = await live.app[DEVICES].raise_alert("riyadh/booth-1", None, "help", live.clock.now())

    status, board = await desks.jeddah.call("GET", "/api/board")
    assert status == 200, board
    assert sorted(b["device"] for b in board["booths"]) == ["jeddah/booth-1", "jeddah/booth-2"]
    assert board["alerts"] == []
    status, refused = await desks.jeddah.call("POST", f"/api/alerts/{alert}/handled")
    assert (status, refused["code"]) == (404, "unknown_alert")

    status, board = await desks.riyadh.call("GET", "/api/board")
    assert sorted(b["device"] for b in board["booths"]) == ["riyadh/booth-1", "riyadh/booth-2"]
    assert [a["id"] for a in board["alerts"]] == [alert]
    assert (await desks.riyadh.call("POST", f"/api/alerts/{alert}/handled"))[0] == 200


async def test_registering_for_a_centre_she_does_not_serve_is_refused_and_audited(
    live: LiveServer, desks: Desks
) -> None:
    status, refused = await desks.jeddah.call("POST", "/api/requests", json=RIYADH_FORM)

    assert code_and_key(refused) == {
        "code": "centre_not_served",
        "message_key": "errors.desk.centre_not_served",
    }
    assert status == 403
    async with live.app[DB_ENGINE].connect() as connection:
        stored = (await connection.execute(select(func.count()).select_from(requests))).scalar()
        denied = (
            await connection.execute(
                select(audit_log.c.actor, audit_log.c.subject, audit_log.c.detail).where(
                    audit_log.c.action == "access.denied"
                )
            )
        ).all()
    assert stored == 0
    assert [tuple(d) for d in denied] == [("coordinator2", "/api/requests", "centre_not_served")]


async def test_a_riyadh_appointment_is_unknown_to_jeddah_on_every_route_by_id(
    desks: Desks,
) -> None:
    riyadh_request = await register(desks.riyadh, RIYADH_FORM)
    jeddah_request = await register(desks.jeddah, JEDDAH_FORM)
    sitting, slot = await first_free_slot(desks.riyadh)
    status, booked = await book(desks.riyadh, riyadh_request, slot, "riyadh/booth-1")
    assert status == 201, booked
    appointment = booked["appointment"]
    unknown_appointment = {
        "code": "unknown_appointment",
        "message_key": "errors.scheduler.unknown_appointment",
    }

    for path, body in (
        (
            f"/api/appointments/{appointment}/reschedule",
            {"slot_id": slot + 1, "booth": "jeddah/booth-1"},
        ),
        (f"/api/appointments/{appointment}/cancel", None),
        (f"/api/appointments/{appointment}/calls", {"outcome": "confirmed"}),
        (f"/api/appointments/{appointment}/check-in", None),
    ):
        status, answer = await desks.jeddah.call("POST", path, json=body)
        assert (status, code_and_key(answer)) == (404, unknown_appointment), path
    status, answer = await book(desks.jeddah, riyadh_request, slot + 1, "jeddah/booth-1")
    assert (status, code_and_key(answer)) == (404, NOT_FOUND)
    status, answer = await desks.jeddah.call(
        "POST", f"/api/sittings/{sitting}/standby", json={"request_id": riyadh_request}
    )
    assert (status, code_and_key(answer)) == (404, NOT_FOUND)
    status, answer = await book(desks.jeddah, jeddah_request, slot + 1, "riyadh/booth-2")
    assert (status, answer["code"]) == (403, "centre_not_served")

    day = {"day_start": SLOT_START.replace(hour=0).isoformat()}
    status, calendar = await desks.jeddah.call("GET", "/api/sittings", params=day)
    assert status == 200, calendar
    held = calendar["sittings"][0]["slots"][0]
    assert (held["free"], held["appointment"]) == (False, None)  # taken, but not hers to see
    status, calendar = await desks.riyadh.call("GET", "/api/sittings", params=day)
    assert calendar["sittings"][0]["slots"][0]["appointment"]["id"] == appointment
    status, kept = await desks.riyadh.call("GET", f"/api/requests/{riyadh_request}/appointments")
    assert [(a["appointment"], a["status"], a["calls"]) for a in kept["appointments"]] == [
        (appointment, "booked", [])
    ]


async def test_a_jeddah_coordinators_statistics_count_jeddah_only(desks: Desks) -> None:
    await register(desks.riyadh, RIYADH_FORM)
    await register(desks.jeddah, JEDDAH_FORM)

    status, figures = await desks.jeddah.call("GET", "/api/statistics")

    assert status == 200, figures
    assert [r["centre"] for r in figures["requests_by_centre_and_status"]] == ["jeddah"]


async def desk_of(live: LiveServer, person: Client) -> Participant:
    """A /desk connection on the person's staff session cookie."""
    cookie = person.http.cookie_jar.filter_cookies(URL(live.base_url))["majlis_session"].value
    desk = live.participant("/desk")
    await desk.sio.connect(
        live.base_url,
        namespaces=["/desk"],
        transports=["websocket"],
        headers={"Cookie": f"majlis_session={cookie}"},
    )
    await wait_for(lambda: bool(desk.received["rooms"]), 3, "the desk's first rooms")
    return desk


async def test_a_jeddah_desk_hears_nothing_of_a_riyadh_room_or_alert(
    live: LiveServer, desks: Desks
) -> None:
    await live.schedule("room-1", booth="riyadh/booth-1")
    riyadh_desk = await desk_of(live, desks.riyadh)
    jeddah_desk = await desk_of(live, desks.jeddah)
    assert [r["room"] for r in riyadh_desk.received["rooms"][0]["rooms"]] == ["room-1"]
    assert jeddah_desk.received["rooms"][0]["rooms"] == []

    await live.at(SLOT_START - timedelta(minutes=10), "open")
    booth = live.participant("/booth")
    await booth.connect(live.rooms.issue_join_token("room-1", "booth"))
    assert (await booth.call("help", {"reason": "coordinator"}))["ok"]

    await wait_for(lambda: bool(riyadh_desk.received["alert"]), 3, "the alert at Riyadh's desk")
    assert riyadh_desk.received["room_state"]
    # An answer comes after every event pushed to that socket before it.
    assert (await jeddah_desk.call("rooms"))["rooms"] == []
    assert (jeddah_desk.received["alert"], jeddah_desk.received["room_state"]) == ([], [])
    refused = await jeddah_desk.call("quality", {"room": "room-1"})
    assert refused["error"]["code"] == "unknown_room"


async def test_a_jeddah_coordinator_cannot_take_over_a_riyadh_applicants_contact(
    live: LiveServer, desks: Desks
) -> None:
    """Her national ID is one identity in every centre: a Jeddah coordinator may register a
    request for her (she is in front of her, with her name and phone), but the refusal of a
    differing phone names no Riyadh request, and her contact — where Riyadh's SMS go — changes
    only by a coordinator who serves every centre she applied in."""
    await register(desks.riyadh, RIYADH_FORM)
    jeddah_copy = {**RIYADH_FORM, "centre": "jeddah"}
    status, refused = await desks.jeddah.call(
        "POST", "/api/requests", json={**jeddah_copy, "phone": "0561231234"}
    )
    assert (status, refused["code"], refused["details"]) == (409, "applicant_exists", "")
    # That refusal says the ID is registered somewhere: audited (without the ID), so a
    # coordinator trying IDs one after another is seen by the supervisors.
    assert await audited(live, "request.register_refused") == [
        ("coordinator2", "applicant", "applicant_exists")
    ]

    her_jeddah_request = await register(desks.jeddah, jeddah_copy)
    status, refused = await desks.jeddah.call(
        "POST",
        f"/api/applicants/by-request/{her_jeddah_request}/contact",
        json={"phone": "0561231234"},
    )
    assert (status, refused["code"]) == (403, "centre_not_served")
    status, found = await desks.riyadh.call("GET", f"/api/requests?q={RIYADH_PHONE}")
    assert status == 200
    assert len(found["requests"]) == 1  # her phone is unchanged: Riyadh still finds her by it
