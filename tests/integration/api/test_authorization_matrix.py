"""The authorization matrix, driven by ``docs/ACCESS.md``: every caller kind × every route the
server serves and every Socket.IO event, each cell sent a *valid* request for a real object of
centre A (Riyadh) booked on office terminal ``office-1``, and compared with the answer the
document expects. A route the server has and the document lacks (or the reverse) fails; every
refusal leaves an ``access.denied`` row in the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

import pytest
from stdnum import luhn
from yarl import URL

from api.edge import SERVICES
from devices.proof import DeviceKey
from majlis.app import DEVICES
from rooms.store import Seats
from signaling.namespaces import KNOWN_EVENTS, NAMESPACES
from tests.device_keys import DeviceKeyPair
from tests.integration.api.access_policy import callers_of, http_policy, socketio_policy
from tests.integration.api.helpers import denials, sign_in_body
from tests.integration.api.test_devices import (
    Client,
    enrolled,
    enrollment_code,
    new_client,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.casework.conftest import valid_registration
from tests.integration.signaling.conftest import SLOT_START, LiveServer, Participant, minutes

METRICS_SECRET = "scraper-secret-of-the-matrix-test"
CONFIRMED = {"outcome": "confirmed"}
SETTINGS = {"metrics_token": METRICS_SECRET}
NEW_CENTRE = {
    "code": "dammam",
    "name_ar": "مركز الدمام النسائي",
    "name_en": "Dammam women's centre",
    "city": "الدمام",
    "opens_at": "08:00",
    "closes_at": "16:00",
}
NEW_ENTRY = {"code": "matrix", "label_ar": "مصفوفة", "label_en": "Matrix"}


@dataclass
class World:
    """Centre A's objects every cell is asked about."""

    request_id: int
    tracking_number: str
    phone: str
    other_request_id: int  # a registered request of centre A, not booked
    sitting_id: int
    free_slot_id: int
    appointment_id: int  # confirmed, and she is checked in at riyadh/booth-1
    movable_id: int  # a booked appointment the reschedule row moves
    referral_id: int
    alert_id: int
    spare_device_id: int  # an admin may revoke it; nobody uses it
    spare_staff_id: int  # an account an admin may change, disable, reset
    service_booth_id: int  # riyadh/booth-2: out of service and back in the rows that follow
    visit_id: int  # a walk-in visit at centre A's reception, not finished
    safeguarding_id: int  # a safeguarding alert raised at riyadh/booth-1
    pending_key_id: int  # a directory key waiting for an endorsement (the root's is id 1)


@dataclass
class Caller:
    column: str
    client: Client
    username: str | None = None  # a person: re-signed in before the rows that end sessions


# How each route of the policy is called with a valid body; ids are centre A's objects.
Call = Callable[[World], tuple[str, Any]]
CALLS: dict[str, Call] = {
    "POST /api/requests": lambda w: ("/api/requests", _registration_for("0501112233")),
    "GET /api/requests/{id}": lambda w: (f"/api/requests/{w.request_id}", None),
    "GET /api/requests": lambda w: (f"/api/requests?q={quote(w.phone)}", None),
    "POST /api/requests/{id}/status": lambda w: (
        f"/api/requests/{w.other_request_id}/status",
        {"status": "under_review", "note": "reviewed"},
    ),
    "POST /api/requests/{id}/text": lambda w: (
        f"/api/requests/{w.request_id}/text",
        {"text": "نص معدل"},
    ),
    "POST /api/requests/{id}/referrals": lambda w: (
        f"/api/requests/{w.other_request_id}/referrals",
        {"department": "health", "due_on": "2026-12-20", "note": "n"},
    ),
    "POST /api/referrals/{id}/reply": lambda w: (
        f"/api/referrals/{w.referral_id}/reply",
        {"reply": "تم"},
    ),
    "POST /api/requests/{id}/close": lambda w: (
        f"/api/requests/{w.request_id}/close",
        {"outcome": "not_possible", "reason": "خارج الاختصاص"},
    ),
    "GET /api/referrals/overdue": lambda w: ("/api/referrals/overdue", None),
    "GET /api/notices": lambda w: ("/api/notices", None),
    "GET /api/priority-rebooking": lambda w: ("/api/priority-rebooking", None),
    "POST /api/applicants/by-request/{id}/contact": lambda w: (
        f"/api/applicants/by-request/{w.request_id}/contact",
        {"language": "ar"},
    ),
    "GET /api/requests/{id}/appointments": lambda w: (
        f"/api/requests/{w.request_id}/appointments",
        None,
    ),
    "POST /api/status-lookup": lambda w: (
        "/api/status-lookup",
        {"tracking_number": w.tracking_number, "phone_last_four": w.phone[-4:]},
    ),
    "POST /api/sittings": lambda w: (
        "/api/sittings",
        {
            "office_device": "office-1",
            "starts_at": minutes(180).isoformat(),
            "ends_at": minutes(200).isoformat(),
        },
    ),
    "GET /api/sittings": lambda w: (
        f"/api/sittings?day_start={quote(minutes(0).replace(hour=0, minute=0).isoformat())}",
        None,
    ),
    "GET /api/sittings/{id}/slots": lambda w: (f"/api/sittings/{w.sitting_id}/slots", None),
    "POST /api/sittings/{id}/standby": lambda w: (
        f"/api/sittings/{w.sitting_id}/standby",
        {"request_id": w.other_request_id},
    ),
    "GET /api/sittings/{id}/standby": lambda w: (f"/api/sittings/{w.sitting_id}/standby", None),
    "POST /api/sittings/{id}/standby/order": lambda w: (
        f"/api/sittings/{w.sitting_id}/standby/order",
        {"request_ids": [w.other_request_id]},
    ),
    "POST /api/sittings/{id}/standby/remove": lambda w: (
        f"/api/sittings/{w.sitting_id}/standby/remove",
        {"request_id": w.other_request_id},
    ),
    "GET /api/slots/{id}/standby-offer": lambda w: (
        f"/api/slots/{w.free_slot_id}/standby-offer",
        None,
    ),
    "POST /api/slots/{id}/standby-fill": lambda w: (
        f"/api/slots/{w.free_slot_id}/standby-fill",
        {"request_id": w.other_request_id, "booth": "riyadh/booth-2"},
    ),
    "POST /api/appointments": lambda w: (
        "/api/appointments",
        {"request_id": w.other_request_id, "slot_id": w.free_slot_id, "booth": "riyadh/booth-2"},
    ),
    "POST /api/appointments/{id}/reschedule": lambda w: (
        f"/api/appointments/{w.movable_id}/reschedule",
        {"slot_id": w.free_slot_id, "booth": "riyadh/booth-1"},
    ),
    "POST /api/appointments/{id}/move": lambda w: (
        f"/api/appointments/{w.movable_id}/move",
        {"booth": "riyadh/booth-1"},
    ),
    "POST /api/appointments/{id}/cancel": lambda w: (
        f"/api/appointments/{w.appointment_id}/cancel",
        {},
    ),
    "POST /api/appointments/{id}/calls": lambda w: (
        f"/api/appointments/{w.appointment_id}/calls",
        {"outcome": "confirmed"},
    ),
    "POST /api/appointments/{id}/check-in": lambda w: (
        f"/api/appointments/{w.appointment_id}/check-in",
        {},
    ),
    "POST /api/appointments/{id}/check-out": lambda w: (
        f"/api/appointments/{w.appointment_id}/check-out",
        {},
    ),
    "GET /api/queue": lambda w: ("/api/queue?office=office-1", None),
    "GET /api/appointments/{id}/brief": lambda w: (
        f"/api/appointments/{w.appointment_id}/brief",
        None,
    ),
    "POST /api/appointments/{id}/outcome": lambda w: (
        f"/api/appointments/{w.appointment_id}/outcome",
        {"outcome": "follow_up", "note": "متابعة"},
    ),
    "GET /api/statistics": lambda w: ("/api/statistics", None),
    "GET /api/statistics.csv": lambda w: ("/api/statistics.csv", None),
    "GET /api/reports/ministry": lambda w: (
        "/api/reports/ministry?period=hijri_year&year=1448",
        None,
    ),
    "GET /api/reports/ministry.csv": lambda w: (
        "/api/reports/ministry.csv?period=range&first_day=2026-12-01&last_day=2026-12-31",
        None,
    ),
    "POST /api/visits": lambda w: ("/api/visits", {"centre": "riyadh", "purpose": "enquiry"}),
    "GET /api/visits": lambda w: (f"/api/visits?since={quote(minutes(-60).isoformat())}", None),
    "POST /api/visits/{id}/finish": lambda w: (f"/api/visits/{w.visit_id}/finish", {}),
    "POST /api/calls": lambda w: (
        "/api/calls",
        {
            "centre": "riyadh",
            "direction": "in",
            "purpose": "enquiry",
            "outcome": "answered",
            "duration_seconds": 120,
        },
    ),
    "GET /api/calls": lambda w: (f"/api/calls?since={quote(minutes(-60).isoformat())}", None),
    "GET /api/board": lambda w: ("/api/board", None),
    "POST /api/alerts/{id}/handled": lambda w: (f"/api/alerts/{w.alert_id}/handled", {}),
    "POST /api/device/safeguarding": lambda w: ("/api/device/safeguarding", {}),
    "POST /api/device/safeguarding/{id}/undo": lambda w: (
        f"/api/device/safeguarding/{w.safeguarding_id}/undo",
        {},
    ),
    "GET /api/safeguarding": lambda w: ("/api/safeguarding", None),
    "POST /api/safeguarding/{id}/acknowledge": lambda w: (
        f"/api/safeguarding/{w.safeguarding_id}/acknowledge",
        {},
    ),
    "POST /api/safeguarding/{id}/pause": lambda w: (
        f"/api/safeguarding/{w.safeguarding_id}/pause",
        {},
    ),
    "POST /api/safeguarding/{id}/resume": lambda w: (
        f"/api/safeguarding/{w.safeguarding_id}/resume",
        {},
    ),
    "POST /api/safeguarding/{id}/handled": lambda w: (
        f"/api/safeguarding/{w.safeguarding_id}/handled",
        {"note": "handled"},
    ),
    "GET /api/devices": lambda w: ("/api/devices", None),
    "POST /api/devices/{id}/enrollment": lambda w: (
        f"/api/devices/{w.spare_device_id}/enrollment",
        {},
    ),
    "POST /api/devices/{id}/revoke": lambda w: (f"/api/devices/{w.spare_device_id}/revoke", {}),
    "POST /api/devices": lambda w: (
        "/api/devices",
        {"kind": "booth", "centre": "riyadh", "label": "booth-9"},
    ),
    "PATCH /api/devices/{id}": lambda w: (
        f"/api/devices/{w.spare_device_id}",
        {"label": "booth-2"},
    ),
    "GET /api/admin/staff": lambda w: ("/api/admin/staff", None),
    "POST /api/admin/staff": lambda w: (
        "/api/admin/staff",
        {"username": "matrix1", "role": "coordinator", "centres": ["riyadh"]},
    ),
    "PATCH /api/admin/staff/{id}": lambda w: (
        f"/api/admin/staff/{w.spare_staff_id}",
        {"display_name": "منسقة احتياط"},
    ),
    "POST /api/admin/staff/{id}/disable": lambda w: (
        f"/api/admin/staff/{w.spare_staff_id}/disable",
        {},
    ),
    "POST /api/admin/staff/{id}/enable": lambda w: (
        f"/api/admin/staff/{w.spare_staff_id}/enable",
        {},
    ),
    "POST /api/admin/staff/{id}/reset-password": lambda w: (
        f"/api/admin/staff/{w.spare_staff_id}/reset-password",
        {},
    ),
    "GET /api/admin/staff/{id}/sessions": lambda w: (
        f"/api/admin/staff/{w.spare_staff_id}/sessions",
        None,
    ),
    "POST /api/admin/staff/{id}/sessions/end": lambda w: (
        f"/api/admin/staff/{w.spare_staff_id}/sessions/end",
        {},
    ),
    "POST /api/devices/{id}/out-of-service": lambda w: (
        f"/api/devices/{w.service_booth_id}/out-of-service",
        {"reason": "الشاشة لا تعمل"},
    ),
    "GET /api/devices/{id}/affected": lambda w: (
        f"/api/devices/{w.service_booth_id}/affected",
        None,
    ),
    "POST /api/devices/{id}/in-service": lambda w: (
        f"/api/devices/{w.service_booth_id}/in-service",
        {},
    ),
    "POST /api/devices/enroll": lambda w: ("/api/devices/enroll", {"code": "ABCDE-FGHJK"}),
    "GET /api/device": lambda w: ("/api/device", None),
    "GET /api/device/directory": lambda w: ("/api/device/directory", None),
    "GET /api/admin/directory": lambda w: ("/api/admin/directory", None),
    "POST /api/admin/directory/keys": lambda w: (
        "/api/admin/directory/keys",
        {"public_key": DeviceKeyPair().public_jwk()},
    ),
    # Well-formed, signed by the wrong key: the admin gets 422 endorsement_invalid.
    "POST /api/admin/directory/keys/{id}/endorsement": lambda w: (
        f"/api/admin/directory/keys/{w.pending_key_id}/endorsement",
        {"by": 1, "signature": DeviceKeyPair().sign(b"x")},
    ),
    "POST /api/devices/{id}/endorsement": lambda w: (  # not enrolled: 409 device_has_no_key
        f"/api/devices/{w.spare_device_id}/endorsement",
        {"by": 1, "signature": DeviceKeyPair().sign(b"x")},
    ),
    "POST /api/device/join-token": lambda w: ("/api/device/join-token", {}),
    "POST /api/device/heartbeat": lambda w: ("/api/device/heartbeat", {"screen": "idle"}),
    "POST /api/device/text": lambda w: ("/api/device/text", {"text": "نص من الكشك"}),
    "POST /api/device/rating": lambda w: ("/api/device/rating", {"stars": 5}),
    "POST /api/session": lambda w: ("/api/session", {"username": "nobody", "password": "x"}),
    "GET /api/session": lambda w: ("/api/session", None),
    "DELETE /api/session": lambda w: ("/api/session", None),
    "POST /api/session/everywhere": lambda w: ("/api/session/everywhere", {}),
    "GET /api/reference": lambda w: ("/api/reference", None),
    "GET /api/admin/centres": lambda w: ("/api/admin/centres", None),
    "POST /api/admin/centres": lambda w: ("/api/admin/centres", NEW_CENTRE),
    "PATCH /api/admin/centres/{code}": lambda w: ("/api/admin/centres/riyadh", {"city": "الرياض"}),
    "GET /api/admin/categories": lambda w: ("/api/admin/categories", None),
    "POST /api/admin/categories": lambda w: ("/api/admin/categories", NEW_ENTRY),
    "PATCH /api/admin/categories/{code}": lambda w: (
        "/api/admin/categories/housing",
        {"label_en": "Housing"},
    ),
    "GET /api/admin/departments": lambda w: ("/api/admin/departments", None),
    "POST /api/admin/departments": lambda w: ("/api/admin/departments", NEW_ENTRY),
    "PATCH /api/admin/departments/{code}": lambda w: (
        "/api/admin/departments/health",
        {"label_en": "Health"},
    ),
    "GET /metrics": lambda w: ("/metrics", None),
    "GET /healthz": lambda w: ("/healthz", None),
    "GET /readyz": lambda w: ("/readyz", None),
    "GET /": lambda w: ("/", None),
    "GET /desk": lambda w: ("/desk", None),
    "GET /office": lambda w: ("/office", None),
    "GET /booth": lambda w: ("/booth", None),
    "GET /admin": lambda w: ("/admin", None),
    "GET /status": lambda w: ("/status", None),
    "GET /static/{filename}": lambda w: ("/static/shared/api.js", None),
    "GET /vendor/{filename}": lambda w: ("/vendor/socket.io.min.js", None),
}
# Rows whose calls change what later rows find: after every other row, in this order.
LAST = (
    "POST /api/appointments/{id}/check-out",
    "POST /api/appointments/{id}/cancel",
    "POST /api/devices/{id}/revoke",
    "DELETE /api/session",
    "POST /api/session/everywhere",
)
ENDS_SESSION = {"DELETE /api/session", "POST /api/session/everywhere"}


def served_routes(live: LiveServer) -> set[str]:
    """Every ``METHOD path`` the HTTPS app answers, as the policy names them."""
    served = set()
    for route in live.app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        path = route.resource.canonical
        if path.startswith("/socket.io"):
            continue  # the Socket.IO table's
        if path.startswith("/vendor/"):
            path = "/vendor/{filename}"
        elif path == "/static":
            path = "/static/{filename}"
        served.add(f"{route.method} {path}")
    return served


async def _ok(client: Client, method: str, path: str, body: Any = None) -> Any:
    status, answer = await client.call(method, path, json=body)
    assert status in (200, 201), (method, path, status, answer)
    return answer


async def build_world(live: LiveServer, coordinator: Client, admin: Client) -> World:
    phone = "0551234567"
    created = await _ok(coordinator, "POST", "/api/requests", _registration_for(phone))
    other = await _ok(coordinator, "POST", "/api/requests", _registration_for("0557654321"))
    await _ok(
        coordinator,
        "POST",
        f"/api/requests/{created['id']}/status",
        {"status": "under_review", "note": ""},
    )
    referral = await _ok(
        coordinator,
        "POST",
        f"/api/requests/{created['id']}/referrals",
        {"department": "health", "due_on": "2026-12-20", "note": ""},
    )
    sitting = await _ok(
        coordinator,
        "POST",
        "/api/sittings",
        {
            "office_device": "office-1",
            "starts_at": minutes(0).isoformat(),
            "ends_at": minutes(60).isoformat(),
        },
    )
    slots = await _ok(coordinator, "GET", f"/api/sittings/{sitting['sitting']}/slots")
    first, second, free = (slots["slots"][n]["slot"] for n in (0, 1, 3))
    other_booking = await _ok(
        coordinator,
        "POST",
        "/api/requests",
        _registration_for("0559990000"),
    )
    booked = await _ok(
        coordinator,
        "POST",
        "/api/appointments",
        {"request_id": other_booking["id"], "slot_id": first, "booth": "riyadh/booth-1"},
    )
    movable_request = await _ok(
        coordinator, "POST", "/api/requests", _registration_for("0558880000")
    )
    movable = await _ok(
        coordinator,
        "POST",
        "/api/appointments",
        {"request_id": movable_request["id"], "slot_id": second, "booth": "riyadh/booth-2"},
    )
    appointment = booked["appointment"]
    await _ok(coordinator, "POST", f"/api/appointments/{appointment}/calls", CONFIRMED)
    await _ok(coordinator, "POST", f"/api/appointments/{appointment}/check-in", {})
    alert = await live.app[DEVICES].raise_alert("riyadh/booth-1", None, "help", live.clock.now())
    devices = await _ok(admin, "GET", "/api/devices")
    spare = next(d["id"] for d in devices["devices"] if d["name"] == "jeddah/booth-2")
    service_booth = next(d["id"] for d in devices["devices"] if d["name"] == "riyadh/booth-2")
    details = await _ok(coordinator, "GET", f"/api/requests/{other_booking['id']}")
    spare_staff = await _ok(
        admin,
        "POST",
        "/api/admin/staff",
        {"username": "spare1", "role": "coordinator", "centres": ["riyadh"]},
    )
    visit = await _ok(
        coordinator, "POST", "/api/visits", {"centre": "riyadh", "purpose": "enquiry"}
    )
    safeguarding = await live.app[SERVICES].safeguarding.raise_alert(
        "riyadh/booth-1", None, live.clock.now()
    )
    directory = live.app[SERVICES].directory
    root = await directory.register(_directory_key(), "admin", live.clock.now())
    pending = await directory.register(_directory_key(), "admin", live.clock.now())
    assert (root.id, root.root, pending.trusted) == (1, True, False)
    return World(
        request_id=int(other_booking["id"]),
        tracking_number=str(details["tracking_number"]),
        phone="0559990000",
        other_request_id=int(other["id"]),
        sitting_id=int(sitting["sitting"]),
        free_slot_id=int(free),
        appointment_id=int(appointment),
        movable_id=int(movable["appointment"]),
        referral_id=int(referral["referral"]),
        alert_id=alert,
        spare_device_id=int(spare),
        spare_staff_id=int(spare_staff["id"]),
        service_booth_id=int(service_booth),
        visit_id=int(visit["visit"]["id"]),
        safeguarding_id=safeguarding.id,
        pending_key_id=pending.id,
    )


def _registration_for(phone: str) -> dict[str, Any]:
    """A Riyadh registration of a new applicant (her national ID derived from her phone)."""
    stem = "1" + phone[-8:]
    national_id = stem + luhn.calc_check_digit(stem)
    fields = asdict(valid_registration(phone=phone, national_id=national_id))
    return {**fields, "centre": "riyadh"}


@pytest.fixture
async def callers(
    live: LiveServer,
    staff: Any,  # noqa: F811
) -> AsyncIterator[tuple[dict[str, Caller], World]]:
    made: list[Client] = []
    try:
        yield await _callers(live, staff, made)
    finally:
        for client in made:
            await client.http.close()


async def _callers(
    live: LiveServer,
    staff: Any,  # noqa: F811
    made: list[Client],
) -> tuple[dict[str, Caller], World]:
    admin = await signed_in(live, made, staff, "admin")
    coordinator_a = await signed_in(live, made, staff, "coordinator1")
    world = await build_world(live, coordinator_a, admin)

    booth = await enrolled(live, made, await enrollment_code(admin, "riyadh/booth-1"))
    office_code = await enrollment_code(admin, "office-1")
    office = await enrolled(live, made, office_code)
    await _sign_in_on(office, staff, "office")
    office_alone = await new_client(live, made)
    office_alone.headers["Authorization"] = office.headers["Authorization"]  # nobody signed in
    office_alone.key = office.key

    revoked = await enrolled(live, made, await enrollment_code(admin, "riyadh/booth-2"))
    listing = await _ok(admin, "GET", "/api/devices")
    booth_2 = next(d["id"] for d in listing["devices"] if d["name"] == "riyadh/booth-2")
    await _ok(admin, "POST", f"/api/devices/{booth_2}/revoke", {})

    copied = await new_client(live, made)
    copied.headers["Authorization"] = booth.headers["Authorization"]  # the string, no key
    assert copied.key is None

    signed_out = await signed_in(live, made, staff, "coordinator1")
    cookies = {c.key: c.value for c in signed_out.http.cookie_jar}
    await _ok(signed_out, "DELETE", "/api/session")
    signed_out.http.cookie_jar.update_cookies(cookies)  # kept after sign-out, replayed

    room = "seat-tokens"  # a room of its own: the seat tokens' only use here is as API keys
    await live.rooms.schedule(
        room, Seats("riyadh/booth-1", "office-1"), SLOT_START, minutes(6), minutes(8)
    )
    await live.at(minutes(-5), "open", room=room)
    join = await new_client(live, made)
    join.headers["Authorization"] = "Bearer " + live.rooms.issue_join_token(room, "office")
    resume = await new_client(live, made)
    resume.headers["Authorization"] = "Bearer " + await _resume_token(live, room, office)
    scraper = await new_client(live, made)
    scraper.headers["Authorization"] = f"Bearer {METRICS_SECRET}"

    by_column = {
        "anon": Caller("anon", await new_client(live, made)),
        "booth": Caller("booth", booth),
        "office-dev": Caller("office-dev", office_alone),
        "office": Caller("office", office, "office"),
        "coord-A": Caller("coord-A", coordinator_a, "coordinator1"),
        "coord-B": Caller(
            "coord-B", await signed_in(live, made, staff, "coordinator2"), "coordinator2"
        ),
        "super": Caller("super", await signed_in(live, made, staff, "supervisor"), "supervisor"),
        "admin": Caller("admin", admin, "admin"),
        "join": Caller("join", join),
        "resume": Caller("resume", resume),
        "revoked": Caller("revoked", revoked),
        "copied": Caller("copied", copied),
        "signed-out": Caller("signed-out", signed_out),
        "scraper": Caller("scraper", scraper),
    }
    return by_column, world


async def _sign_in_on(client: Client, accounts: Any, username: str) -> None:
    live = client.live
    body = await sign_in_body(live, accounts[username])
    status, session = await client.call("POST", "/api/session", json=body)
    assert status == 200, session
    client.headers["X-CSRF-Token"] = session["csrf_token"]


async def _resume_token(live: LiveServer, room: str, terminal: Client) -> str:
    """The resume token a seat gets in its ``session`` event (its terminal proving its key)."""
    seat = live.participant("/office")
    await seat.connect(live.rooms.issue_join_token(room, "office"), terminal.seat_auth("/office"))
    token = str(seat.received["session"][0]["resume_token"])
    await seat.close()
    return token


def _directory_key() -> DeviceKey:
    jwk = DeviceKeyPair().public_jwk()
    return DeviceKey.from_jwk(jwk["x"], jwk["y"])


def verdict(status: int, answer: Any) -> str:
    """The policy's name for an answer."""
    code = answer.get("code") if isinstance(answer, dict) else None
    if status in (401, 403, 404):
        return str(status)
    assert status < 500, (status, answer)
    assert code not in ("invalid_payload", "unsupported_media_type"), answer  # a valid body
    return "✓"


def test_the_policy_names_every_route_the_server_serves(live: LiveServer) -> None:
    named = {row.subject for row in http_policy()}
    assert served_routes(live) == named
    assert set(CALLS) == named  # and the test knows how to call each with a valid body


@pytest.mark.parametrize("live", [SETTINGS], indirect=True)
async def test_every_caller_on_every_route_gets_what_the_policy_says(
    live: LiveServer,
    callers: tuple[dict[str, Caller], World],
    staff: Any,  # noqa: F811
) -> None:
    by_column, world = callers
    policy = http_policy()
    assert set(callers_of(policy)) == set(by_column)
    before = await denials(live)
    refused = 0
    wrong: list[str] = []
    for row in sorted(policy, key=lambda r: LAST.index(r.subject) if r.subject in LAST else -1):
        method = row.subject.split(" ", 1)[0]
        path, body = CALLS[row.subject](world)
        if "any" in row.cells.values():
            # Public: the credentials are not read, so anybody and a signed-in coordinator
            # get the same answer (two calls: the status lookup is limited per number).
            assert set(row.cells.values()) == {"any"}, row.subject
            answers = [
                (await by_column[c].client.call(method, path, json=body))[0]
                for c in ("anon", "coord-A")
            ]
            assert answers[0] == answers[1], (row.subject, answers)
            assert answers[0] < 500, (row.subject, answers)
            continue
        for column, expected in row.cells.items():
            caller = by_column[column]
            if row.subject in ENDS_SESSION and caller.username is not None:
                await _sign_in_on(caller.client, staff, caller.username)
            status, answer = await caller.client.call(method, path, json=body)
            got = verdict(status, answer)
            if got != expected:
                wrong.append(f"{row.subject} as {column}: {expected} expected, {status} {answer}")
            if got in ("401", "403") and path.startswith("/api/"):
                refused += 1
    assert not wrong, "\n".join(wrong)
    assert await denials(live) - before >= refused  # every refusal left its trace


# -- Socket.IO ------------------------------------------------------------------------------------

ROLE_OF_NAMESPACE = {"/booth": "booth", "/office": "office", "/desk": None}
# A schema-valid body for each event (an event may still fail on the room's state or media).
EVENT_BODIES: dict[str, dict[str, Any]] = {
    "offer": {"sdp": "v=0\r\n"},
    "ice": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"},
    "e2ee_share": {"public": "A" * 87, "signature": "", "reply": False, "answers": ""},
    "extend": {"push_next": False},
    "voice_only": {"on": False},
    "quality": {"room": "riyadh-room"},
    "help": {"reason": "sound"},
    "help_answer": {"alert": 1, "kind": "on_my_way"},
}


async def _seat_connect(
    live: LiveServer, namespace: str, auth: dict[str, str] | None, headers: dict[str, str]
) -> Participant | None:
    """A connection to ``namespace``, or None if the server refuses it."""
    seat = live.participant(namespace)
    try:
        await seat.sio.connect(
            live.base_url,
            namespaces=[namespace],
            transports=["websocket"],
            auth=auth,
            headers=dict(headers),
            wait_timeout=10,
        )
    except Exception:
        return None
    return seat


def _cookie_of(live: LiveServer, client: Client) -> dict[str, str]:
    jar = client.http.cookie_jar.filter_cookies(URL(live.base_url))
    return {"Cookie": f"majlis_session={jar['majlis_session'].value}"} if jar else {}


async def _connect_as(
    live: LiveServer,
    column: str,
    caller: Caller,
    namespace: str,
    room: str,
    seat_device: Client | None,
) -> Participant | None:
    """How each kind of caller tries to hold a seat on ``namespace`` for ``room``
    (``seat_device``: the enrolled device seated there, which proves its key at connect)."""
    role = ROLE_OF_NAMESPACE[namespace]
    headers = _cookie_of(live, caller.client)
    credential = caller.client.headers.get("Authorization", "").removeprefix("Bearer ")
    # The seat's join token: a device fetches it for its own room; here it is issued, as the
    # room's seat tokens are the same whoever carries them. Only the seated device itself can
    # add a proof of its key; from any other client the token comes alone.
    if role is not None and column in ("join", role):
        token = live.rooms.issue_join_token(room, role)
        proof = caller.client.seat_auth(namespace) if column == role else {}
        return await _seat_connect(live, namespace, {"token": token, **proof}, headers)
    if column == "resume" and role is not None:
        assert seat_device is not None
        first_auth = {
            "token": live.rooms.issue_join_token(room, role),
            **seat_device.seat_auth(namespace),
        }
        first = await _seat_connect(live, namespace, first_auth, {})
        assert first is not None
        resume = str(first.received["session"][0]["resume_token"])
        await first.close()
        return await _seat_connect(live, namespace, {"token": resume}, {})
    if column == "join":  # a seat's token on the desk
        token = live.rooms.issue_join_token(room, "office")
        return await _seat_connect(live, namespace, {"token": token}, headers)
    auth = {"token": credential} if credential else None
    return await _seat_connect(live, namespace, auth, headers)


def event_verdict(answer: dict[str, Any]) -> str:
    code = None if answer.get("ok") else answer["error"]["code"]
    assert code not in ("unknown_event", "internal", "invalid_payload"), answer  # valid bodies
    return "403" if code == "not_permitted" else "✓"


def test_the_policy_names_every_namespace_and_event() -> None:
    rows = socketio_policy()
    for namespace in ROLE_OF_NAMESPACE:
        named = {row.subject.split(" ", 1)[1] for row in rows if row.subject.startswith(namespace)}
        assert named == {"connect", *KNOWN_EVENTS}, namespace
    assert {kind.__name__ for kind in NAMESPACES} == {
        "BoothNamespace",
        "OfficeNamespace",
        "CoordinationNamespace",
    }


@pytest.mark.parametrize("live", [SETTINGS], indirect=True)
async def test_every_caller_on_every_socketio_event_gets_what_the_policy_says(
    live: LiveServer,
    callers: tuple[dict[str, Caller], World],
) -> None:
    by_column, _ = callers
    rows = {row.subject: row for row in socketio_policy()}
    seat_devices = {"/booth": by_column["booth"].client, "/office": by_column["office"].client}
    wrong: list[str] = []
    rooms = 0
    for namespace in ROLE_OF_NAMESPACE:
        for column, expected in rows[f"{namespace} connect"].cells.items():
            rooms += 1
            room = f"matrix-{rooms}"
            await live.rooms.schedule(
                room, Seats("riyadh/booth-1", "office-1"), SLOT_START, minutes(6), minutes(8)
            )
            await live.at(minutes(-5), "open", room=room)
            seat = await _connect_as(
                live, column, by_column[column], namespace, room, seat_devices.get(namespace)
            )
            got = "✓" if seat is not None else "refused"
            if got != expected:
                wrong.append(f"{namespace} connect as {column}: {expected} expected, {got}")
            if seat is None:
                continue
            for event in sorted(KNOWN_EVENTS, key=lambda e: (e == "end", e)):
                body = {**EVENT_BODIES.get(event, {})}
                if event == "quality":
                    body["room"] = room
                wanted = rows[f"{namespace} {event}"].cells[column]
                answer = await seat.call(event, body)
                got = event_verdict(answer)
                if got != wanted:
                    wrong.append(f"{namespace} {event} as {column}: {wanted} expected, {answer}")
            await seat.close()
    assert not wrong, "\n".join(wrong)
