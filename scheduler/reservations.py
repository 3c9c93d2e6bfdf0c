"""Booking inside the caller's transaction: the facts the booking rules need are read
(the slot, the request, whether the booth is in service, the active appointments around the
slot), ``scheduler.booking.check_booking`` decides, and the appointment is inserted.

The caller's transaction must be serial (``foundation.serial_transactions``): the check and
the insert are one step, so two coordinators booking one booth into overlapping slots that
start at different times, or one applicant into two overlapping audiences, cannot both
succeed (the unique indexes catch only the same slot, or the same booth and start).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from casework.errors import CentreNotServed, UnknownRequest
from casework.lifecycle import BOOKABLE, RequestStatus
from casework.tables import requests
from foundation.scope import CentreScope, centre_of_device
from foundation.tables import centres, devices
from scheduler.booking import Booking, SlotTimes, check_booking
from scheduler.errors import BoothNotInCentre, SlotTaken
from scheduler.status import ACTIVE_APPOINTMENT, AppointmentStatus, values
from scheduler.tables import appointments, slots


async def book_in(
    connection: AsyncConnection,
    request_id: int,
    slot_id: int,
    booth: str,
    now: datetime,
    ignoring: int | None,
    scope: CentreScope,
) -> int:
    """Book ``slot_id`` at ``booth`` for the request (``ignoring``: the appointment being
    moved, whose place may be taken); the new appointment's id. A request of a centre outside
    ``scope`` is as unknown as one that does not exist; a booth outside it is refused."""
    request = (
        await connection.execute(
            select(requests.c.status, requests.c.applicant_id, requests.c.centre).where(
                requests.c.id == request_id, scope.where(requests.c.centre)
            )
        )
    ).first()
    if request is None:  # unknown, or of a centre she does not serve: the same answer
        raise UnknownRequest(str(request_id))
    if not scope.covers_device(booth):
        raise CentreNotServed(booth[:64])
    if centre_of_device(booth) != request.centre:  # she comes to her own centre's booth
        raise BoothNotInCentre(f"{booth[:64]} is not a booth of {request.centre}")
    slot = (await connection.execute(select(slots).where(slots.c.id == slot_id))).first()
    if slot is None:
        raise SlotTaken(f"no slot {slot_id}")
    times = SlotTimes(slot.starts_at, slot.ends_at)
    status = RequestStatus(request.status)
    bookable = status in BOOKABLE or (
        ignoring is not None and status in (RequestStatus.AUDIENCE_BOOKED, RequestStatus.CONFIRMED)
    )
    check_booking(
        slot_id=slot_id,
        slot=times,
        booth=booth,
        booth_in_service=await booth_in_service(connection, booth),
        applicant_id=request.applicant_id,
        request_bookable=bookable,
        active=await active_near(connection, times),
        now=now,
        ignoring=ignoring,
    )
    try:
        return int(
            (
                await connection.execute(
                    insert(appointments)
                    .values(
                        request_id=request_id,
                        slot_id=slot_id,
                        booth_device=booth,
                        starts_at=times.starts_at,
                        status=AppointmentStatus.BOOKED.value,
                        created_at=now,
                    )
                    .returning(appointments.c.id)
                )
            ).scalar_one()
        )
    except IntegrityError:  # another coordinator booked it a moment ago
        raise SlotTaken(f"slot {slot_id} or booth {booth} was just booked") from None


async def booth_in_service(connection: AsyncConnection, booth: str) -> bool:
    return bool(await booth_service_state(connection, booth))


async def booth_service_state(connection: AsyncConnection, booth: str) -> bool | None:
    """Whether the booth named ``<centre>/<label>`` is in service; None: no such booth."""
    centre_code, _, label = booth.partition("/")
    row = (
        await connection.execute(
            select(devices.c.in_service)
            .join(centres, centres.c.id == devices.c.centre_id)
            .where(
                and_(
                    centres.c.code == centre_code,
                    devices.c.label == label,
                    devices.c.kind == "booth",
                )
            )
        )
    ).first()
    return None if row is None else bool(row.in_service)


async def active_near(connection: AsyncConnection, slot: SlotTimes) -> list[Booking]:
    window = timedelta(hours=12)
    rows = await connection.execute(
        select(appointments, slots.c.ends_at, requests.c.applicant_id)
        .join(slots, slots.c.id == appointments.c.slot_id)
        .join(requests, requests.c.id == appointments.c.request_id)
        .where(
            appointments.c.status.in_(values(ACTIVE_APPOINTMENT)),
            appointments.c.starts_at > slot.starts_at - window,
            appointments.c.starts_at < slot.ends_at + window,
        )
    )
    return [
        Booking(r.id, r.slot_id, r.booth_device, r.starts_at, r.ends_at, r.applicant_id)
        for r in rows
    ]
