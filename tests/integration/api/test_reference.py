"""Reference data over HTTPS: the lists every app loads (the caller's centres only), the
administrators' centres, categories and departments (refused to everyone else, validated,
duplicates refused, every change audited), and requests, referrals and sittings checked
against them with typed errors."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select, update

from audit.log import audit_log
from foundation.tables import staff_accounts
from majlis.app import DB_ENGINE
from majlis.demo import DEMO_CATEGORIES, DEMO_DEPARTMENTS, DemoSignIn
from tests.integration.api.test_devices import (
    Client,
    enrolled,
    enrollment_code,
    new_client,
    signed_in,
)
from tests.integration.casework.conftest import valid_registration
from tests.integration.signaling.conftest import LiveServer, minutes

Staff = dict[str, DemoSignIn]
DAMMAM = {
    "code": "dammam",
    "name_ar": "مركز الدمام النسائي",
    "name_en": "Dammam women's centre",
    "city": "الدمام",
    "opens_at": "07:30",
    "closes_at": "14:30",
}
LABELS = {"label_ar": "س", "label_en": "X"}
ADMIN_LISTS = ("/api/admin/centres", "/api/admin/categories", "/api/admin/departments")


async def audited(live: LiveServer, subject: str) -> list[tuple[str, str, str]]:
    async with live.app[DB_ENGINE].connect() as connection:
        rows = await connection.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.detail)
            .where(audit_log.c.subject == subject)
            .order_by(audit_log.c.seq)
        )
        return [tuple(r) for r in rows]


async def register(coordinator: Client, **changes: str) -> tuple[int, Any]:
    body = asdict(valid_registration(**changes))
    return await coordinator.call("POST", "/api/requests", json=body)


def codes(items: list[dict[str, Any]]) -> list[str]:
    return [item["code"] for item in items]


# -- reading ---------------------------------------------------------------------------------------


async def test_a_coordinator_reads_her_centres_and_every_list_the_desk_offers(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    coordinator = await signed_in(live, clients, staff, "coordinator2")
    status, reference = await coordinator.call("GET", "/api/reference")
    assert status == 200, reference
    assert reference["centres"] == [
        {
            "code": "jeddah",
            "name_ar": "مركز جدة النسائي",
            "name_en": "Jeddah women's centre",
            "city": "جدة",
            "opens_at": "08:30",
            "closes_at": "15:30",
        }
    ]
    assert reference["categories"][0] == {
        "code": "housing",
        "label_ar": "الإسكان",
        "label_en": "Housing",
    }
    assert codes(reference["categories"]) == [c[0] for c in DEMO_CATEGORIES]
    assert codes(reference["departments"]) == [d[0] for d in DEMO_DEPARTMENTS]
    assert reference["office_terminals"] == [{"name": "office-1", "label": "office-1"}]
    # Staff by display name, for a request's history and a visit's served-by (shared/reference.js):
    # only the coordinators and office members who serve her centres — no other centre's team,
    # no administrator or supervisor.
    assert reference["staff"] == [
        {"username": "coordinator2", "display_name": "منسقة 2"},
        {"username": "office", "display_name": "مكتب الوزير"},
    ]


async def test_a_terminal_alone_is_named_nobody(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    terminal = await enrolled(live, clients, await enrollment_code(admin, "office-1"))
    status, reference = await terminal.call("GET", "/api/reference")
    assert (status, reference["staff"]) == (200, [])


@pytest.mark.parametrize("username", ["supervisor", "admin"])
async def test_a_supervisor_and_an_administrator_read_every_centre(
    live: LiveServer, staff: Staff, clients: list[Client], username: str
) -> None:
    caller = await signed_in(live, clients, staff, username)
    status, reference = await caller.call("GET", "/api/reference")
    assert status == 200, reference
    assert codes(reference["centres"]) == ["riyadh", "jeddah"]


async def test_the_office_terminal_reads_every_centre_and_a_booth_reads_nothing(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    office = await enrolled(live, clients, await enrollment_code(admin, "office-1"))
    booth = await enrolled(live, clients, await enrollment_code(admin, "riyadh/booth-1"))
    status, reference = await office.call("GET", "/api/reference")
    assert status == 200, reference
    assert codes(reference["centres"]) == ["riyadh", "jeddah"]
    assert codes(reference["departments"]) == [d[0] for d in DEMO_DEPARTMENTS]
    status, refused = await booth.call("GET", "/api/reference")
    assert (status, refused["code"]) == (403, "not_permitted")
    status, refused = await (await new_client(live, clients)).call("GET", "/api/reference")
    assert status == 401, refused


# -- administrators' changes -----------------------------------------------------------------------


async def test_an_administrator_adds_a_centre_changes_its_hours_and_both_are_audited(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    status, added = await admin.call("POST", "/api/admin/centres", json=DAMMAM)
    assert (status, added) == (201, {"centre": DAMMAM})
    change = {"city": "الدمام والخبر", "closes_at": "15:00"}
    status, changed = await admin.call("PATCH", "/api/admin/centres/dammam", json=change)
    assert (status, changed) == (200, {"centre": {**DAMMAM, **change}})

    status, listing = await admin.call("GET", "/api/admin/centres")
    assert listing["centres"][-1] == {**DAMMAM, **change}
    supervisor = await signed_in(live, clients, staff, "supervisor")
    status, reference = await supervisor.call("GET", "/api/reference")
    assert codes(reference["centres"]) == ["riyadh", "jeddah", "dammam"]
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    status, reference = await coordinator.call("GET", "/api/reference")
    assert codes(reference["centres"]) == ["riyadh"]  # she does not serve the new centre

    rows = await audited(live, "centre:dammam")
    assert [(actor, action) for actor, action, _ in rows] == [
        ("admin", "reference.centre.add"),
        ("admin", "reference.centre.change"),
    ]
    assert "name_ar=مركز الدمام النسائي" in rows[0][2]
    assert rows[1][2] == "city=الدمام والخبر; closes_at=15:00"


async def test_a_category_made_inactive_is_kept_but_no_longer_offered_nor_accepted(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    new = {"code": "disability", "label_ar": "ذوو الإعاقة", "label_en": "Disability"}
    status, added = await admin.call("POST", "/api/admin/categories", json=new)
    assert (status, added) == (201, {"category": {**new, "active": True}})
    status, created = await register(coordinator, category="disability")
    assert status == 201, created

    status, changed = await admin.call(
        "PATCH", "/api/admin/categories/disability", json={"active": False}
    )
    assert (status, changed["category"]["active"]) == (200, False)
    status, listing = await admin.call("GET", "/api/admin/categories")
    assert listing["categories"][-1] == {**new, "active": False}
    status, reference = await coordinator.call("GET", "/api/reference")
    assert "disability" not in codes(reference["categories"])
    status, refused = await register(
        coordinator, category="disability", national_id="1000000016", phone="0501234568"
    )
    assert (status, refused["code"]) == (422, "unknown_category"), refused
    assert refused["message_key"] == "errors.reference.unknown_category"
    status, details = await coordinator.call("GET", f"/api/requests/{created['id']}")
    assert details["category"] == "disability"  # her request keeps its category
    assert [a for _, a, _ in await audited(live, "category:disability")] == [
        "reference.category.add",
        "reference.category.change",
    ]


async def test_a_department_made_inactive_takes_no_more_referrals(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    status, created = await register(coordinator)
    assert status == 201, created
    path = f"/api/requests/{created['id']}"
    await coordinator.call("POST", f"{path}/status", json={"status": "under_review"})
    status, changed = await admin.call(
        "PATCH",
        "/api/admin/departments/health",
        json={"label_en": "Ministry of Health", "active": False},
    )
    assert (status, changed) == (
        200,
        {
            "department": {
                "code": "health",
                "label_ar": "الصحة",
                "label_en": "Ministry of Health",
                "active": False,
            }
        },
    )
    referral = {"department": "health", "due_on": "2026-12-20"}
    status, refused = await coordinator.call("POST", f"{path}/referrals", json=referral)
    assert (status, refused["code"]) == (422, "unknown_department"), refused
    status, referred = await coordinator.call(
        "POST", f"{path}/referrals", json={**referral, "department": "housing"}
    )
    assert status == 201, referred
    new = {"code": "family_affairs", "label_ar": "شؤون الأسرة", "label_en": "Family affairs"}
    status, added = await admin.call("POST", "/api/admin/departments", json=new)
    assert status == 201, added
    status, reference = await coordinator.call("GET", "/api/reference")
    assert codes(reference["departments"])[-1] == "family_affairs"
    assert "health" not in codes(reference["departments"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/admin/centres", {**DAMMAM, "code": "riyadh"}),
        ("/api/admin/categories", {"code": "housing", "label_ar": "س", "label_en": "H"}),
        ("/api/admin/departments", {"code": "justice", "label_ar": "ع", "label_en": "J"}),
    ],
)
async def test_a_code_already_taken_is_refused(
    live: LiveServer, staff: Staff, clients: list[Client], path: str, body: dict[str, str]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    _, before = await admin.call("GET", path)
    status, refused = await admin.call("POST", path, json=body)
    assert (status, refused["code"]) == (409, "duplicate_code"), refused
    assert refused["message_key"] == "errors.reference.duplicate_code"
    assert (await admin.call("GET", path))[1] == before


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/api/admin/centres", {**DAMMAM, "code": "Dammam"}, "invalid_payload"),
        ("POST", "/api/admin/centres", {**DAMMAM, "code": "d" * 33}, "invalid_payload"),
        ("POST", "/api/admin/centres", {**DAMMAM, "code": "dammam city"}, "invalid_payload"),
        ("POST", "/api/admin/centres", {**DAMMAM, "name_ar": "  "}, "invalid_payload"),
        ("POST", "/api/admin/centres", {**DAMMAM, "opens_at": "7:30"}, "invalid_payload"),
        ("POST", "/api/admin/centres", {**DAMMAM, "closes_at": "25:00"}, "invalid_payload"),
        ("POST", "/api/admin/centres", {**DAMMAM, "opens_at": "15:00"}, "invalid_opening_hours"),
        ("POST", "/api/admin/centres", {"code": "dammam"}, "invalid_payload"),
        ("POST", "/api/admin/categories", {"code": "x" * 65, **LABELS}, "invalid_payload"),
        ("POST", "/api/admin/departments", {"code": "", **LABELS}, "invalid_payload"),
        ("PATCH", "/api/admin/centres/riyadh", {"closes_at": "07:00"}, "invalid_opening_hours"),
        ("PATCH", "/api/admin/centres/riyadh", {"code": "ruh"}, "invalid_payload"),
        ("PATCH", "/api/admin/centres/riyadh", {}, "invalid_payload"),
        ("PATCH", "/api/admin/categories/housing", {"active": "no"}, "invalid_payload"),
        ("PATCH", "/api/admin/departments/health", {"label_ar": ""}, "invalid_payload"),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_with_a_typed_error_and_changes_nothing(
    live: LiveServer,
    staff: Staff,
    clients: list[Client],
    method: str,
    path: str,
    body: dict[str, Any],
    code: str,
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    before = [(await admin.call("GET", listing))[1] for listing in ADMIN_LISTS]
    status, refused = await admin.call(method, path, json=body)
    assert (status, refused["code"]) == (422, code), refused
    assert [(await admin.call("GET", listing))[1] for listing in ADMIN_LISTS] == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/admin/centres/mecca",
        "/api/admin/centres/RIYADH",
        "/api/admin/categories/space",
        "/api/admin/departments/%D9%85",
    ],
)
async def test_a_change_to_an_entry_that_does_not_exist_is_not_found(
    live: LiveServer, staff: Staff, clients: list[Client], path: str
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    status, refused = await admin.call("PATCH", path, json={"label_ar": "س", "name_ar": "س"})
    if status == 422:  # the body names a field the other list has; send the right one
        field = "name_ar" if "/centres/" in path else "label_ar"
        status, refused = await admin.call("PATCH", path, json={field: "س"})
    assert (status, refused["code"]) == (404, "unknown_entry"), refused


@pytest.mark.parametrize("username", ["coordinator1", "supervisor", "office", None])
async def test_only_an_administrator_changes_reference_data(
    live: LiveServer, staff: Staff, clients: list[Client], username: str | None
) -> None:
    caller = (
        await signed_in(live, clients, staff, username)
        if username
        else await new_client(live, clients)
    )
    expected = 403 if username else 401
    attempts = [
        ("GET", "/api/admin/centres", None),
        ("POST", "/api/admin/centres", DAMMAM),
        ("PATCH", "/api/admin/centres/riyadh", {"city": "x"}),
        ("GET", "/api/admin/categories", None),
        ("POST", "/api/admin/categories", {"code": "x", **LABELS}),
        ("PATCH", "/api/admin/departments/health", {"active": False}),
    ]
    for method, path, body in attempts:
        status, refused = await caller.call(method, path, json=body)
        assert status == expected, (method, path, refused)
    admin = await signed_in(live, clients, staff, "admin")
    _, centres = await admin.call("GET", "/api/admin/centres")
    assert codes(centres["centres"]) == ["riyadh", "jeddah"]
    _, reference = await admin.call("GET", "/api/reference")
    assert "health" in codes(reference["departments"])


# -- requests and sittings checked against it ------------------------------------------------------


async def test_a_request_in_a_centre_that_does_not_exist_is_refused(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    # A coordinator who serves every centre: the scope lets "mecca" through, the data does not.
    async with live.app[DB_ENGINE].begin() as connection:
        await connection.execute(
            update(staff_accounts)
            .where(staff_accounts.c.username == "coordinator1")
            .values(all_centres=True)
        )
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    status, refused = await register(coordinator, centre="mecca")
    assert (status, refused["code"]) == (422, "unknown_centre"), refused
    assert refused["message_key"] == "errors.reference.unknown_centre"
    status, created = await register(coordinator, centre="jeddah")
    assert status == 201, created


async def test_a_request_of_an_unknown_category_is_refused(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    status, refused = await register(coordinator, category="space_travel")
    assert (status, refused["code"]) == (422, "unknown_category"), refused
    status, found = await coordinator.call("GET", "/api/requests?q=0501234567")
    assert found["requests"] == []  # nothing stored


async def test_a_sitting_on_an_office_terminal_that_does_not_exist_is_refused(
    live: LiveServer, staff: Staff, clients: list[Client]
) -> None:
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    body = {"starts_at": minutes(60).isoformat(), "ends_at": minutes(90).isoformat()}
    for device in ("office-9", "riyadh/booth-1", "riyadh/office-1"):
        status, refused = await coordinator.call(
            "POST", "/api/sittings", json={**body, "office_device": device}
        )
        assert (status, refused["code"]) == (422, "unknown_office_terminal"), device
    status, sitting = await coordinator.call(
        "POST", "/api/sittings", json={**body, "office_device": "office-1"}
    )
    assert status == 201, sitting
