"""Whether the scheduler holds a device's name: a sitting of an office terminal or an
appointment on a booth. The device registry asks before a device's label is corrected
(``devices.registry``), through the port the composition root wires."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from scheduler.tables import appointments, sittings


async def named_in_schedule(connection: AsyncConnection, name: str) -> bool:
    for column in (sittings.c.office_device, appointments.c.booth_device):
        found = await connection.execute(select(column).where(column == name).limit(1))
        if found.first() is not None:
            return True
    return False
