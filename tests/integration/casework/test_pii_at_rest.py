"""Personal data at rest: the raw database file, its WAL and the logs hold no applicant's ID,
phone, name or request text; a key rotation leaves every row under the new key only."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from casework.errors import InvalidTrackingNumber
from casework.outbox import ConsoleProvider
from casework.pii import PiiCipher, PiiKeys, UnreadableData, add_data_key, load_pii_keys
from casework.rekey import ENCRYPTED, reencrypt_all
from casework.tables import APPLICANT_NATIONAL_ID, APPLICANT_PHONE, applicants
from foundation.scope import EVERY_CENTRE
from majlis.components import pii_cipher
from tests.integration.casework.conftest import Office, valid_registration
from tests.postgres import TemporaryCluster

APPLICANTS = [
    {
        "full_name": "Hessa Al-Otaibi",
        "national_id": "1000000008",
        "phone": "0501234567",
        "text": "My late husband's pension has not been paid since Ramadan.",
    },
    {
        "full_name": "Maryam Al-Harbi",
        "national_id": "2000000006",
        "phone": "0559876543",
        "text": "طلب مساعدة في علاج ابنتي في مستشفى الملك فيصل",
    },
]


def secrets_of(applicant: dict[str, str]) -> list[bytes]:
    phone_local = applicant["phone"]
    e164 = "+966" + phone_local[1:]
    values = [applicant["full_name"], applicant["national_id"], phone_local, e164, e164[1:]]
    values.append(applicant["text"])
    return [v.encode() for v in values] + [applicant["text"].encode("utf-16-le")]


async def register_all(office: Office) -> None:
    for applicant in APPLICANTS:
        form = valid_registration(**applicant)
        registered = await office.desk.register(form, "c1", office.clock.now(), scope=EVERY_CENTRE)
        await office.desk.amend_text(
            registered.request_id,
            applicant["text"] + " (amended)",
            "booth",
            office.clock.now(),
            scope=EVERY_CENTRE,
        )


def raw_bytes(office: Office, cluster: TemporaryCluster | None) -> bytes:
    """The SQLite file with its WAL and shared memory, or the PostgreSQL database's rows and
    files (``cluster``: the session's, with ``--database=postgresql``)."""
    url = make_url(office.settings.effective_database_url)
    assert url.database is not None
    if cluster is not None:
        return cluster.stored_bytes(url.database)
    database = Path(url.database)
    found = b""
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            found += path.read_bytes()
    return found


async def test_no_personal_data_in_the_database_files_or_the_logs(
    office: Office,
    caplog: pytest.LogCaptureFixture,
    postgres_cluster: TemporaryCluster | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    await register_all(office)
    await office.dispatcher(ConsoleProvider()).send_due(office.clock.now())
    stored = raw_bytes(office, postgres_cluster)
    assert len(stored) > 10_000
    logs = "\n".join(record.getMessage() for record in caplog.records).encode()
    for applicant in APPLICANTS:
        for secret in secrets_of(applicant):
            assert secret not in stored, f"{secret!r} is in the database file"
            assert secret not in logs, f"{secret!r} is in the logs"
    # ...and the service still reads them back.
    details = await office.views.details(1, scope=EVERY_CENTRE)
    assert details.versions[0].text == APPLICANTS[0]["text"]


async def test_after_rotation_every_row_is_under_the_new_key_only(office: Office) -> None:
    await register_all(office)
    keys_dir = office.settings.data_dir / "keys"
    old_keys = load_pii_keys(keys_dir)
    add_data_key(keys_dir)
    new_keys = load_pii_keys(keys_dir)
    assert new_keys.current != old_keys.current
    counts = await reencrypt_all(office.engine, pii_cipher(office.settings))
    assert counts == {
        "applicants": 2,
        "request_versions": 4,
        "request_history": 0,  # their registration rows have no note
        "referrals": 0,
        "sms_outbox": 2,
        "staff_second_factors": 0,  # this demo was seeded without authenticator keys
        "help_messages": 0,  # no booth asked for help
    }

    only_old = PiiCipher.fixed(old_keys)
    only_new = PiiCipher.fixed(
        PiiKeys(
            new_keys.current,
            {new_keys.current: new_keys.keys[new_keys.current]},
            new_keys.index_key,
        )
    )
    checked = 0
    async with office.engine.connect() as connection:
        for table, keys, places in ENCRYPTED:
            columns = (*(table.c[k] for k in keys), *(table.c[w.column] for w in places))
            for row in await connection.execute(select(*columns)):
                key = tuple(getattr(row, k) for k in keys)
                row_key = key[0] if len(key) == 1 else key
                for where in places:
                    value = getattr(row, where.column)
                    if where.optional and not value:
                        continue
                    only_new.unseal(value, where, row_key)
                    with pytest.raises(UnreadableData):
                        only_old.unseal(value, where, row_key)
                    checked += 1
    assert checked == 2 * 3 + 4 + 2
    # The blind index did not change: she is still found by her national ID.
    index = only_new.blind_index("2000000006", "national_id")
    async with office.engine.connect() as connection:
        found = (
            await connection.execute(
                select(applicants.c.id).where(applicants.c.national_id_index == index)
            )
        ).scalar_one()
    assert found == 2


def test_a_value_moved_to_another_column_or_row_does_not_decrypt(office: Office) -> None:
    cipher = pii_cipher(office.settings)
    sealed = cipher.seal("1000000008", APPLICANT_NATIONAL_ID, 1)
    assert cipher.unseal(sealed, APPLICANT_NATIONAL_ID, 1) == "1000000008"
    with pytest.raises(UnreadableData):
        cipher.unseal(sealed, APPLICANT_PHONE, 1)
    with pytest.raises(UnreadableData):
        cipher.unseal(sealed, APPLICANT_NATIONAL_ID, 2)
    with pytest.raises(UnreadableData):
        cipher.unseal(sealed[:-4] + "AAAA", APPLICANT_NATIONAL_ID, 1)


async def test_retention_removes_personal_data_of_long_closed_requests_only(
    office: Office,
) -> None:
    from datetime import timedelta

    from casework.lifecycle import RequestStatus
    from casework.retention import apply_retention
    from casework.tables import outbox, request_versions, requests

    now = office.clock.now
    await register_all(office)
    for status in (RequestStatus.UNDER_REVIEW, RequestStatus.CLOSED):
        await office.desk.change_status(1, status, "c1", now(), scope=EVERY_CENTRE)
    cipher = pii_cipher(office.settings)
    assert await apply_retention(office.engine, cipher, now(), days=365) == {
        "request_texts_deleted": 0,
        "notes_emptied": 0,
        "referrals_emptied": 0,
        "sms_deleted": 0,
        "applicants_anonymised": 0,
    }
    office.clock.set(now() + timedelta(days=366))
    counts = await apply_retention(office.engine, cipher, now(), days=365)
    assert counts["request_texts_deleted"] == 2  # the first request's two versions
    assert counts["applicants_anonymised"] == 1
    assert counts["sms_deleted"] >= 3  # her registered/status/closed messages, and old sent ones
    async with office.engine.connect() as connection:
        left = (await connection.execute(select(request_versions.c.request_id))).scalars().all()
        statuses = dict((await connection.execute(select(requests.c.id, requests.c.status))).all())
        people = (await connection.execute(select(applicants))).all()
        messages = (await connection.execute(select(outbox.c.request_id))).scalars().all()
    assert sorted(left) == [2, 2]
    assert statuses == {1: "closed", 2: "registered"}  # the figures keep the request itself
    anonymised = next(p for p in people if p.id == 1)
    assert cipher.unseal(anonymised.national_id_ct, APPLICANT_NATIONAL_ID, 1) == ""
    assert anonymised.national_id_index == "anonymised:1"
    assert 1 not in messages
    tracking = (await office.views.details(1, scope=EVERY_CENTRE)).tracking_number
    with pytest.raises(InvalidTrackingNumber, match="no request matches"):
        await office.desk.lookup(tracking, "4567", "test")  # her phone is gone too
    again = await apply_retention(office.engine, cipher, now(), days=365)
    assert again["applicants_anonymised"] == 0
