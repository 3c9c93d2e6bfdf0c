"""Adding a booth or an office terminal, and correcting a device's label before it is used.

A device's name (``riyadh/booth-1``, ``office-1``) is what its credential, heartbeats, alerts,
rooms, sittings and appointments hold. Renaming it would cut it from all of them, so a label
can be corrected only while nothing holds the name yet (before its first enrollment code, any
sitting or booking); afterwards the way is to revoke it and add a new device. What the
scheduler holds is asked through a port (``NameHeldElsewhere``) the composition root gives:
this package does not know the scheduler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from devices.errors import DeviceNameInUse, DuplicateDevice, InvalidDevice, UnknownDeviceCentre
from devices.service import Device, DeviceService
from devices.tables import alerts, device_credentials, device_heartbeats, enrollment_codes
from foundation.tables import centres, devices, staff_accounts

KINDS = ("booth", "office")
LABEL = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")

# Whether a device name is held outside this package (a sitting's or an appointment's).
NameHeldElsewhere = Callable[[AsyncConnection, str], Awaitable[bool]]


def normalised_label(label: str) -> str:
    text = label.strip().lower()
    if not LABEL.fullmatch(text):
        raise InvalidDevice("a label is 1-32 of a-z 0-9 and -, starting with a letter or digit")
    return text


class DeviceRegistry:
    def __init__(
        self,
        engine: AsyncEngine,
        devices: DeviceService,
        held_elsewhere: Sequence[NameHeldElsewhere] = (),
    ) -> None:
        self._engine = engine
        self._devices = devices
        self._held_elsewhere = tuple(held_elsewhere)

    async def add(self, kind: str, centre: str | None, label: str, now: datetime) -> Device:
        """A new booth of ``centre`` or office terminal (which has no centre), in service."""
        if kind not in KINDS:
            raise InvalidDevice(f"a device is one of {', '.join(KINDS)}")
        if (kind == "booth") != (centre is not None):
            raise InvalidDevice("a booth belongs to a centre; an office terminal to none")
        label = normalised_label(label)
        try:
            async with self._engine.begin() as connection:
                centre_id = await _centre_id(connection, centre)
                await _require_free(connection, centre_id, label)
                device_id = (
                    await connection.execute(
                        insert(devices)
                        .values(
                            kind=kind,
                            centre_id=centre_id,
                            label=label,
                            in_service=True,
                            created_at=now,
                        )
                        .returning(devices.c.id)
                    )
                ).scalar_one()
        except IntegrityError:  # the same label added at the same moment
            raise DuplicateDevice("a device of that centre has that label") from None
        return await self._devices.by_id(int(device_id))

    async def rename(self, device_id: int, label: str) -> tuple[str, Device]:
        """The device's old name and the device under its new label."""
        device = await self._devices.by_id(device_id)
        label = normalised_label(label)
        async with self._engine.begin() as connection:
            current = (
                await connection.execute(
                    select(devices.c.centre_id, devices.c.label).where(devices.c.id == device_id)
                )
            ).one()
            if current.label == label:
                return device.name, device
            if await self._held(connection, device.name):
                raise DeviceNameInUse("the name is in use: revoke the device and add a new one")
            await _require_free(connection, current.centre_id, label)
            await connection.execute(
                update(devices).where(devices.c.id == device_id).values(label=label)
            )
        return device.name, await self._devices.by_id(device_id)

    async def _held(self, connection: AsyncConnection, name: str) -> bool:
        for table in (enrollment_codes, device_credentials, device_heartbeats, alerts):
            found = await connection.execute(
                select(table.c.device).where(table.c.device == name).limit(1)
            )
            if found.first() is not None:
                return True
        for held in self._held_elsewhere:
            if await held(connection, name):
                return True
        return False


async def _centre_id(connection: AsyncConnection, centre: str | None) -> int | None:
    if centre is None:
        return None
    centre_id = await connection.scalar(select(centres.c.id).where(centres.c.code == centre))
    if centre_id is None:
        raise UnknownDeviceCentre("no centre of that code")
    return int(centre_id)


async def _require_free(connection: AsyncConnection, centre_id: int | None, label: str) -> None:
    """No other device of the centre (or, for an office terminal, no other office terminal:
    the database's unique key does not compare NULL centres) has ``label``."""
    same_centre = (
        devices.c.centre_id.is_(None) if centre_id is None else devices.c.centre_id == centre_id
    )
    query = select(devices.c.id).where(same_centre, devices.c.label == label)
    taken = await connection.scalar(query)
    if taken is not None:
        raise DuplicateDevice("a device of that centre has that label")
    if centre_id is None:
        # An office terminal's name is its label: the audit log and the rate limits name a
        # terminal and a staff account alike, so it is no staff member's username either.
        person = await connection.scalar(
            select(staff_accounts.c.id).where(staff_accounts.c.username == label)
        )
        if person is not None:
            raise DuplicateDevice("a staff account has that name")
