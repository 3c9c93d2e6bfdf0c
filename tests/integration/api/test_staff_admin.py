"""An administrator manages staff accounts over HTTPS (``/api/admin/staff``): the one-time
password shown once, the centres a coordinator must serve, disabling (never herself) and its
ended sessions and desk connections, each change audited with who and what; nobody else may."""

from __future__ import annotations

from typing import Any

import pytest

from majlis.demo import DemoSignIn
from tests.integration.api.helpers import audited
from tests.integration.api.test_devices import (
    Client,
    clients,  # noqa: F401 - a fixture
    new_client,
    signed_in,
    staff,  # noqa: F401 - a fixture
)
from tests.integration.conftest import wait_for
from tests.integration.signaling.conftest import LiveServer
from tests.integration.signaling.test_desk_session import desk_of, refused_again

STRONG = "tawny quartz lantern orbit 91"


async def created(admin: Client, **body: Any) -> dict[str, Any]:
    status, answer = await admin.call("POST", "/api/admin/staff", json=body)
    assert status == 201, answer
    return dict(answer)


async def first_sign_in(
    live: LiveServer, made: list[Client], username: str, password: str
) -> Client:
    person = await new_client(live, made)
    body = {"username": username, "password": password, "new_password": STRONG}
    status, session = await person.call("POST", "/api/session", json=body)
    assert status == 200, session
    person.headers["X-CSRF-Token"] = session["csrf_token"]
    return person


async def listed(admin: Client, account_id: int) -> dict[str, Any]:
    status, listing = await admin.call("GET", "/api/admin/staff")
    assert status == 200, listing
    return dict(next(a for a in listing["staff"] if a["id"] == account_id))


async def test_a_created_coordinator_signs_in_with_her_one_time_password_in_her_centres(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")

    answer = await created(
        admin, username="Huda", display_name="هدى", role="coordinator", centres=["riyadh"]
    )

    account = await listed(admin, answer["id"])
    assert account == {
        "id": answer["id"],
        "username": "huda",
        "display_name": "هدى",
        "role": "coordinator",
        "active": True,
        "all_centres": False,
        "centres": ["riyadh"],
        "mfa_enrolled": False,
        "must_change_password": True,
        "sessions": 0,
    }
    huda = await first_sign_in(live, clients, "huda", answer["one_time_password"])
    status, session = await huda.call("GET", "/api/session")
    assert (status, session["centres"]) == (200, ["riyadh"])
    assert (await listed(admin, answer["id"]))["sessions"] == 1
    assert await audited(live, "staff.created") == [
        ("admin", "staff:huda", "role=coordinator; centres riyadh")
    ]
    assert answer["one_time_password"] not in str(await audited(live, "staff.created"))


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "sara", "role": "coordinator", "centres": ["mecca"]}, 422, "unknown_centre"),
        ({"username": "sara", "role": "coordinator"}, 422, "centre_required"),
        ({"username": "sara", "role": "office", "centres": []}, 422, "centre_required"),
        ({"username": "no spaces", "role": "admin"}, 422, "invalid_staff"),
        ({"username": "coordinator1", "role": "admin"}, 409, "staff_exists"),
        ({"username": "sara", "role": "minister"}, 422, "invalid_payload"),
        ({"username": "sara", "role": "admin", "password": "x"}, 422, "invalid_payload"),
    ],
)
async def test_a_bad_new_account_is_a_typed_refusal_and_nothing_is_made(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    admin = await signed_in(live, clients, staff, "admin")

    got, answer = await admin.call("POST", "/api/admin/staff", json=body)

    assert (got, answer["code"]) == (status, code)
    _, listing = await admin.call("GET", "/api/admin/staff")
    assert "sara" not in {a["username"] for a in listing["staff"]}
    assert await audited(live, "staff.created") == []


async def test_an_office_member_may_serve_every_centre_and_a_supervisor_none(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")

    office = await created(admin, username="noura", role="office", all_centres=True)
    supervisor = await created(admin, username="reem", role="supervisor")

    assert (await listed(admin, office["id"]))["all_centres"] is True
    assert (await listed(admin, supervisor["id"]))["centres"] == []


async def test_disabling_ends_her_sessions_and_desk_connection_and_she_cannot_sign_in(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="huda", role="coordinator", centres=["riyadh"])
    huda = await first_sign_in(live, clients, "huda", answer["one_time_password"])
    desk, headers = await desk_of(live, huda)

    status, body = await admin.call("POST", f"/api/admin/staff/{answer['id']}/disable", json={})

    assert (status, body["sessions_ended"]) == (200, 1)
    await wait_for(lambda: not desk.sio.connected, 3, "her desk connection closed")
    await refused_again(live, headers)
    assert (await huda.call("GET", "/api/session"))[0] == 401
    again = await new_client(live, clients)
    status, refused = await again.call(
        "POST", "/api/session", json={"username": "huda", "password": STRONG}
    )
    assert (status, refused["code"]) == (401, "sign_in_failed")
    assert (await listed(admin, answer["id"]))["active"] is False
    assert await audited(live, "staff.disabled") == [("admin", "staff:huda", "sessions=1")]


async def test_an_admin_cannot_disable_herself(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    _, listing = await admin.call("GET", "/api/admin/staff")
    own_id = next(a["id"] for a in listing["staff"] if a["username"] == "admin")

    status, refused = await admin.call("POST", f"/api/admin/staff/{own_id}/disable", json={})

    assert (status, refused["code"]) == (409, "own_account")
    assert (await admin.call("GET", "/api/session"))[0] == 200
    assert (await listed(admin, own_id))["active"] is True


async def test_a_reset_password_is_shown_once_ends_her_sessions_and_must_be_changed(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="huda", role="coordinator", centres=["riyadh"])
    huda = await first_sign_in(live, clients, "huda", answer["one_time_password"])

    status, reset = await admin.call(
        "POST", f"/api/admin/staff/{answer['id']}/reset-password", json={}
    )

    assert (status, reset["sessions_ended"]) == (200, 1)
    assert (await huda.call("GET", "/api/session"))[0] == 401
    body = {"username": "huda", "password": reset["one_time_password"]}
    status, refused = await huda.call("POST", "/api/session", json=body)
    assert (status, refused["code"]) == (401, "password_change_required")
    assert (await listed(admin, answer["id"]))["must_change_password"] is True
    assert await audited(live, "staff.password_reset") == [("admin", "staff:huda", "sessions=1")]


async def test_her_sessions_are_listed_without_secrets_and_ended_on_request(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="huda", role="coordinator", centres=["riyadh"])
    huda = await first_sign_in(live, clients, "huda", answer["one_time_password"])
    sessions_path = f"/api/admin/staff/{answer['id']}/sessions"

    status, listing = await admin.call("GET", sessions_path)

    assert status == 200
    started = live.clock.now().isoformat()
    assert listing == {"sessions": [{"started_at": started, "last_seen_at": started}]}
    status, ended = await admin.call("POST", f"{sessions_path}/end", json={})
    assert (status, ended["sessions_ended"]) == (200, 1)
    assert (await huda.call("GET", "/api/session"))[0] == 401
    assert (await admin.call("GET", sessions_path))[1] == {"sessions": []}
    assert await audited(live, "staff.sessions_ended") == [("admin", "staff:huda", "sessions=1")]


async def test_a_change_of_centres_holds_from_her_next_request_and_is_audited(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    answer = await created(admin, username="huda", role="coordinator", centres=["riyadh"])
    huda = await first_sign_in(live, clients, "huda", answer["one_time_password"])
    path = f"/api/admin/staff/{answer['id']}"

    status, changed = await admin.call(
        "PATCH", path, json={"display_name": "هدى", "centres": ["jeddah"]}
    )

    assert (status, changed["display_name"], changed["centres"]) == (200, "هدى", ["jeddah"])
    assert (await huda.call("GET", "/api/session"))[1]["centres"] == ["jeddah"]
    status, refused = await admin.call("PATCH", path, json={"centres": []})
    assert (status, refused["code"]) == (422, "centre_required")
    status, refused = await admin.call("PATCH", path, json={"centres": ["mecca"]})
    assert (status, refused["code"]) == (422, "unknown_centre")
    status, everywhere = await admin.call("PATCH", path, json={"all_centres": True})
    assert (status, everywhere["all_centres"]) == (200, True)
    assert await audited(live, "staff.changed") == [
        ("admin", "staff:huda", "centres,display_name; centres jeddah"),
        ("admin", "staff:huda", "all_centres; every centre"),
    ]


async def test_an_unknown_account_is_a_404(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    admin = await signed_in(live, clients, staff, "admin")
    for method, path in [
        ("POST", "/api/admin/staff/999/disable"),
        ("POST", "/api/admin/staff/999/enable"),
        ("POST", "/api/admin/staff/999/reset-password"),
        ("PATCH", "/api/admin/staff/999"),
        ("GET", "/api/admin/staff/999/sessions"),
        ("POST", "/api/admin/staff/999/sessions/end"),
    ]:
        body = None if method == "GET" else {"display_name": "x"} if method == "PATCH" else {}
        status, refused = await admin.call(method, path, json=body)
        assert (status, refused["code"]) == (404, "unknown_staff"), path


@pytest.mark.parametrize("username", ["coordinator1", "supervisor", "office"])
async def test_no_one_but_an_admin_manages_staff_and_the_refusal_is_audited(
    live: LiveServer,
    staff: dict[str, DemoSignIn],  # noqa: F811
    clients: list[Client],  # noqa: F811
    username: str,
) -> None:
    caller = await signed_in(live, clients, staff, username)
    anonymous = await new_client(live, clients)
    body = {"username": "sara", "role": "admin"}

    status, refused = await caller.call("POST", "/api/admin/staff", json=body)
    assert (status, refused["code"]) == (403, "not_permitted")
    status, refused = await caller.call("GET", "/api/admin/staff")
    assert (status, refused["code"]) == (403, "not_permitted")
    status, _ = await anonymous.call("GET", "/api/admin/staff")
    assert status == 401
    assert (username, "/api/admin/staff", "not_permitted") in await audited(live, "access.denied")
