"""Device enrollment and revocation over HTTPS and Socket.IO: one-time codes, credentials,
wrong roles and bad bodies refused with typed errors, and a revoked booth cut off at once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import socketio
from sqlalchemy import select
from yarl import URL

from audit.log import audit_log
from devices.proof import PROOF_HEADER
from devices.service import DeviceService
from devices.tables import device_heartbeats
from majlis.app import ACCOUNTS, AUDIT, DB_ENGINE
from majlis.components import retention_job
from majlis.demo import DemoSignIn, seed_demo
from rooms.store import Seats
from tests.device_keys import DeviceKeyPair
from tests.integration.api.helpers import sign_in_body
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import SLOT_START, LiveServer, minutes

BOOTH = "riyadh/booth-1"


class Client:
    """An HTTPS caller: a staff cookie session (with its CSRF token), or a device credential
    with the device's key, which signs a fresh proof for every call."""

    def __init__(self, live: LiveServer, http: aiohttp.ClientSession) -> None:
        self.live, self.http, self.headers = live, http, {}
        self.key: DeviceKeyPair | None = None

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if self.key is not None:
            headers.setdefault(PROOF_HEADER, self.key.proof(method, path, self.live.clock.now()))
        async with self.http.request(
            method, f"{self.live.base_url}{path}", headers=headers, **kwargs
        ) as response:
            if response.content_type != "application/json":
                return response.status, await response.text()
            return response.status, await response.json()

    def seat_auth(self, namespace: str, *, e2ee: bool = True) -> dict[str, object]:
        """What this device adds to a seat's Socket.IO ``auth``: its credential, a fresh proof
        of its key for ``CONNECT /socket.io<namespace>``, and whether its browser seals frames
        end to end (the kiosk's browser can)."""
        assert self.key is not None
        proof = self.key.proof("CONNECT", f"/socket.io{namespace}", self.live.clock.now())
        return {"credential": self.credential, "proof": proof, "e2ee": e2ee}

    @property
    def credential(self) -> str:
        return str(self.headers["Authorization"]).removeprefix("Bearer ")


@pytest.fixture
async def staff(live: LiveServer) -> dict[str, DemoSignIn]:
    sign_ins = await seed_demo(
        live.app[DB_ENGINE], live.clock.now(), live.app[ACCOUNTS].second_factors
    )
    assert sign_ins is not None
    return {s.username: s for s in sign_ins}


@pytest.fixture
async def clients(live: LiveServer) -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.http.close()


async def new_client(live: LiveServer, clients: list[Client]) -> Client:
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=live.ca), cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    client = Client(live, http)
    clients.append(client)
    return client


async def signed_in(
    live: LiveServer, clients: list[Client], staff: dict[str, DemoSignIn], username: str
) -> Client:
    client = await new_client(live, clients)
    body = await sign_in_body(live, staff[username])
    status, session = await client.call("POST", "/api/session", json=body)
    assert status == 200, session
    client.headers["X-CSRF-Token"] = session["csrf_token"]
    return client


async def enrollment_code(admin: Client, device: str) -> str:
    status, listing = await admin.call("GET", "/api/devices")
    assert status == 200, listing
    device_id = next(d["id"] for d in listing["devices"] if d["name"] == device)
    status, body = await admin.call("POST", f"/api/devices/{device_id}/enrollment")
    assert status == 201, body
    return str(body["code"])


async def enrolled(live: LiveServer, clients: list[Client], code: str) -> Client:
    """A device enrolled with ``code`` and a key pair of its own, which signs its calls."""
    device = await new_client(live, clients)
    key = DeviceKeyPair()
    body = {"code": code, "public_key": key.public_jwk()}
    status, body = await device.call("POST", "/api/devices/enroll", json=body)
    assert status == 201, body
    assert body["credential"].startswith("mjd1.")
    device.headers["Authorization"] = f"Bearer {body['credential']}"
    device.key = key
    return device


async def test_a_code_works_once_and_not_after_fifteen_minutes(
    live: LiveServer, staff: dict[str, DemoSignIn], clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    code = await enrollment_code(admin, BOOTH)
    booth = await enrolled(live, clients, code.lower().replace("-", " "))  # as typed
    status, me = await booth.call("GET", "/api/device")
    assert (status, me["device"], me["kind"], me["assignment"]) == (200, BOOTH, "booth", None)

    stranger = await new_client(live, clients)
    key = DeviceKeyPair().public_jwk()
    body = {"code": code, "public_key": key}
    status, refused = await stranger.call("POST", "/api/devices/enroll", json=body)
    assert (status, refused["code"]) == (404, "enrollment_failed")  # used

    late = await enrollment_code(admin, BOOTH)
    live.clock.set(live.clock.now() + timedelta(minutes=15, seconds=1))
    body = {"code": late, "public_key": key}
    status, refused = await stranger.call("POST", "/api/devices/enroll", json=body)
    assert (status, refused["code"]) == (404, "enrollment_failed")  # expired


@pytest.mark.parametrize(
    "body",
    [None, [], {"code": "x" * 33}, {"code": "ABCDE-FGHJK", "device": "office-1"}, {"code": 7}],
)
async def test_a_malformed_enrollment_is_a_typed_422(
    live: LiveServer, clients: list[Client], body: Any
) -> None:
    client = await new_client(live, clients)
    status, refused = await client.call("POST", "/api/devices/enroll", json=body)
    assert (status, refused["code"]) == (422, "invalid_payload")
    assert "x" * 33 not in str(refused)  # the value is never echoed


async def test_each_role_is_refused_what_it_may_not_do_and_the_refusal_is_audited(
    live: LiveServer, staff: dict[str, DemoSignIn], clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    booth = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    coordinator = await signed_in(live, clients, staff, "coordinator1")

    refusals = [
        (booth, "GET", "/api/board"),  # a kiosk never sees other booths
        (booth, "GET", "/api/requests/1"),  # nor any request by id
        (coordinator, "GET", "/api/devices"),  # devices are the admin's
        (coordinator, "GET", "/api/device"),  # a person is not a device
        (admin, "GET", "/api/requests?q=0551234567"),  # the admin never reads requests
    ]
    for client, method, path in refusals:
        status, body = await client.call(method, path)
        assert (status, body["code"]) == (403, "not_permitted"), (path, body)

    status, body = await booth.call("POST", "/api/device/join-token", json={})
    assert (status, body["code"]) == (404, "unknown_appointment")  # nobody checked in here
    status, body = await booth.call("POST", "/api/device/heartbeat", json={"screen": "x" * 9})
    assert (status, body["code"]) == (422, "invalid_payload")
    status, body = await booth.call("POST", "/api/device/rating", json={"stars": 6})
    assert (status, body["code"]) == (422, "invalid_payload")

    async with live.app[DB_ENGINE].connect() as connection:
        denied = [
            (r.actor, r.subject)
            for r in await connection.execute(
                select(audit_log).where(audit_log.c.action == "access.denied")
            )
        ]
    assert (BOOTH, "/api/board") in denied
    assert ("admin", "/api/requests") in denied


async def test_a_revoked_booth_is_cut_off_within_a_second_and_cannot_come_back(
    live: LiveServer, staff: dict[str, DemoSignIn], clients: list[Client]
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    booth_http = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    await live.rooms.schedule(
        "room-1", Seats(BOOTH, "office-1"), SLOT_START, minutes(6), minutes(8)
    )
    await live.at(minutes(-5), "open")
    booth = live.participant("/booth")
    await booth.connect(
        live.rooms.issue_join_token("room-1", "booth"), booth_http.seat_auth("/booth")
    )
    await wait_for(lambda: bool(booth.received["session"]), 3, "the booth's session")
    resume = booth.received["session"][0]["resume_token"]

    status, listing = await admin.call("GET", "/api/devices")
    device_id = next(d["id"] for d in listing["devices"] if d["name"] == BOOTH)
    started = time.monotonic()
    status, body = await admin.call("POST", f"/api/devices/{device_id}/revoke")
    assert status == 200, body
    await wait_for(lambda: not booth.sio.connected, 1.0, "the revoked booth to be cut off")
    print(f"revoked booth disconnected after {time.monotonic() - started:.3f} s")

    status, body = await booth_http.call("GET", "/api/device")
    assert (status, body["code"]) == (401, "device_revoked")
    again = live.participant("/booth")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(resume, booth_http.seat_auth("/booth"))
    assert any("device_revoked" in str(e) for e in again.received["connect_error"])


@pytest.mark.parametrize(
    ("username", "refusal"),
    [
        ("coordinator1", None),
        ("supervisor", None),
        ("office", "not_permitted"),
        ("admin", "not_permitted"),
    ],
)
async def test_the_desk_namespace_takes_a_staff_session_cookie(
    live: LiveServer,
    staff: dict[str, DemoSignIn],
    clients: list[Client],
    username: str,
    refusal: str | None,
) -> None:
    person = await signed_in(live, clients, staff, username)
    cookie = person.http.cookie_jar.filter_cookies(URL(live.base_url))["majlis_session"].value
    desk = live.participant("/desk")
    headers = {"Cookie": f"majlis_session={cookie}"}
    if refusal is None:
        await desk.sio.connect(
            live.base_url, namespaces=["/desk"], transports=["websocket"], headers=headers
        )
        await wait_for(lambda: bool(desk.received["rooms"]), 3, "the desk's first rooms")
        assert (await desk.call("rooms"))["ok"]
        return
    with pytest.raises(socketio.exceptions.ConnectionError):
        await desk.sio.connect(
            live.base_url, namespaces=["/desk"], transports=["websocket"], headers=headers
        )
    assert any(refusal in str(e) for e in desk.received["connect_error"])


async def test_the_desk_namespace_refuses_an_unknown_session_cookie(live: LiveServer) -> None:
    desk = live.participant("/desk")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await desk.sio.connect(
            live.base_url,
            namespaces=["/desk"],
            transports=["websocket"],
            headers={"Cookie": "majlis_session=forged"},
        )
    assert any("session_expired" in str(e) for e in desk.received["connect_error"])


async def test_retention_deletes_heartbeats_older_than_a_week(live: LiveServer) -> None:
    engine = live.app[DB_ENGINE]
    devices = DeviceService(engine)
    now = live.clock.now()
    await devices.heartbeat(BOOTH, "idle", 12, now - timedelta(days=8))
    await devices.heartbeat(BOOTH, "idle", 14, now - timedelta(days=1))
    counts = await retention_job(live.settings, engine, live.app[AUDIT]).run(now)
    assert counts["heartbeats_deleted"] == 1
    async with engine.connect() as connection:
        left = (await connection.execute(select(device_heartbeats.c.round_trip_ms))).scalars()
        assert list(left) == [14]


async def test_enrolling_a_device_again_revokes_its_earlier_credential(
    live: LiveServer, staff: dict[str, DemoSignIn], clients: list[Client]
) -> None:
    """One credential per device: a second copy of a booth (an admin enrolling it again) does
    not read its applicants alongside the kiosk unnoticed — the kiosk goes dark and must be
    enrolled anew, which the coordinators see on the board."""
    admin = await signed_in(live, clients, staff, "admin")
    first = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    second = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    status, refused = await first.call("GET", "/api/device")
    assert (status, refused["code"]) == (401, "device_revoked")
    status, me = await second.call("GET", "/api/device")
    assert (status, me["device"]) == (200, BOOTH)
