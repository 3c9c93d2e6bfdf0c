"""The appointment statuses the code calls active are the ones the database's unique indexes
guard (migration 0003 names them in SQL)."""

from __future__ import annotations

from scheduler.status import ACTIVE_APPOINTMENT, AppointmentStatus, values
from scheduler.tables import ACTIVE


def test_the_active_statuses_are_those_the_unique_indexes_name() -> None:
    named = ", ".join(f"'{status}'" for status in values(ACTIVE_APPOINTMENT))
    assert f"status IN ({named})" == ACTIVE


def test_a_stored_status_reads_back_as_its_enum() -> None:
    assert AppointmentStatus("no_show") is AppointmentStatus.NO_SHOW
    assert values({AppointmentStatus.HEARD, AppointmentStatus.BOOKED}) == ["booked", "heard"]
