"""A request to its end and slots never wasted, over the HTTP API (issue 14, items 1-3): refer,
reply and close, each with its SMS; the overdue referral raised once a day for its centre;
the standby list added to, ordered, offered a cancelled slot and filled from it; a wrong
number flagged until her phone is corrected; a booth of another centre refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from casework.follow_up import local_day
from casework.lifecycle import RequestStatus
from casework.tables import requests
from foundation.tables import staff_accounts, staff_centres
from majlis.app import DB_ENGINE, FOLLOW_UP
from majlis.demo import DemoSignIn
from scheduler.status import AppointmentStatus
from scheduler.tables import appointments, slots
from tests.integration.api.test_api import REGISTRATION
from tests.integration.api.test_booth_outages import SECOND_APPLICANT, booked, sitting
from tests.integration.api.test_devices import Client, signed_in
from tests.integration.signaling.conftest import LiveServer

pytestmark = pytest.mark.parametrize("live", [{"sms_dispatch_s": 3600.0}], indirect=True)
THIRD_APPLICANT = {**REGISTRATION, "national_id": "1000000024", "phone": "0501234569"}


@pytest.fixture
async def coordinator(
    live: LiveServer, clients: list[Client], staff: dict[str, DemoSignIn]
) -> Client:
    return await signed_in(live, clients, staff, "coordinator1")  # serves Riyadh


async def sitting_of(live: LiveServer, slot: int) -> int:
    async with live.app[DB_ENGINE].connect() as connection:
        found = await connection.execute(select(slots.c.sitting_id).where(slots.c.id == slot))
        return int(found.scalar_one())


async def sms_kinds(client: Client, request: int) -> list[str]:
    status, details = await client.call("GET", f"/api/requests/{request}")
    assert status == 200, details
    return [s["kind"] for s in details["sms"]]


async def registered(client: Client, registration: dict[str, str]) -> int:
    status, created = await client.call("POST", "/api/requests", json=registration)
    assert status == 201, created
    return int(created["id"])


async def test_a_request_is_referred_answered_and_closed_with_an_sms_at_each_step(
    live: LiveServer, coordinator: Client
) -> None:
    request = await registered(coordinator, REGISTRATION)
    await coordinator.call(
        "POST", f"/api/requests/{request}/status", json={"status": "under_review"}
    )
    due = (live.clock.now() + timedelta(days=7)).date().isoformat()
    status, referral = await coordinator.call(
        "POST",
        f"/api/requests/{request}/referrals",
        json={"department": "health", "due_on": due, "note": "للعلم"},
    )
    assert status == 201, referral
    status, _ = await coordinator.call(
        "POST", f"/api/referrals/{referral['referral']}/reply", json={"reply": "تمت المعالجة"}
    )
    assert status == 200
    status, refused = await coordinator.call(
        "POST", f"/api/requests/{request}/close", json={"outcome": "not_possible"}
    )
    assert (status, refused["code"]) == (422, "reason_required")
    status, _ = await coordinator.call(
        "POST",
        f"/api/requests/{request}/close",
        json={"outcome": "not_possible", "reason": "خارج اختصاص الوزارة"},
    )
    assert status == 200

    _, details = await coordinator.call("GET", f"/api/requests/{request}")
    assert details["status"] == "closed"
    assert details["referrals"][0]["reply"] == "تمت المعالجة"
    assert details["history"][-1]["note"] == "not_possible: خارج اختصاص الوزارة"
    assert await sms_kinds(coordinator, request) == [
        "registered",
        "status_changed",
        "referred",
        "department_replied",
        "closed_not_possible",
    ]


async def test_an_overdue_referral_is_listed_and_reminded_once_a_day_to_its_centre(
    live: LiveServer, coordinator: Client, clients: list[Client], staff: dict[str, DemoSignIn]
) -> None:
    request = await registered(coordinator, REGISTRATION)
    await coordinator.call(
        "POST", f"/api/requests/{request}/status", json={"status": "under_review"}
    )
    due = local_day(live.clock.now())
    status, referral = await coordinator.call(
        "POST",
        f"/api/requests/{request}/referrals",
        json={"department": "health", "due_on": due.isoformat()},
    )
    assert status == 201, referral
    _, listed = await coordinator.call("GET", "/api/referrals/overdue")
    assert listed["referrals"] == []  # due today: not late yet

    live.clock.set(live.clock.now() + timedelta(days=2))
    follow_up = live.app[FOLLOW_UP]
    assert await follow_up.remind_overdue(live.clock.now()) == 1
    assert await follow_up.remind_overdue(live.clock.now()) == 0  # once a day
    coordinator = await signed_in(live, clients, staff, "coordinator1")  # two days later

    _, listed = await coordinator.call("GET", "/api/referrals/overdue")
    assert [(r["referral"], r["days_late"]) for r in listed["referrals"]] == [
        (referral["referral"], 2)
    ]
    _, notices = await coordinator.call("GET", "/api/notices")
    assert [n["subject"] for n in notices["notices"]] == [f"referral:{referral['referral']}"]
    jeddah = await signed_in(live, clients, staff, "coordinator2")
    _, theirs = await jeddah.call("GET", "/api/notices")
    assert theirs["notices"] == []
    _, theirs = await jeddah.call("GET", "/api/referrals/overdue")
    assert theirs["referrals"] == []


async def test_a_cancelled_slot_is_offered_to_the_first_on_standby_and_filled_in_one_action(
    live: LiveServer, coordinator: Client
) -> None:
    slots = await sitting(coordinator)
    _, appointment, _ = await booked(coordinator, REGISTRATION, slots[0])
    second = await registered(coordinator, SECOND_APPLICANT)
    third = await registered(coordinator, THIRD_APPLICANT)
    sitting_id = await sitting_of(live, slots[0])
    for request in (second, third):
        status, _ = await coordinator.call(
            "POST", f"/api/sittings/{sitting_id}/standby", json={"request_id": request}
        )
        assert status == 200
    status, _ = await coordinator.call(
        "POST", f"/api/sittings/{sitting_id}/standby/order", json={"request_ids": [third, second]}
    )
    assert status == 200
    _, waiting = await coordinator.call("GET", f"/api/sittings/{sitting_id}/standby")
    assert waiting["requests"] == [third, second]

    status, cancelled = await coordinator.call("POST", f"/api/appointments/{appointment}/cancel")
    assert status == 200, cancelled
    assert cancelled["freed_slot"] == slots[0]
    assert cancelled["offer"]["request"] == third

    status, filled = await coordinator.call(
        "POST",
        f"/api/slots/{slots[0]}/standby-fill",
        json={"request_id": third, "booth": "riyadh/booth-1"},
    )
    assert status == 201, filled
    _, waiting = await coordinator.call("GET", f"/api/sittings/{sitting_id}/standby")
    assert waiting["requests"] == [second]
    assert (await sms_kinds(coordinator, third))[-1] == "booked"
    _, details = await coordinator.call("GET", f"/api/requests/{third}")
    assert details["history"][-1]["note"] == "standby call: took a freed slot"
    status, again = await coordinator.call(
        "POST",
        f"/api/slots/{slots[1]}/standby-fill",
        json={"request_id": third, "booth": "riyadh/booth-1"},
    )
    assert (status, again["code"]) == (409, "not_on_standby")
    status, _ = await coordinator.call(
        "POST", f"/api/sittings/{sitting_id}/standby/remove", json={"request_id": second}
    )
    assert status == 200
    _, waiting = await coordinator.call("GET", f"/api/sittings/{sitting_id}/standby")
    assert waiting["requests"] == []


async def test_a_wrong_number_flags_the_request_until_her_phone_is_corrected(
    live: LiveServer, coordinator: Client
) -> None:
    slots = await sitting(coordinator)
    status, created = await coordinator.call("POST", "/api/requests", json=REGISTRATION)
    assert status == 201, created
    status, appointment = await coordinator.call(
        "POST",
        "/api/appointments",
        json={"request_id": created["id"], "slot_id": slots[0], "booth": "riyadh/booth-1"},
    )
    assert status == 201, appointment
    status, _ = await coordinator.call(
        "POST",
        f"/api/appointments/{appointment['appointment']}/calls",
        json={"outcome": "wrong_number"},
    )
    assert status == 200
    _, details = await coordinator.call("GET", f"/api/requests/{created['id']}")
    assert details["contact_check"] is True
    _, found = await coordinator.call("GET", f"/api/requests?q={created['tracking_number']}")
    assert [r["contact_check"] for r in found["requests"]] == [True]

    status, _ = await coordinator.call(
        "POST", f"/api/applicants/by-request/{created['id']}/contact", json={"phone": "0509998877"}
    )
    assert status == 200
    _, details = await coordinator.call("GET", f"/api/requests/{created['id']}")
    assert details["contact_check"] is False


async def test_an_applicant_is_booked_only_at_a_booth_of_her_centre(
    live: LiveServer, clients: list[Client], staff: dict[str, DemoSignIn]
) -> None:
    async with live.app[DB_ENGINE].begin() as connection:  # coordinator1 serves Jeddah too
        account = (
            await connection.execute(
                select(staff_accounts.c.id).where(staff_accounts.c.username == "coordinator1")
            )
        ).scalar_one()
        await connection.execute(
            insert(staff_centres).values(account_id=account, centre_code="jeddah")
        )
    both = await signed_in(live, clients, staff, "coordinator1")
    slots = await sitting(both)
    request = await registered(both, REGISTRATION)  # a Riyadh request
    status, refused = await both.call(
        "POST",
        "/api/appointments",
        json={"request_id": request, "slot_id": slots[0], "booth": "jeddah/booth-1"},
    )
    assert (status, refused["code"]) == (409, "booth_not_in_centre")
    status, _ = await both.call(
        "POST",
        "/api/appointments",
        json={"request_id": request, "slot_id": slots[0], "booth": "riyadh/booth-1"},
    )
    assert status == 201


async def test_a_freed_slot_is_offered_first_to_her_whose_audience_failed_technically(
    live: LiveServer, coordinator: Client
) -> None:
    slots = await sitting(coordinator)
    failed_request, failed, _ = await booked(coordinator, REGISTRATION, slots[0])
    async with live.app[DB_ENGINE].begin() as connection:  # as degraded mode leaves it
        await connection.execute(
            update(appointments)
            .where(appointments.c.id == failed)
            .values(status=AppointmentStatus.TECHNICAL_FAILURE.value)
        )
        await connection.execute(
            update(requests)
            .where(requests.c.id == failed_request)
            .values(status=RequestStatus.UNDER_REVIEW.value)
        )
    waiting = await registered(coordinator, SECOND_APPLICANT)
    sitting_id = await sitting_of(live, slots[1])
    status, _ = await coordinator.call(
        "POST", f"/api/sittings/{sitting_id}/standby", json={"request_id": waiting}
    )
    assert status == 200
    _, third, _ = await booked(coordinator, THIRD_APPLICANT, slots[1])

    status, cancelled = await coordinator.call("POST", f"/api/appointments/{third}/cancel")

    assert status == 200, cancelled
    assert (cancelled["offer"]["request"], cancelled["offer"]["priority"]) == (
        failed_request,
        True,
    )
    status, filled = await coordinator.call(
        "POST",
        f"/api/slots/{slots[1]}/standby-fill",
        json={"request_id": failed_request, "booth": "riyadh/booth-1"},
    )
    assert status == 201, filled
    _, details = await coordinator.call("GET", f"/api/requests/{failed_request}")
    assert details["history"][-1]["note"] == "priority rebooking call: took a freed slot"
    _, still = await coordinator.call("GET", f"/api/sittings/{sitting_id}/standby")
    assert (still["requests"], still["priority"]) == ([waiting], [])
