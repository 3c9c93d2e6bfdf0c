"""The reception log on a real database: a booth check-in is one audience visit however often
she is checked in, a visit names a request of its own centre only, a coordinator sees her
centres' visits only, notes are sealed at rest and emptied by retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.errors import CentreNotServed
from foundation.scope import EVERY_CENTRE, CentreScope
from majlis.components import pii_cipher
from reception.errors import UnknownLinkedRequest, UnknownVisit, VisitAlreadyFinished
from reception.kinds import VisitPurpose
from reception.log import NewVisit, ReceptionLog, empty_notes_before
from reception.tables import visits
from tests.integration.casework.conftest import (
    SITTING_START,
    Office,
    confirmed_appointment,
    valid_registration,
)

RIYADH = CentreScope.of({"riyadh"})


def reception(office: Office) -> ReceptionLog:
    return ReceptionLog(office.engine, pii_cipher(office.settings))


async def test_a_check_in_is_one_audience_visit_finished_at_the_check_out(office: Office) -> None:
    _request, appointment = await confirmed_appointment(office)
    office.clock.set(SITTING_START - timedelta(minutes=10))
    await office.scheduler.check_in(appointment, office.clock.now(), scope=EVERY_CENTRE, actor="c1")
    office.clock.set(SITTING_START - timedelta(minutes=5))
    await office.scheduler.check_out(appointment, office.clock.now(), scope=EVERY_CENTRE)
    await office.scheduler.check_in(appointment, office.clock.now(), scope=EVERY_CENTRE, actor="c2")
    found = await reception(office).visits_since(SITTING_START - timedelta(days=1), scope=RIYADH)
    assert [(v.purpose, v.served_by, v.service_seconds) for v in found] == [("audience", "c1", 300)]


async def test_a_visit_names_a_request_of_its_centre_typed_with_spaces(office: Office) -> None:
    registered = await office.desk.register(
        valid_registration(), "c1", office.clock.now(), scope=EVERY_CENTRE
    )
    digits = registered.tracking_number.replace(" ", "")
    spaced = f"{digits[:4]} {digits[4:8]} {digits[8:]}"
    log = reception(office)
    visit = await log.record_visit(
        NewVisit("riyadh", VisitPurpose.FOLLOW_UP, spaced), "c1", office.clock.now(), scope=RIYADH
    )
    assert visit.tracking_number == spaced
    with pytest.raises(UnknownLinkedRequest):  # a Riyadh request, named at Jeddah's desk
        await log.record_visit(
            NewVisit("jeddah", VisitPurpose.FOLLOW_UP, digits),
            "c1",
            office.clock.now(),
            scope=EVERY_CENTRE,
        )
    with pytest.raises(UnknownLinkedRequest):
        await log.record_visit(
            NewVisit("riyadh", VisitPurpose.FOLLOW_UP, "1234"),
            "c1",
            office.clock.now(),
            scope=RIYADH,
        )


async def test_another_centres_visits_are_out_of_her_reach(office: Office) -> None:
    log = reception(office)
    now = office.clock.now()
    jeddah = await log.record_visit(
        NewVisit("jeddah", VisitPurpose.ENQUIRY), "c2", now, scope=EVERY_CENTRE
    )
    with pytest.raises(CentreNotServed):
        await log.record_visit(NewVisit("jeddah", VisitPurpose.ENQUIRY), "c1", now, scope=RIYADH)
    with pytest.raises(UnknownVisit):
        await log.finish_visit(jeddah.id, now, scope=RIYADH)
    assert await log.visits_since(now - timedelta(hours=1), scope=RIYADH) == []
    await log.finish_visit(jeddah.id, now + timedelta(minutes=3), scope=EVERY_CENTRE)
    with pytest.raises(VisitAlreadyFinished):
        await log.finish_visit(jeddah.id, now, scope=EVERY_CENTRE)


async def test_a_note_is_sealed_at_rest_and_emptied_by_retention(office: Office) -> None:
    log = reception(office)
    now = office.clock.now()
    visit = await log.record_visit(
        NewVisit("riyadh", VisitPurpose.ENQUIRY, note="تسأل عن ابنها"), "c1", now, scope=RIYADH
    )
    async with office.engine.connect() as connection:
        stored = (await connection.execute(select(visits.c.note))).scalar_one()
    assert "ابنها" not in stored
    assert stored.startswith("pii2.")
    assert visit.note == "تسأل عن ابنها"
    assert await empty_notes_before(office.engine, now) == 0  # not old enough yet
    assert await empty_notes_before(office.engine, now + timedelta(seconds=1)) == 1
    (kept,) = await log.visits_since(now, scope=RIYADH)
    assert (kept.note, kept.purpose) == ("", "enquiry")
