"""Bad input: a typed error with Arabic and English messages, and nothing stored."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from casework.errors import CaseworkError, InvalidNationalId, InvalidPhone
from casework.tables import applicants, outbox, request_history, requests
from foundation.scope import EVERY_CENTRE
from scheduler.errors import RequestNotBookable, SchedulingError, SlotInPast
from scheduler.tables import appointments
from tests.integration.casework.conftest import (
    SITTING_START,
    Office,
    tomorrows_first_slot,
    valid_registration,
)

CATALOGS = Path(__file__).parents[3] / "web_client" / "i18n"


def assert_explained(error: CaseworkError | SchedulingError) -> None:
    for language in ("ar", "en"):
        catalog = json.loads((CATALOGS / f"{language}.json").read_text(encoding="utf-8"))
        assert catalog[error.message_key].strip()


async def stored(office: Office) -> tuple[int, ...]:
    return tuple(
        [
            await office.count(table)
            for table in (applicants, requests, request_history, appointments, outbox)
        ]
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"national_id": "1000000009"}, InvalidNationalId),
        ({"national_id": "3000000007"}, InvalidNationalId),
        ({"phone": "+447911123456"}, InvalidPhone),
        ({"phone": "0112345678"}, InvalidPhone),
        ({"phone": "call me"}, InvalidPhone),
    ],
)
async def test_invalid_identity_is_refused_and_nothing_is_stored(
    office: Office, changes: dict[str, str], error: type[CaseworkError]
) -> None:
    before = await stored(office)
    with pytest.raises(error) as raised:
        await office.desk.register(
            valid_registration(**changes), "c1", office.clock.now(), scope=EVERY_CENTRE
        )
    assert_explained(raised.value)
    assert await stored(office) == before


async def test_a_cancelled_request_or_a_past_slot_cannot_be_booked(office: Office) -> None:
    now = office.clock.now
    registered = await office.desk.register(valid_registration(), "c1", now(), scope=EVERY_CENTRE)
    slot = await tomorrows_first_slot(office)
    from casework.lifecycle import RequestStatus

    await office.desk.change_status(
        registered.request_id, RequestStatus.CANCELLED, "c1", now(), scope=EVERY_CENTRE
    )
    before = await stored(office)
    with pytest.raises(RequestNotBookable) as not_bookable:
        await office.scheduler.book(
            registered.request_id, slot, "riyadh/booth-1", "c1", now(), scope=EVERY_CENTRE
        )
    assert_explained(not_bookable.value)

    other = await office.desk.register(
        valid_registration(national_id="1000000016", phone="0501234568"),
        "c1",
        now(),
        scope=EVERY_CENTRE,
    )
    before = await stored(office)
    office.clock.set(SITTING_START + timedelta(minutes=1))
    with pytest.raises(SlotInPast) as past:
        await office.scheduler.book(
            other.request_id, slot, "riyadh/booth-1", "c1", now(), scope=EVERY_CENTRE
        )
    assert_explained(past.value)
    assert await stored(office) == before
