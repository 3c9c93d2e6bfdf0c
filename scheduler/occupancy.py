"""Who sits at a booth: one checked-in applicant at a time.

An applicant is seated from her check-in until her audience is over (its room ended, was a
no-show or was aborted) or a coordinator checks her out; while she is, no other appointment
is checked in at that booth, so the booth's screen, join token, rating and amendments stay
hers. Check-in and check-out run in a serial transaction (``foundation.serial_transactions``),
so two coordinators checking two women in at one booth at once cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from foundation.scope import CentreScope
from reception.log import audience_visit_in, finish_audience_visit_in
from scheduler.appointment_rooms import RoomPort, audience_over, audience_under_way
from scheduler.appointments import (
    CHECK_IN_WINDOW,
    Appointment,
    load_appointment_in,
    load_appointments,
)
from scheduler.errors import (
    AudienceInProgress,
    BoothOccupied,
    BoothOutOfService,
    NotCheckedIn,
    NotConfirmable,
)
from scheduler.reservations import booth_in_service
from scheduler.status import AppointmentStatus
from scheduler.tables import appointments


async def seated_at(connection: AsyncConnection, rooms: RoomPort, booth: str) -> Appointment | None:
    """The appointment of the applicant seated at ``booth`` now, if any."""
    checked_in = await load_appointments(
        connection,
        appointments.c.booth_device == booth,
        appointments.c.status == AppointmentStatus.CONFIRMED.value,
        appointments.c.checked_in_at.is_not(None),
        appointments.c.checked_out_at.is_(None),
    )
    return next((a for a in checked_in if not audience_over(rooms, a.id)), None)


async def check_in_in(
    connection: AsyncConnection,
    rooms: RoomPort,
    appointment_id: int,
    now: datetime,
    scope: CentreScope,
    actor: str,
) -> None:
    """Seat the applicant of a confirmed appointment at its booth, if the booth is in service
    and free; her arrival is a reception visit of purpose *audience* (once), served by
    ``actor``."""
    appointment = await load_appointment_in(connection, appointment_id, scope)
    if appointment.status is not AppointmentStatus.CONFIRMED:
        raise NotConfirmable("only a confirmed appointment can be checked in")
    if abs(appointment.starts_at - now) > CHECK_IN_WINDOW:
        raise NotConfirmable("check-in opens an hour before the appointment")
    if not await booth_in_service(connection, appointment.booth_device):
        raise BoothOutOfService(appointment.booth_device)  # move her to another booth first
    seated = await seated_at(connection, rooms, appointment.booth_device)
    if seated is not None and seated.id != appointment_id:
        raise BoothOccupied(f"appointment {seated.id} is seated at {appointment.booth_device}")
    await connection.execute(
        update(appointments)
        .where(appointments.c.id == appointment_id)
        .values(checked_in_at=now, checked_out_at=None)
    )
    await audience_visit_in(
        connection, appointment_id, appointment.request_id, appointment.centre, actor, now
    )


async def check_out_in(
    connection: AsyncConnection,
    rooms: RoomPort,
    appointment_id: int,
    now: datetime,
    scope: CentreScope,
) -> None:
    """The applicant left the booth (before her audience, or after it): it is free again."""
    appointment = await load_appointment_in(connection, appointment_id, scope)
    if not appointment.seated:
        raise NotCheckedIn(f"appointment {appointment_id} is not checked in")
    if audience_under_way(rooms, appointment_id):
        raise AudienceInProgress(f"appointment {appointment_id}'s audience is under way")
    await connection.execute(
        update(appointments).where(appointments.c.id == appointment_id).values(checked_out_at=now)
    )
    await finish_audience_visit_in(connection, appointment_id, now)
