"""Notes and replies are her data too: sealed at rest, bound to their row, and emptied by
retention; every ciphertext moved to another row fails to decrypt with a typed error."""

from __future__ import annotations

import base64
import os
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update

from casework.lifecycle import RequestStatus
from casework.pii import PiiKeys, UnreadableData, load_pii_keys
from casework.rekey import reencrypt_all
from casework.retention import apply_retention
from casework.tables import applicants, referrals, request_history
from foundation.scope import EVERY_CENTRE
from majlis.components import pii_cipher
from tests.integration.casework.conftest import Office, valid_registration
from tests.integration.casework.test_pii_at_rest import raw_bytes
from tests.postgres import TemporaryCluster

STATUS_NOTE = "She fears her brother will take the children"
FOLLOW_UP = "Call her sister Latifa, not her husband"
REFERRAL_NOTE = "Domestic violence case, urgent shelter"
REPLY = "Shelter place at Al-Nahda reserved under file 77-1"


async def noted_request(office: Office) -> int:
    """A request with a status note, a follow-up note, a referral note and a reply."""
    now = office.clock.now
    registered = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    request_id = registered.request_id
    await office.desk.change_status(
        request_id, RequestStatus.UNDER_REVIEW, "c1", now(), STATUS_NOTE, scope=EVERY_CENTRE
    )
    await office.desk.note(request_id, "office", f"follow_up: {FOLLOW_UP}", now())
    referral = await office.desk.refer(
        request_id, "housing", date(2027, 2, 1), REFERRAL_NOTE, "c1", now(), scope=EVERY_CENTRE
    )
    await office.desk.record_reply(referral, REPLY, "c1", now(), scope=EVERY_CENTRE)
    return request_id


async def test_notes_and_replies_are_not_in_the_database_files(
    office: Office, postgres_cluster: TemporaryCluster | None
) -> None:
    request_id = await noted_request(office)
    stored = raw_bytes(office, postgres_cluster)
    for secret in (STATUS_NOTE, FOLLOW_UP, REFERRAL_NOTE, REPLY):
        assert secret.encode() not in stored, f"{secret!r} is in the database file"
    notes = [
        step["note"]
        for step in (await office.views.details(request_id, scope=EVERY_CENTRE)).history
    ]
    assert STATUS_NOTE in notes
    assert f"follow_up: {FOLLOW_UP}" in notes


async def test_a_note_swapped_into_another_row_does_not_decrypt(office: Office) -> None:
    now = office.clock.now
    first = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    second = await office.desk.register(
        valid_registration(national_id="2000000006", phone="0559876543"),
        "c1",
        now(),
        scope=EVERY_CENTRE,
    )
    await office.desk.note(first.request_id, "c1", "first woman's note", now())
    await office.desk.note(second.request_id, "c1", "second woman's note", now())
    async with office.engine.begin() as connection:
        rows = dict(
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
            .where(request_history.c.request_id == first.request_id, request_history.c.note != "")
            .values(note=rows[second.request_id])
        )
    with pytest.raises(UnreadableData):
        await office.views.details(first.request_id, scope=EVERY_CENTRE)
    assert "second woman's note" in [
        s["note"]
        for s in (await office.views.details(second.request_id, scope=EVERY_CENTRE)).history
    ]


async def test_a_phone_swapped_between_applicants_does_not_decrypt(office: Office) -> None:
    now = office.clock.now
    first = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    await office.desk.register(
        valid_registration(national_id="2000000006", phone="0559876543"),
        "c1",
        now(),
        scope=EVERY_CENTRE,
    )
    async with office.engine.begin() as connection:
        his = (
            await connection.execute(select(applicants.c.phone_ct).where(applicants.c.id == 2))
        ).scalar_one()
        await connection.execute(
            update(applicants).where(applicants.c.id == 1).values(phone_ct=his)
        )
    with pytest.raises(UnreadableData):
        await office.desk.lookup(first.tracking_number, "6543", "test")


async def test_retention_empties_notes_and_replies(office: Office) -> None:
    now = office.clock.now
    request_id = await noted_request(office)
    await office.desk.change_status(
        request_id, RequestStatus.CLOSED, "c1", now(), "closed: done", scope=EVERY_CENTRE
    )
    office.clock.set(now() + timedelta(days=366))
    await apply_retention(office.engine, pii_cipher(office.settings), now(), days=365)
    async with office.engine.connect() as connection:
        notes = (await connection.execute(select(request_history.c.note))).scalars().all()
        kept = (await connection.execute(select(referrals.c.note, referrals.c.reply))).all()
    assert len(notes) >= 4
    assert set(notes) == {""}
    assert [(r.note, r.reply) for r in kept] == [("", None)]
    steps = (await office.views.details(request_id, scope=EVERY_CENTRE)).history
    assert [s["to"] for s in steps][-1] == "closed"  # the figures keep the steps themselves


def legacy_pii1(keys: PiiKeys, value: str, field: str) -> str:
    """A value as written before 0007: bound to the field's name only."""
    nonce = os.urandom(12)
    sealed = AESGCM(keys.keys[keys.current]).encrypt(nonce, value.encode(), field.encode())
    return f"pii1.{keys.current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


async def test_values_written_before_0007_are_read_and_rotation_binds_them(
    office: Office,
) -> None:
    now = office.clock.now
    first = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    await office.desk.note(first.request_id, "c1", "to be replaced", now())
    keys = load_pii_keys(office.settings.data_dir / "keys")
    async with office.engine.begin() as connection:
        await connection.execute(
            update(applicants).values(phone_ct=legacy_pii1(keys, "+966501234567", "phone"))
        )
        await connection.execute(
            update(request_history)
            .where(request_history.c.note != "")
            .values(note="a note from before 0007")
        )
    assert await office.desk.lookup(first.tracking_number, "4567", "test") == "registered"
    notes = [
        s["note"]
        for s in (await office.views.details(first.request_id, scope=EVERY_CENTRE)).history
    ]
    assert "a note from before 0007" in notes

    counts = await reencrypt_all(office.engine, pii_cipher(office.settings))
    assert (counts["applicants"], counts["request_history"]) == (1, 1)
    async with office.engine.connect() as connection:
        phone = (await connection.execute(select(applicants.c.phone_ct))).scalar_one()
        note = (
            await connection.execute(
                select(request_history.c.note).where(request_history.c.note != "")
            )
        ).scalar_one()
    assert phone.startswith("pii2.")
    assert note.startswith("pii2.")
    assert await office.desk.lookup(first.tracking_number, "4567", "test") == "registered"
    notes = [
        s["note"]
        for s in (await office.views.details(first.request_id, scope=EVERY_CENTRE)).history
    ]
    assert "a note from before 0007" in notes
