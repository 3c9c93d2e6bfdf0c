"""An applicant's identity over the HTTP API: a known national ID does not take over her
contact details (409 ``applicant_exists``); a coordinator changes them on purpose, audited,
and her old phone is told; a ciphertext moved to another row is a typed answer, not a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from audit.log import audit_log
from casework.tables import OUTBOX_PHONE, outbox, request_history
from majlis.app import DB_ENGINE, PII
from tests.integration.api.test_api import REGISTRATION, Api, api  # noqa: F401 - a fixture

# The `api` fixture's desk is a signed dev terminal token: a server in development mode.
pytestmark = pytest.mark.parametrize("live", [{"dev": True}], indirect=True)

HERS = "0501234567"  # REGISTRATION's phone
HIS = "0559876543"
HERS_E164 = "+966" + HERS[1:]  # ten digits alone are searched as a tracking number


async def lookup(client: Api, tracking: str, last_four: str) -> int:
    status, _ = await client.call(
        "POST",
        "/api/status-lookup",
        {"tracking_number": tracking, "phone_last_four": last_four},
        token="",
    )
    return status


async def test_a_known_national_id_does_not_take_over_her_contact(api: Api) -> None:  # noqa: F811
    status, first = await api.call("POST", "/api/requests", REGISTRATION)
    assert status == 201, first
    takeover = {**REGISTRATION, "full_name": "Fahad Al-Qahtani", "phone": HIS}
    status, refused = await api.call("POST", "/api/requests", takeover)
    # Her old tracking number still answers to her phone, not to his.
    assert await lookup(api, first["tracking_number"], HERS[-4:]) == 200
    assert await lookup(api, first["tracking_number"], HIS[-4:]) == 404
    assert (status, refused["code"], refused["message_key"], refused["details"]) == (
        409,
        "applicant_exists",
        "errors.desk.applicant_exists",
        f"request:{first['id']}",  # where the desk offers to update her contact
    )
    _, by_her_phone = await api.call("GET", f"/api/requests?q={quote(HERS_E164)}")
    assert [r["id"] for r in by_her_phone["requests"]] == [first["id"]]
    # The same woman with the same details: the new request is attached to her.
    status, second = await api.call("POST", "/api/requests", {**REGISTRATION, "text": "Again."})
    assert status == 201, second
    _, by_her_phone = await api.call("GET", f"/api/requests?q={quote(HERS_E164)}")
    assert [r["id"] for r in by_her_phone["requests"]] == [second["id"], first["id"]]


async def test_a_coordinator_updates_her_contact_and_the_old_phone_is_told(
    api: Api,  # noqa: F811
) -> None:
    _, first = await api.call("POST", "/api/requests", REGISTRATION)
    path = f"/api/applicants/by-request/{first['id']}/contact"
    status, answer = await api.call("POST", path, {"phone": HIS})
    assert (status, answer) == (200, {"changed": ["phone"]})
    assert await lookup(api, first["tracking_number"], HIS[-4:]) == 200
    assert await lookup(api, first["tracking_number"], HERS[-4:]) == 404
    engine, cipher = api.live.app[DB_ENGINE], api.live.app[PII]
    async with engine.connect() as connection:
        told = (
            await connection.execute(
                select(outbox.c.id, outbox.c.phone_ct).where(outbox.c.kind == "contact_changed")
            )
        ).one()
        trail = (await connection.execute(select(audit_log))).all()
    assert cipher.unseal(told.phone_ct, OUTBOX_PHONE, told.id) == HERS_E164
    update_rows = [r for r in trail if r.action == "applicant.contact_update"]
    assert [(r.actor, r.subject) for r in update_rows] == [("coordinator1", "applicant:1")]
    assert HIS[-4:] not in update_rows[0].detail
    assert HERS[-4:] not in update_rows[0].detail
    _, details = await api.call("GET", f"/api/requests/{first['id']}")
    assert details["history"][-1]["note"] == "contact updated: phone"
    status, error = await api.call("POST", path, {"phone": "12"})
    assert (status, error["code"]) == (422, "invalid_phone")


async def test_a_note_moved_to_another_row_is_a_typed_answer(api: Api) -> None:  # noqa: F811
    ids = []
    for national_id, phone in (("1000000008", HERS), ("2000000006", HIS)):
        _, created = await api.call(
            "POST", "/api/requests", {**REGISTRATION, "national_id": national_id, "phone": phone}
        )
        change = {"status": "under_review", "note": f"private note {national_id}"}
        status, _ = await api.call("POST", f"/api/requests/{created['id']}/status", change)
        assert status == 200
        ids.append(created["id"])
    async with api.live.app[DB_ENGINE].begin() as connection:
        notes = dict(
            (
                await connection.execute(
                    select(request_history.c.request_id, request_history.c.note).where(
                        request_history.c.note != ""
                    )
                )
            ).all()
        )
        await connection.execute(
            update(request_history)
            .where(request_history.c.request_id == ids[0], request_history.c.note != "")
            .values(note=notes[ids[1]])
        )
    status, error = await api.call("GET", f"/api/requests/{ids[0]}")
    assert (status, error["code"]) == (409, "unreadable_data")
    status, details = await api.call("GET", f"/api/requests/{ids[1]}")
    assert details["history"][-1]["note"] == "private note 2000000006"
