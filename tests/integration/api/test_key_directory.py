"""The key directory (devices.directory, issue 17): an administrator's browser key is the root or
waits for an endorsement; an endorsement counts only if a trusted directory key signed exactly
what it names (this key, this device's name and live key); an enrolled device reads the trusted
keys and its own endorsement, and its audience key shares are relayed with them. Every change is
audited; nobody but an administrator makes one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from api.edge import SERVICES
from devices.directory import device_statement, key_statement
from devices.proof import DeviceKey
from devices.service import DeviceService
from majlis.demo import DemoSignIn
from rooms.store import Seats
from tests.device_keys import DeviceKeyPair
from tests.integration.api.helpers import audited
from tests.integration.api.test_devices import (
    BOOTH,
    Client,
    clients,  # noqa: F401 - a fixture
    enrolled,
    enrollment_code,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import SLOT_START, LiveServer, minutes


def key_of(pair: DeviceKeyPair) -> DeviceKey:
    jwk = pair.public_jwk()
    return DeviceKey.from_jwk(jwk["x"], jwk["y"])


async def registered(admin: Client, pair: DeviceKeyPair) -> dict[str, Any]:
    status, key = await admin.call(
        "POST", "/api/admin/directory/keys", json={"public_key": pair.public_jwk()}
    )
    assert status == 201, key
    return dict(key)


async def device_id(admin: Client, name: str) -> int:
    status, listing = await admin.call("GET", "/api/devices")
    assert status == 200, listing
    return int(next(d["id"] for d in listing["devices"] if d["name"] == name))


async def test_the_first_key_is_the_root_and_a_later_one_waits_for_a_trusted_endorsement(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    first, second, third = DeviceKeyPair(), DeviceKeyPair(), DeviceKeyPair()
    root = await registered(admin, first)
    assert (root["root"], root["endorsed_by"], root["holder"]) == (True, None, "admin")
    pending = await registered(admin, second)
    assert (pending["root"], pending["endorsed_by"]) == (False, None)
    status, twice = await admin.call(
        "POST", "/api/admin/directory/keys", json={"public_key": first.public_jwk()}
    )
    assert (status, twice["code"]) == (409, "directory_key_exists")

    path = f"/api/admin/directory/keys/{pending['id']}/endorsement"
    later = await registered(admin, third)
    # A pending key endorses nothing; a signature over another key, or by another key, fails.
    untrusted = {"by": later["id"], "signature": third.sign(key_statement(key_of(second)))}
    status, refused = await admin.call("POST", path, json=untrusted)
    assert (status, refused["code"]) == (409, "directory_key_not_trusted")
    for signature in (first.sign(key_statement(key_of(third))), second.sign(b"anything")):
        status, refused = await admin.call(
            "POST", path, json={"by": root["id"], "signature": signature}
        )
        assert (status, refused["code"]) == (422, "endorsement_invalid")
    status, refused = await admin.call("POST", path, json={"by": root["id"], "signature": "x"})
    assert (status, refused["code"]) == (422, "invalid_payload")
    status, refused = await admin.call(
        "POST",
        "/api/admin/directory/keys/999/endorsement",
        json={"by": root["id"], "signature": first.sign(b"x")},
    )
    assert (status, refused["code"]) == (404, "unknown_directory_key")

    signature = first.sign(key_statement(key_of(second)))
    status, endorsed = await admin.call(
        "POST", path, json={"by": root["id"], "signature": signature}
    )
    assert (status, endorsed["endorsed_by"], endorsed["endorsement"]) == (
        200,
        root["id"],
        signature,
    )
    status, listing = await admin.call("GET", "/api/admin/directory")
    assert status == 200
    assert [(k["id"], k["root"], k["endorsed_by"]) for k in listing["keys"]] == [
        (root["id"], True, None),
        (pending["id"], False, root["id"]),
        (later["id"], False, None),
    ]
    assert await audited(live, "directory.key_registered") == [
        ("admin", f"directory_key:{root['id']}", "root"),
        ("admin", f"directory_key:{pending['id']}", "pending"),
        ("admin", f"directory_key:{later['id']}", "pending"),
    ]
    # Endorsed once: another endorsement of it, or one of the root, is refused, even a valid
    # one, and whatever its signature (nothing is audited as endorsed that was not).
    again = {"by": root["id"], "signature": first.sign(key_statement(key_of(second)))}
    status, refused = await admin.call("POST", path, json=again)
    assert (status, refused["code"]) == (409, "directory_key_trusted_already")
    root_path = f"/api/admin/directory/keys/{root['id']}/endorsement"
    for by, signature in (
        (pending["id"], second.sign(key_statement(key_of(first)))),
        (pending["id"], "A" * 86),
    ):
        status, refused = await admin.call(
            "POST", root_path, json={"by": by, "signature": signature}
        )
        assert status in (409, 422), refused
    # ``by`` is an integer, not a string, a float or a boolean that reads as one.
    for by in ("1", 1.0, True):
        status, refused = await admin.call("POST", path, json={**again, "by": by})
        assert (status, refused["code"]) == (422, "invalid_payload"), by
    assert await audited(live, "directory.key_endorsed") == [
        ("admin", f"directory_key:{pending['id']}", f"by={root['id']}")
    ]
    refusals = await audited(live, "directory.endorsement_refused")
    assert [detail.split()[1] for _who, _subject, detail in refusals] == [
        "directory_key_not_trusted",
        "endorsement_invalid",
        "endorsement_invalid",
        "unknown_directory_key",
        "directory_key_trusted_already",
        "directory_key_trusted_already",
        "endorsement_invalid",
    ]


async def test_browsers_registering_at_once_make_one_root_and_no_server_error(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    pairs = [DeviceKeyPair() for _ in range(6)]
    same = {"public_key": pairs[0].public_jwk()}
    calls = [admin.call("POST", "/api/admin/directory/keys", json=same) for _ in range(4)]
    calls += [
        admin.call("POST", "/api/admin/directory/keys", json={"public_key": p.public_jwk()})
        for p in pairs[1:]
    ]
    answers = await asyncio.gather(*calls)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 6 + [409] * 3, answers
    status, listing = await admin.call("GET", "/api/admin/directory")
    assert status == 200
    assert sum(key["root"] for key in listing["keys"]) == 1
    assert len(listing["keys"]) == 6


async def test_a_device_key_is_endorsed_under_its_own_name_and_the_device_reads_it(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    browser = DeviceKeyPair()
    root = await registered(admin, browser)
    booth_id = await device_id(admin, BOOTH)
    path = f"/api/devices/{booth_id}/endorsement"
    status, refused = await admin.call(
        "POST", path, json={"by": root["id"], "signature": browser.sign(b"x")}
    )
    assert (status, refused["code"]) == (409, "device_has_no_key")  # not enrolled yet

    booth = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    assert booth.key is not None
    status, mine = await booth.call("GET", "/api/device/directory")
    assert status == 200
    assert (mine["endorsement"], [k["id"] for k in mine["keys"]]) == (None, [root["id"]])
    assert "holder" not in mine["keys"][0]  # a kiosk learns no administrator's name
    # Signed over another booth's name, or another key under this name: refused.
    for signature in (
        browser.sign(device_statement("riyadh/booth-2", key_of(booth.key))),
        browser.sign(device_statement(BOOTH, key_of(DeviceKeyPair()))),
    ):
        status, refused = await admin.call(
            "POST", path, json={"by": root["id"], "signature": signature}
        )
        assert (status, refused["code"]) == (422, "endorsement_invalid")

    signature = browser.sign(device_statement(BOOTH, key_of(booth.key)))
    status, endorsed = await admin.call(
        "POST", path, json={"by": root["id"], "signature": signature}
    )
    assert (status, endorsed) == (200, {"device": BOOTH, "endorsed_by": root["id"]})
    status, mine = await booth.call("GET", "/api/device/directory")
    assert mine["endorsement"] == {"by": root["id"], "signature": signature}
    assert mine["keys"][0]["public_key"] == browser.public_jwk()
    status, listing = await admin.call("GET", "/api/devices")
    (row,) = [d for d in listing["devices"] if d["name"] == BOOTH]
    assert (row["public_key"], row["endorsed_by"]) == (booth.key.public_jwk(), root["id"])
    assert await audited(live, "device.endorsed") == [
        ("admin", f"device:{BOOTH}", f"by={root['id']}")
    ]

    # A new enrollment is a new key: not endorsed until an administrator endorses it again.
    booth = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    status, mine = await booth.call("GET", "/api/device/directory")
    assert (status, mine["endorsement"]) == (200, None)

    # Its key shares carry the endorsement and the trusted keys to the other seat.
    assert booth.key is not None
    signature = browser.sign(device_statement(BOOTH, key_of(booth.key)))
    status, _ = await admin.call("POST", path, json={"by": root["id"], "signature": signature})
    assert status == 200
    await live.rooms.schedule(
        "room-1", Seats(BOOTH, "office-1"), SLOT_START, minutes(6), minutes(8)
    )
    await live.at(minutes(-5), "open")
    seat = live.participant("/booth")
    await seat.connect(live.rooms.issue_join_token("room-1", "booth"), booth.seat_auth("/booth"))
    office = live.participant("/office")
    await office.connect(live.rooms.issue_join_token("room-1", "office"))
    share = {"public": "A" * 87, "signature": "B" * 86, "reply": False, "answers": ""}
    assert await seat.call("e2ee_share", share) == {"ok": True}
    await wait_for(lambda: bool(office.received["e2ee_share"]), 3, "the relayed share")
    relayed = office.received["e2ee_share"][0]["endorsement"]
    assert (relayed["by"], relayed["signature"]) == (root["id"], signature)
    assert [k["public_key"] for k in relayed["keys"]] == [browser.public_jwk()]
    assert "holder" not in relayed["keys"][0]


async def test_nobody_but_an_administrator_registers_or_endorses(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    booth = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    body = {"public_key": DeviceKeyPair().public_jwk()}
    for username in ("coordinator1", "supervisor"):
        person = await signed_in(live, clients, staff, username)
        status, refused = await person.call("POST", "/api/admin/directory/keys", json=body)
        assert (status, refused["code"]) == (403, "not_permitted")
    status, _ = await booth.call("POST", "/api/admin/directory/keys", json=body)
    assert status == 403
    status, listing = await admin.call("GET", "/api/admin/directory")
    assert (status, listing["keys"]) == (200, [])


async def test_an_endorsement_of_a_device_revoked_meanwhile_is_refused_and_not_audited(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    browser = DeviceKeyPair()
    root = await registered(admin, browser)
    booth = await enrolled(live, clients, await enrollment_code(admin, BOOTH))
    assert booth.key is not None
    booth_id = await device_id(admin, BOOTH)
    devices = live.app[SERVICES].devices
    read_key = DeviceService.registered_key

    async def revoked_right_after(self: DeviceService, device: str) -> DeviceKey | None:
        key = await read_key(self, device)
        await devices.revoke(booth_id, datetime.now(UTC))  # an administrator, at that moment
        return key

    monkeypatch.setattr(DeviceService, "registered_key", revoked_right_after)
    signature = browser.sign(device_statement(BOOTH, key_of(booth.key)))
    status, refused = await admin.call(
        "POST",
        f"/api/devices/{booth_id}/endorsement",
        json={"by": root["id"], "signature": signature},
    )
    assert (status, refused["code"]) == (409, "device_has_no_key")
    assert await audited(live, "device.endorsed") == []
