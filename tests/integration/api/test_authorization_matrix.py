"""The authorization matrix, generated from the route table (api.ROUTES) and the
namespaces' event tables: every caller × every HTTP route and Socket.IO event. Exactly the
cells the permission table allows get past authorization; every other cell is refused (401
without credentials, 403 otherwise; ``not_permitted`` on Socket.IO) and audited. A route or
event added without a rule fails here."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from api import ROUTES
from audit.log import audit_log
from majlis.app import DB_ENGINE, SOCKETIO
from rooms.callers import CALLER_KIND_OF
from rooms.permissions import AT_OWN_TERMINAL, Permission, allowed
from rooms.store import Seats
from signaling.dispatch import GuardedNamespace
from signaling.namespaces import KNOWN_EVENTS, NAMESPACES
from tests.integration.api.test_devices import (
    Client,
    enrolled,
    enrollment_code,
    new_client,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.signaling.conftest import SLOT_START, LiveServer, minutes

# Routes anyone may call, acknowledged here: a new public route must be added on purpose.
EXPECTED_PUBLIC = {
    ("POST", "/api/status-lookup"),
    ("POST", "/api/session"),
    ("POST", "/api/devices/enroll"),
}
ENDS_SESSION = {("DELETE", "/api/session"), ("POST", "/api/session/everywhere")}
# Events every connected seat may send (its own room's state).
EXPECTED_OPEN_EVENTS = {"state"}


@dataclass
class Caller:
    name: str
    role: str | None  # None: no credentials at all
    kind: str  # person, device or seat (a signed terminal token)
    client: Client
    member_signed_in: bool = False  # a device with a staff member signed in at it


@pytest.fixture
async def callers(live: LiveServer, staff: dict[str, Any]) -> AsyncIterator[list[Caller]]:  # noqa: F811
    made: list[Client] = []
    admin = await signed_in(live, made, staff, "admin")
    people = [
        Caller(user, role, "person", await signed_in(live, made, staff, user))
        for user, role in (
            ("coordinator1", "coordinator"),
            ("office", "office"),
            ("supervisor", "supervisor"),
        )
    ]
    desk_terminal = await new_client(live, made)
    desk_terminal.headers["Authorization"] = "Bearer " + live.rooms.issue_terminal_token(
        "desk", "desk-1", timedelta(hours=8)
    )
    office_terminal = await new_client(live, made)
    office_terminal.headers["Authorization"] = "Bearer " + live.rooms.issue_terminal_token(
        "office", "office-1", timedelta(hours=8)
    )
    booth = await enrolled(live, made, await enrollment_code(admin, "riyadh/booth-1"))
    office_device = await enrolled(live, made, await enrollment_code(admin, "office-1"))
    # The terminal is used by a signed-in office member: both credentials travel together.
    credentials = {"username": "office", "password": staff["office"].password}
    status, session = await office_device.call("POST", "/api/session", json=credentials)
    assert status == 200, session
    office_device.headers["X-CSRF-Token"] = session["csrf_token"]
    yield [
        Caller("anonymous", None, "", await new_client(live, made)),
        *people,
        Caller("admin", "admin", "person", admin),
        Caller("desk terminal token", "desk", "seat", desk_terminal),
        Caller("office terminal token", "office", "seat", office_terminal),
        Caller("booth device", "booth", "device", booth),
        Caller("office device", "office", "device", office_device, member_signed_in=True),
    ]
    for client in made:
        await client.http.close()


def expected_allowed(caller: Caller, permission: Permission | None) -> bool:
    if permission is None:
        return True
    if caller.role is None or caller.kind == "seat":  # a signed token is no API key (no dev mode)
        return False
    kind, at_terminal = caller.kind, False
    if caller.member_signed_in and CALLER_KIND_OF.get(permission) != "device":
        kind, at_terminal = "person", True  # the member at her terminal, not the terminal
    if permission in AT_OWN_TERMINAL.get(caller.role, frozenset()) and not at_terminal:
        return False
    return allowed(caller.role, permission) and (CALLER_KIND_OF.get(permission, kind) == kind)


def concrete(path: str) -> str:
    """A path with its ids filled in (an id that names nothing: authorization comes first)."""
    path = re.sub(r"\{[a-z_]+\}", "999", path)
    if path == "/api/queue":
        return "/api/queue?office=office-1"
    if path == "/api/sittings":
        return "/api/sittings?day_start=2026-11-29T00:00:00%2B03:00"
    if path == "/api/requests":
        return "/api/requests?q=0551234567"
    return path


async def denials(live: LiveServer) -> int:
    async with live.app[DB_ENGINE].connect() as connection:
        count = await connection.execute(
            select(func.count()).where(audit_log.c.action == "access.denied")
        )
        return int(count.scalar_one())


def test_every_api_route_has_a_rule_and_only_the_acknowledged_ones_are_public() -> None:
    public = {(r.method, r.path) for r in ROUTES if r.permission is None}
    assert public == EXPECTED_PUBLIC


async def test_every_role_on_every_route(
    live: LiveServer,
    callers: list[Caller],
    staff: dict[str, Any],  # noqa: F811
) -> None:
    registered = {
        (route.method, route.resource.canonical)
        for route in live.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/api/")
    }
    assert registered == {(r.method, r.path) for r in ROUTES}  # no route outside the table

    refused = 0
    cells = 0
    # The routes that end a session come last, each caller signed in afresh before them.
    for route in sorted(ROUTES, key=lambda r: (r.method, r.path) in ENDS_SESSION):
        if route.permission is None:
            continue  # public (acknowledged above); exercised by their own tests
        for caller in callers:
            if (route.method, route.path) in ENDS_SESSION and (
                caller.kind == "person" or caller.member_signed_in
            ):
                username = "office" if caller.member_signed_in else caller.name
                credentials = {"username": username, "password": staff[username].password}
                status, session = await caller.client.call("POST", "/api/session", json=credentials)
                assert status == 200, session
                caller.client.headers["X-CSRF-Token"] = session["csrf_token"]
            body = {"json": {}} if route.method != "GET" else {}
            status, answer = await caller.client.call(route.method, concrete(route.path), **body)
            cells += 1
            if expected_allowed(caller, route.permission):
                assert status not in (401, 403), (caller.name, route.path, answer)
                assert status < 500, (caller.name, route.path, answer)
            else:
                wanted = 401 if caller.role is None or caller.kind == "seat" else 403
                assert status == wanted, (caller.name, route.path, status, answer)
                refused += 1
    assert cells == len(callers) * (len(ROUTES) - len(EXPECTED_PUBLIC))
    assert await denials(live) == refused  # every refusal left its trace


async def test_own_and_other_resources(live: LiveServer, callers: list[Caller]) -> None:
    by_name = {c.name: c for c in callers}
    office_device = by_name["office device"].client
    status, _ = await office_device.call("GET", "/api/queue?office=office-1")
    assert status == 200
    status, answer = await office_device.call("GET", "/api/queue?office=office-2")
    assert (status, answer["code"]) == (403, "not_permitted")

    await live.rooms.schedule(
        "mine", Seats("riyadh/booth-1", "office-1"), SLOT_START, minutes(6), minutes(8)
    )
    await live.rooms.schedule(
        "theirs", Seats("riyadh/booth-2", "office-2"), SLOT_START, minutes(6), minutes(8)
    )
    status, answer = await office_device.call(
        "POST", "/api/device/join-token", json={"room": "mine"}
    )
    assert status == 200, answer
    status, answer = await office_device.call(
        "POST", "/api/device/join-token", json={"room": "theirs"}
    )
    assert (status, answer["code"]) == (403, "not_permitted")

    office_device.http.cookie_jar.clear()  # the member signs out: the terminal alone may not
    status, answer = await office_device.call(
        "POST", "/api/device/join-token", json={"room": "mine"}
    )
    assert status == 401, answer


def event_table(live: LiveServer) -> dict[str, GuardedNamespace]:
    handlers = live.app[SOCKETIO].namespace_handlers
    return {name: handler for name, handler in handlers.items() if name != "/"}


async def test_every_seat_on_every_event(live: LiveServer, callers: list[Caller]) -> None:
    namespaces = event_table(live)
    assert {type(namespace) for namespace in namespaces.values()} == set(NAMESPACES)
    for namespace in namespaces.values():
        for event, rule in namespace.event_rules.items():
            assert rule.permission is not None or event in EXPECTED_OPEN_EVENTS, event

    await live.rooms.schedule(
        "room-1", Seats("riyadh/booth-1", "office-1"), SLOT_START, minutes(6), minutes(8)
    )
    await live.at(minutes(-5), "open")
    tokens = {
        "/booth": live.rooms.issue_join_token("room-1", "booth"),
        "/office": live.rooms.issue_join_token("room-1", "office"),
        "/desk": live.rooms.issue_terminal_token("desk", "desk-1", timedelta(hours=1)),
    }
    before = await denials(live)
    refused = 0
    for name, namespace in namespaces.items():
        seat = live.participant(name)
        await seat.connect(tokens[name])
        # "end" last: it closes the room (and then the seats).
        for event in sorted(KNOWN_EVENTS, key=lambda e: (e == "end", e)):
            answer = await seat.call(event, {})
            rule = namespace.event_rules.get(event)
            permitted = rule is not None and (
                rule.permission is None or allowed(namespace.role, rule.permission)
            )
            code = None if answer["ok"] else answer["error"]["code"]
            if permitted:
                assert code not in ("not_permitted", "unknown_event", "internal"), (name, event)
            else:
                assert code == "not_permitted", (name, event, answer)
                refused += 1
    # Each refusal is audited before its answer is sent: nothing is left to wait for.
    assert await denials(live) - before == refused

    # A token of one kind of seat is refused on another's namespace, and that is audited too.
    wrong = live.participant("/office")
    with pytest.raises(Exception):  # noqa: B017, PT011 - socketio's ConnectionError
        await wrong.connect(live.rooms.issue_join_token("room-1", "booth"))
    assert await denials(live) - before == refused + 1
