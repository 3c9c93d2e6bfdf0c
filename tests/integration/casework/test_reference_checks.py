"""The desk stores only codes the reference data holds: a registration in a centre that does
not exist, or of a category that does not (or no longer) exist, stores nothing at all."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from casework.tables import applicants, outbox, requests
from foundation.scope import EVERY_CENTRE
from foundation.tables import request_categories
from reference.errors import UnknownCategory, UnknownCentre
from tests.integration.casework.conftest import Office, valid_registration


async def stored(office: Office) -> list[int]:
    return [await office.count(table) for table in (applicants, requests, outbox)]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"centre": "mecca"}, UnknownCentre),
        ({"centre": "Riyadh"}, UnknownCentre),
        ({"category": "space_travel"}, UnknownCategory),
        ({"category": "general"}, UnknownCategory),  # made inactive below
    ],
)
async def test_a_registration_naming_what_does_not_exist_stores_nothing(
    office: Office, changes: dict[str, str], error: type[Exception]
) -> None:
    async with office.engine.begin() as connection:
        await connection.execute(
            update(request_categories)
            .where(request_categories.c.code == "general")
            .values(active=False)
        )
    before = await stored(office)
    with pytest.raises(error):
        await office.desk.register(
            valid_registration(**changes), "c1", office.clock.now(), scope=EVERY_CENTRE
        )
    assert await stored(office) == before
    registered = await office.desk.register(
        valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE
    )
    assert registered.request_id > 0
