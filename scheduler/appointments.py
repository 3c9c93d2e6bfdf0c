"""An appointment as the scheduler's use cases read it, and the SMS that speaks of one.

Shared by the commands (booking, moving, cancelling) and the clock (reminders, outcomes):
both work inside a transaction they own, so these functions take its connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.applicants import contact_in
from casework.outbox import enqueue
from casework.pii import PiiCipher
from casework.sms import SmsKind
from casework.tables import requests
from casework.tracking import format_tracking_number
from foundation.scope import CentreScope
from scheduler.errors import NotConfirmable, UnknownAppointment
from scheduler.status import ACTIVE_APPOINTMENT, AppointmentStatus
from scheduler.tables import appointments

CHECK_IN_WINDOW = timedelta(hours=1)  # a booth takes its applicant within an hour of the start


@dataclass(frozen=True)
class Appointment:
    id: int
    request_id: int
    slot_id: int
    booth_device: str  # "<centre code>/<booth label>"
    starts_at: datetime
    status: AppointmentStatus
    room_id: str | None
    checked_in_at: datetime | None
    rating: int | None
    checked_out_at: datetime | None = None  # she left the booth (the coordinator's check-out)

    @property
    def seated(self) -> bool:
        """Checked in at her booth and not checked out."""
        return self.checked_in_at is not None and self.checked_out_at is None

    @property
    def centre(self) -> str:
        return self.booth_device.split("/", 1)[0]


async def load_appointment(connection: AsyncConnection, appointment_id: int) -> Appointment:
    found = await load_appointments(connection, appointments.c.id == appointment_id)
    if not found:
        raise UnknownAppointment(str(appointment_id))
    return found[0]


async def load_appointment_in(
    connection: AsyncConnection, appointment_id: int, scope: CentreScope
) -> Appointment:
    """The appointment, if its request belongs to a centre of ``scope``: another centre's
    appointment is as unknown as one that does not exist."""
    found = await load_appointments(
        connection,
        appointments.c.id == appointment_id,
        appointments.c.request_id.in_(select(requests.c.id).where(scope.where(requests.c.centre))),
    )
    if not found:
        raise UnknownAppointment(str(appointment_id))
    return found[0]


async def load_appointments(
    connection: AsyncConnection, *conditions: ColumnElement[bool]
) -> list[Appointment]:
    """The appointments that meet every condition, in the order they were booked."""
    rows = await connection.execute(
        select(appointments).where(*conditions).order_by(appointments.c.id)
    )
    return [
        Appointment(
            id=row.id,
            request_id=row.request_id,
            slot_id=row.slot_id,
            booth_device=row.booth_device,
            starts_at=row.starts_at,
            status=AppointmentStatus(row.status),
            room_id=row.room_id,
            checked_in_at=row.checked_in_at,
            rating=row.rating,
            checked_out_at=row.checked_out_at,
        )
        for row in rows
    ]


async def set_status(
    connection: AsyncConnection, appointment_id: int, status: AppointmentStatus
) -> None:
    await connection.execute(
        update(appointments).where(appointments.c.id == appointment_id).values(status=status.value)
    )


async def retire(
    connection: AsyncConnection, appointment_id: int, status: AppointmentStatus
) -> Appointment:
    """Take an active appointment out of use (moved or cancelled); returns it as it was."""
    old = await load_appointment(connection, appointment_id)
    if old.status not in ACTIVE_APPOINTMENT:
        raise NotConfirmable("the appointment is not active")
    await set_status(connection, appointment_id, status)
    return old


async def text_about(
    connection: AsyncConnection,
    cipher: PiiCipher,
    appointment: Appointment,
    kind: SmsKind,
    key: str,
    now: datetime,
) -> None:
    """Queue an SMS about ``appointment`` (``key`` makes it unique per logical event)."""
    row = (
        await connection.execute(
            select(requests.c.tracking_number, requests.c.applicant_id).where(
                requests.c.id == appointment.request_id
            )
        )
    ).one()
    contact = await contact_in(connection, cipher, row.applicant_id)
    await enqueue(
        connection,
        cipher,
        key=key,
        kind=kind,
        phone=contact.phone,
        language=contact.language,
        tracking=format_tracking_number(row.tracking_number),
        now=now,
        request_id=appointment.request_id,
        when=appointment.starts_at,
        centre=appointment.centre,
    )
