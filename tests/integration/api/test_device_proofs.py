"""Device credentials are proof-of-possession: every call of an enrolled device carries a
fresh proof signed by the key its browser made at enrollment. The credential string alone —
copied out of the kiosk's storage — is refused (401, audited under the device it names), and
so is a proof of another key, for another call, made at another time, or used twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from audit.log import audit_log
from devices.proof import PROOF_HEADER
from majlis.app import DB_ENGINE
from majlis.demo import DemoSignIn
from tests.device_keys import DeviceKeyPair
from tests.integration.api.test_devices import (
    BOOTH,
    Client,
    clients,  # noqa: F401 - a fixture
    enrolled,
    enrollment_code,
    new_client,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.signaling.conftest import LiveServer


@pytest.fixture
async def booth(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> Client:
    admin = await signed_in(live, clients, staff, "admin")
    return await enrolled(live, clients, await enrollment_code(admin, BOOTH))


async def _refusals_of(live: LiveServer, device: str) -> list[str]:
    async with live.app[DB_ENGINE].connect() as connection:
        rows = await connection.execute(
            select(audit_log.c.detail).where(
                audit_log.c.action == "access.denied", audit_log.c.actor == device
            )
        )
        return list(rows.scalars())


async def test_a_copied_credential_without_the_key_is_refused_on_every_device_route(
    live: LiveServer,
    booth: Client,
    clients: list[Client],  # noqa: F811
) -> None:
    copied = await new_client(live, clients)
    copied.headers["Authorization"] = booth.headers["Authorization"]
    for method, path, body in [
        ("GET", "/api/device", None),
        ("POST", "/api/device/heartbeat", {"screen": "idle"}),
        ("POST", "/api/device/text", {"text": "نص"}),
        ("POST", "/api/device/join-token", {}),
    ]:
        status, answer = await copied.call(method, path, json=body)
        assert (status, answer["code"]) == (401, "proof_required"), (path, answer)
        assert answer["message_key"] == "errors.devices.proof_required"
    assert (await _refusals_of(live, BOOTH)).count("proof_required") == 4
    status, me = await booth.call("GET", "/api/device")  # the kiosk itself still works
    assert (status, me["device"]) == (200, BOOTH)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda key, now: DeviceKeyPair().proof("GET", "/api/device", now), id="key"),
        pytest.param(lambda key, now: key.proof("POST", "/api/device", now), id="method"),
        pytest.param(lambda key, now: key.proof("GET", "/api/device?x=1", now), id="target"),
        pytest.param(lambda key, now: key.proof("GET", "https://x/api/device", now), id="host"),
        pytest.param(
            lambda key, now: key.proof("GET", "/api/device", now - timedelta(seconds=61)),
            id="stale",
        ),
        pytest.param(
            lambda key, now: key.proof("GET", "/api/device", now + timedelta(seconds=61)),
            id="future",
        ),
        pytest.param(lambda key, now: key.proof("GET", "/api/device", now, iat=10**400), id="iat"),
        pytest.param(lambda key, now: key.proof("GET", "/api/device", now, jti="x"), id="jti"),
        pytest.param(lambda key, now: key.proof("GET", "/api/device", now, aud=1), id="claims"),
        pytest.param(lambda key, now: "e30." + "A" * 86, id="unsigned"),
        pytest.param(lambda key, now: "not a proof", id="garbage"),
        pytest.param(lambda key, now: "[" * 3000 + "." + "A" * 86, id="deep"),
    ],
)
async def test_a_proof_of_another_key_call_or_time_is_refused(
    live: LiveServer, booth: Client, forge: Any
) -> None:
    assert booth.key is not None
    proof = forge(booth.key, live.clock.now())
    status, answer = await booth.call("GET", "/api/device", headers={PROOF_HEADER: proof})
    assert (status, answer["code"]) == (401, "proof_invalid"), answer
    assert await _refusals_of(live, BOOTH) == ["proof_invalid"]


async def test_a_proof_is_accepted_once_within_a_minute_of_the_servers_clock(
    live: LiveServer, booth: Client
) -> None:
    assert booth.key is not None
    early = booth.key.proof("GET", "/api/device", live.clock.now() - timedelta(seconds=59))
    status, _ = await booth.call("GET", "/api/device", headers={PROOF_HEADER: early})
    assert status == 200
    status, answer = await booth.call("GET", "/api/device", headers={PROOF_HEADER: early})
    assert (status, answer["code"]) == (401, "proof_invalid")  # replayed

    live.clock.set(live.clock.now() + timedelta(hours=1))  # the server's clock, not the host's
    status, _ = await booth.call("GET", "/api/device")
    assert status == 200


async def test_a_revoked_device_with_a_valid_proof_is_refused_as_revoked(
    live: LiveServer,
    booth: Client,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    status, listing = await admin.call("GET", "/api/devices")
    device_id = next(d["id"] for d in listing["devices"] if d["name"] == BOOTH)
    assert (await admin.call("POST", f"/api/devices/{device_id}/revoke"))[0] == 200
    status, answer = await booth.call("GET", "/api/device")
    assert (status, answer["code"]) == (401, "device_revoked")


@pytest.mark.parametrize(
    ("public_key", "code"),
    [
        (None, "invalid_payload"),
        ({"kty": "EC", "crv": "P-384", "x": "A" * 43, "y": "A" * 43}, "invalid_payload"),
        ({"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43}, "invalid_device_key"),
        ({"kty": "EC", "crv": "P-256", "x": "*" * 43, "y": "A" * 43}, "invalid_device_key"),
    ],
)
async def test_an_enrollment_without_a_valid_p256_key_is_a_typed_422_and_keeps_the_code(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    public_key: Any,
    code: str,
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    one_time = await enrollment_code(admin, BOOTH)
    client = await new_client(live, clients)
    body = {"code": one_time, **({} if public_key is None else {"public_key": public_key})}
    status, refused = await client.call("POST", "/api/devices/enroll", json=body)
    assert (status, refused["code"]) == (422, code), refused
    assert (await enrolled(live, clients, one_time)).key is not None  # the code still works
