"""What an adversary found in the staff administration (issue 13), each held here: a sign-in
whose password was reset during its slow hash gets no session; two administrators disabling
each other at once leave one; a disabled account is enabled again; a change of centres closes
her desk connection (it reconnects with the new scope); names the audit log gives to others
are not usernames; a new enrollment code voids the earlier one; an empty change is refused."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from accounts.staff import LastAdministrator, NewAccount, StaffAdmin
from foundation.tables import staff_accounts
from majlis.app import ACCOUNTS, DB_ENGINE
from majlis.demo import DemoSignIn
from tests.device_keys import DeviceKeyPair
from tests.integration.api.test_devices import (
    Client,
    clients,  # noqa: F401 - a fixture
    new_client,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.api.test_staff_admin import STRONG, created, first_sign_in
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import LiveServer
from tests.integration.signaling.test_desk_session import desk_of


async def test_a_password_reset_during_a_sign_in_leaves_it_without_a_session(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="racer", role="coordinator", centres=["riyadh"])
    await first_sign_in(live, clients, "racer", answer["one_time_password"])
    accounts = live.app[ACCOUNTS]
    engine = live.app[DB_ENGINE]
    checked = accounts._matches
    reset_landed = asyncio.Event()

    def check_then_reset(stored: str, password: str) -> bool:
        # The reset commits while this sign-in is still hashing (it runs in a thread).
        matches = checked(stored, password)
        future = asyncio.run_coroutine_threadsafe(StaffAdmin(engine).reset_password("racer"), loop)
        future.result(10)
        loop.call_soon_threadsafe(reset_landed.set)
        return matches

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(accounts, "_matches", check_then_reset)
    racer = await new_client(live, clients)

    status, refused = await racer.call(
        "POST", "/api/session", json={"username": "racer", "password": STRONG}
    )

    assert reset_landed.is_set()
    assert (status, refused["code"]) == (401, "sign_in_failed")
    _, listing = await admin.call("GET", "/api/admin/staff")
    assert next(a for a in listing["staff"] if a["username"] == "racer")["sessions"] == 0


async def test_two_administrators_disabling_each_other_at_once_leave_one(
    live: LiveServer,
) -> None:
    engine = live.app[DB_ENGINE]
    admin = StaffAdmin(engine)
    first, _ = await admin.add(NewAccount("admin2", "admin", "admin2"), live.clock.now())
    async with engine.begin() as connection:  # the demo's admin steps aside: two remain
        await connection.execute(
            update(staff_accounts).where(staff_accounts.c.username == "admin").values(active=False)
        )
    second, _ = await admin.add(NewAccount("admin3", "admin", "admin3"), live.clock.now())

    outcomes = await asyncio.gather(
        admin.disable(second, by_account=first),
        admin.disable(first, by_account=second),
        return_exceptions=True,
    )

    refused = [o for o in outcomes if isinstance(o, LastAdministrator)]
    assert len(refused) == 1, outcomes
    async with engine.connect() as connection:
        active = (
            await connection.execute(
                select(staff_accounts.c.username).where(
                    staff_accounts.c.role == "admin", staff_accounts.c.active.is_(True)
                )
            )
        ).scalars()
        assert len(list(active)) == 1


async def test_a_disabled_account_is_enabled_again_and_signs_in(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="huda", role="coordinator", centres=["riyadh"])
    await first_sign_in(live, clients, "huda", answer["one_time_password"])
    path = f"/api/admin/staff/{answer['id']}"
    assert (await admin.call("POST", f"{path}/disable", json={}))[0] == 200

    status, body = await admin.call("POST", f"{path}/enable", json={})

    assert (status, body) == (200, {"ok": True})
    huda = await new_client(live, clients)
    status, _ = await huda.call(
        "POST", "/api/session", json={"username": "huda", "password": STRONG}
    )
    assert status == 200


async def test_a_change_of_centres_closes_her_desk_connection(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="scopey", role="coordinator", centres=["riyadh"])
    scopey = await first_sign_in(live, clients, "scopey", answer["one_time_password"])
    desk, _ = await desk_of(live, scopey)
    path = f"/api/admin/staff/{answer['id']}"

    await admin.call("PATCH", path, json={"display_name": "سكوبي"})
    await asyncio.sleep(0.3)
    assert desk.sio.connected  # a new name changes no scope

    status, _ = await admin.call("PATCH", path, json={"centres": ["jeddah"]})

    assert status == 200
    await wait_for(lambda: not desk.sio.connected, 3, "her desk connection closed")
    assert (await scopey.call("GET", "/api/session"))[0] == 200  # the session itself stays


@pytest.mark.parametrize("username", ["operator", "system", "cli", "office-1"])
async def test_a_name_the_audit_log_gives_to_others_is_not_a_username(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    username: str,
) -> None:
    admin = await signed_in(live, clients, staff, "admin")

    status, refused = await admin.call(
        "POST", "/api/admin/staff", json={"username": username, "role": "supervisor"}
    )

    assert (status, refused["code"]) == (422, "invalid_staff")


async def test_an_office_terminal_is_not_named_as_a_staff_member(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")

    status, refused = await admin.call(
        "POST", "/api/devices", json={"kind": "office", "label": "coordinator1"}
    )

    assert (status, refused["code"]) == (409, "duplicate_device")


async def test_a_new_enrollment_code_voids_the_earlier_one(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    status, made = await admin.call(
        "POST", "/api/devices", json={"kind": "booth", "centre": "riyadh", "label": "booth-9"}
    )
    assert status == 201, made
    device_id = made["id"]
    _, earlier = await admin.call("POST", f"/api/devices/{device_id}/enrollment", json={})
    _, later = await admin.call("POST", f"/api/devices/{device_id}/enrollment", json={})
    booth = await new_client(live, clients)
    key = DeviceKeyPair()

    status, refused = await booth.call(
        "POST",
        "/api/devices/enroll",
        json={"code": earlier["code"], "public_key": key.public_jwk()},
    )
    assert (status, refused["code"]) == (404, "enrollment_failed")
    status, enrolled = await booth.call(
        "POST", "/api/devices/enroll", json={"code": later["code"], "public_key": key.public_jwk()}
    )
    assert status == 201, enrolled


@pytest.mark.parametrize("body", [{}, {"all_centres": "true"}, {"all_centres": 1}])
async def test_an_empty_or_loose_staff_change_is_refused(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    body: dict[str, object],
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="huda", role="coordinator", centres=["riyadh"])

    status, refused = await admin.call("PATCH", f"/api/admin/staff/{answer['id']}", json=body)

    assert (status, refused["code"]) == (422, "invalid_payload")
