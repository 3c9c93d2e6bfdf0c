"""The applicant's status lookup cannot be brute-forced: wrong answers for one tracking number
are limited wherever they come from, not only per client address."""

from __future__ import annotations

import pytest

from casework.errors import InvalidTrackingNumber, TooManyLookups
from casework.lifecycle import RequestStatus
from foundation.scope import EVERY_CENTRE
from tests.integration.casework.conftest import Office, valid_registration


async def test_wrong_last_fours_from_many_addresses_close_that_number_for_a_while(
    office: Office,
) -> None:
    registered = await office.desk.register(
        valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE
    )
    tracking = registered.tracking_number
    for n in range(10):  # ten guesses, each from another address
        with pytest.raises(InvalidTrackingNumber):
            await office.desk.lookup(tracking, f"{n:04d}", f"client-{n}")

    with pytest.raises(TooManyLookups):  # even the right answer, from yet another address
        await office.desk.lookup(tracking, "4567", "client-right")


async def test_another_tracking_number_is_not_closed_by_guesses_at_one(office: Office) -> None:
    first = await office.desk.register(
        valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE
    )
    second = await office.desk.register(
        valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE
    )
    for n in range(10):
        with pytest.raises(InvalidTrackingNumber):
            await office.desk.lookup(first.tracking_number, f"{n:04d}", f"client-{n}")

    found = await office.desk.lookup(second.tracking_number, "4567", "client-right")
    assert found is RequestStatus.REGISTERED
