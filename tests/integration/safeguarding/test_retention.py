"""Retention empties how a safeguarding alert was handled (free text about her) once it is old;
the alert itself, counted in the figures, stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from safeguarding.alerts import empty_handling_notes_before
from safeguarding.tables import safeguarding_alerts
from tests.integration.casework.conftest import Office


async def test_a_handling_note_is_emptied_by_retention_and_the_alert_stays(
    office: Office,
) -> None:
    now = office.clock.now()
    async with office.engine.begin() as connection:
        await connection.execute(
            insert(safeguarding_alerts).values(
                device="riyadh/booth-1",
                centre="riyadh",
                raised_at=now,
                handled_at=now,
                handled_by="coordinator1",
                handling_note="pii2.sealed-note-of-the-test",
            )
        )

    assert await empty_handling_notes_before(office.engine, now) == 0  # not old enough yet
    assert await empty_handling_notes_before(office.engine, now + timedelta(seconds=1)) == 1

    async with office.engine.connect() as connection:
        rows = (await connection.execute(select(safeguarding_alerts))).all()
    assert [(r.handling_note, r.handled_by) for r in rows] == [("", "coordinator1")]
