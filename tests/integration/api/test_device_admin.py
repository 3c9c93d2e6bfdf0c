"""An administrator adds booths and office terminals over HTTPS, corrects a label while nothing
holds the device's name yet, and gets each enrollment code as text and as a QR code; every
change is audited, bad input is a typed refusal, and nobody else may."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote

import pytest

from majlis.demo import DemoSignIn
from tests.integration.api.helpers import audited
from tests.integration.api.test_devices import (
    Client,
    clients,  # noqa: F401 - a fixture
    enrolled,
    new_client,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.signaling.conftest import LiveServer, minutes


async def added(admin: Client, **body: Any) -> dict[str, Any]:
    status, device = await admin.call("POST", "/api/devices", json=body)
    assert status == 201, device
    return dict(device)


async def test_a_new_booth_enrolls_with_its_code_and_an_office_terminal_has_no_centre(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")

    booth = await added(admin, kind="booth", centre="jeddah", label="Booth-7")
    office = await added(admin, kind="office", label="office-2")

    assert {k: booth[k] for k in ("name", "kind", "centre")} == {
        "name": "jeddah/booth-7",
        "kind": "booth",
        "centre": "jeddah",
    }
    assert (office["name"], office["centre"]) == ("office-2", None)
    status, code = await admin.call("POST", f"/api/devices/{booth['id']}/enrollment", json={})
    assert status == 201
    assert code["qr_svg"].startswith("data:image/svg+xml")
    svg = unquote(code["qr_svg"].split(",", 1)[1])
    if ";base64" in code["qr_svg"].split(",", 1)[0]:
        svg = base64.b64decode(svg).decode()
    assert "<svg" in svg
    device = await enrolled(live, clients, code["code"])
    status, me = await device.call("GET", "/api/device")
    assert (status, me["device"]) == (200, "jeddah/booth-7")
    assert await audited(live, "device.added") == [
        ("admin", "device:jeddah/booth-7", "kind=booth"),
        ("admin", "device:office-2", "kind=office"),
    ]


async def test_a_sitting_can_be_held_at_a_new_office_terminal(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    await added(admin, kind="office", label="office-2")
    coordinator = await signed_in(live, clients, staff, "coordinator1")

    body = {
        "office_device": "office-2",
        "starts_at": minutes(0).isoformat(),
        "ends_at": minutes(60).isoformat(),
    }
    status, sitting = await coordinator.call("POST", "/api/sittings", json=body)

    assert status == 201, sitting


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "booth", "label": "booth-9"}, 422, "invalid_device"),
        ({"kind": "office", "centre": "riyadh", "label": "o-9"}, 422, "invalid_device"),
        ({"kind": "booth", "centre": "riyadh", "label": "booth 9"}, 422, "invalid_device"),
        ({"kind": "booth", "centre": "riyadh", "label": "كشك"}, 422, "invalid_device"),
        ({"kind": "booth", "centre": "mecca", "label": "booth-9"}, 422, "unknown_centre"),
        ({"kind": "booth", "centre": "riyadh", "label": "booth-1"}, 409, "duplicate_device"),
        ({"kind": "office", "label": "office-1"}, 409, "duplicate_device"),
        ({"kind": "printer", "label": "p-1"}, 422, "invalid_payload"),
        ({"kind": "booth", "centre": "riyadh"}, 422, "invalid_payload"),
    ],
)
async def test_a_bad_new_device_is_a_typed_refusal(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    _, before = await admin.call("GET", "/api/devices")

    got, refused = await admin.call("POST", "/api/devices", json=body)

    assert (got, refused["code"]) == (status, code)
    assert (await admin.call("GET", "/api/devices"))[1] == before


async def test_a_label_is_corrected_until_the_device_is_given_an_enrollment_code(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    booth = await added(admin, kind="booth", centre="riyadh", label="booth-3")
    path = f"/api/devices/{booth['id']}"

    status, renamed = await admin.call("PATCH", path, json={"label": "booth-4"})
    assert (status, renamed["name"]) == (200, "riyadh/booth-4")
    status, refused = await admin.call("PATCH", path, json={"label": "booth-1"})
    assert (status, refused["code"]) == (409, "duplicate_device")
    await admin.call("POST", f"{path}/enrollment", json={})
    status, refused = await admin.call("PATCH", path, json={"label": "booth-5"})
    assert (status, refused["code"]) == (409, "device_name_in_use")

    assert await audited(live, "device.renamed") == [
        ("admin", "device:riyadh/booth-4", "was=riyadh/booth-3")
    ]


async def test_a_booked_booth_keeps_its_name(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    booth = await added(admin, kind="booth", centre="riyadh", label="booth-3")
    coordinator = await signed_in(live, clients, staff, "coordinator1")
    sitting_body = {
        "office_device": "office-1",
        "starts_at": minutes(0).isoformat(),
        "ends_at": minutes(60).isoformat(),
    }
    _, sitting = await coordinator.call("POST", "/api/sittings", json=sitting_body)
    _, slots = await coordinator.call("GET", f"/api/sittings/{sitting['sitting']}/slots")
    registration = {
        "full_name": "نورة",
        "national_id": "1000000008",
        "phone": "0551234567",
        "centre": "riyadh",
        "category": "housing",
        "text": "طلب",
    }
    _, request = await coordinator.call("POST", "/api/requests", json=registration)
    booking = {
        "request_id": request["id"],
        "slot_id": slots["slots"][0]["slot"],
        "booth": "riyadh/booth-3",
    }
    status, booked = await coordinator.call("POST", "/api/appointments", json=booking)
    assert status == 201, booked

    status, refused = await admin.call(
        "PATCH", f"/api/devices/{booth['id']}", json={"label": "booth-4"}
    )

    assert (status, refused["code"]) == (409, "device_name_in_use")


@pytest.mark.parametrize("username", ["coordinator1", "supervisor"])
async def test_no_one_but_an_admin_adds_or_renames_a_device(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    username: str,
) -> None:
    caller = await signed_in(live, clients, staff, username)
    anonymous = await new_client(live, clients)
    body = {"kind": "booth", "centre": "riyadh", "label": "booth-9"}

    for client, expected in ((caller, 403), (anonymous, 401)):
        status, _ = await client.call("POST", "/api/devices", json=body)
        assert status == expected
        status, _ = await client.call("PATCH", "/api/devices/1", json={"label": "booth-9"})
        assert status == expected
