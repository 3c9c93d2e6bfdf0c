"""The key directory: administrators' browsers endorse device keys (issue 17, docs/SECURITY.md).

An audience's key shares are signed with each device's key, and the server relays that key
with them; so, on its own, a server could forge a share, its signature and the key together
under a name the other end has never met. The directory takes that away from the server: a
device key counts only if an administrator's browser signed ``(device name, device key)``.

- Each administrator's browser makes its own **directory key** (ECDSA P-256, non-extractable,
  in IndexedDB) and registers its public half here. The first one registered in an
  installation is the **root**; every later one stays pending until a browser whose key is
  trusted endorses it (signs ``key_statement``). No private key of the directory ever reaches
  the server: it keeps public keys and signatures, nothing it could sign with.
- After a device enrolls, an administrator compares the device's key fingerprint on its
  screen with the one on the devices screen and endorses it: her browser signs
  ``device_statement`` and the signature is kept with the device's live credential.
- The device then pins the root (its fingerprint shown on both screens, compared by the
  administrator once); from then on it takes an audience's key share only under a device key
  endorsed through a chain of endorsements from that root (shared/e2ee.js). The server relays
  the endorsement and the trusted keys with each share; it can leave them out (the audience
  then fails), not make them.

An installation without a root works as before (trust on first use, docs/SECURITY.md).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from devices.errors import (
    DeviceHasNoKey,
    DirectoryKeyExists,
    DirectoryKeyNotTrusted,
    DirectoryKeyTrustedAlready,
    EndorsementInvalid,
    UnknownDirectoryKey,
)
from devices.proof import DeviceKey
from devices.service import Device, DeviceService
from devices.tables import device_credentials, directory_keys

CONTEXT = b"majlis-directory-v1|"


def key_statement(key: DeviceKey) -> bytes:
    """What a trusted directory key signs to endorse another administrator's browser key."""
    return CONTEXT + b"key|" + key.point()


def device_statement(device: str, key: DeviceKey) -> bytes:
    """What a trusted directory key signs to endorse a device's key under the device's name."""
    return CONTEXT + b"device|" + device.encode() + b"|" + key.point()


def _signature(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise EndorsementInvalid("the signature is not base64url") from None


@dataclass(frozen=True)
class DirectoryKey:
    id: int
    key: DeviceKey
    holder: str  # the administrator whose browser holds it
    created_at: datetime
    root: bool
    endorsed_by: int | None
    endorsement: str | None  # base64url r‖s over key_statement, by ``endorsed_by``

    @property
    def trusted(self) -> bool:
        return self.root or self.endorsed_by is not None

    def public(self) -> dict[str, object]:
        """As the devices get it (with each audience's key share): no administrator's name."""
        return {
            "id": self.id,
            "public_key": self.key.jwk(),
            "root": self.root,
            "endorsed_by": self.endorsed_by,
            "endorsement": self.endorsement,
        }

    def listed(self) -> dict[str, object]:
        """As the administrators' screens get it: who registered it, and when."""
        return {**self.public(), "holder": self.holder, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class Endorsement:
    """A device key's endorsement: which directory key signed it, and the signature."""

    by: int
    signature: str


def _directory_key(row: Row[tuple[object, ...]]) -> DirectoryKey:
    return DirectoryKey(
        id=row.id,
        key=DeviceKey(row.public_key),
        holder=row.holder,
        created_at=row.created_at,
        root=row.root,
        endorsed_by=row.endorsed_by,
        endorsement=row.endorsement,
    )


class KeyDirectory:
    def __init__(self, engine: AsyncEngine, devices: DeviceService) -> None:
        self._engine = engine
        self._devices = devices

    async def keys(self) -> list[DirectoryKey]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(directory_keys).order_by(directory_keys.c.id))
            return [_directory_key(row) for row in rows]

    async def trusted(self) -> list[DirectoryKey]:
        """The root and every endorsed key: what a device checks a chain with."""
        return [key for key in await self.keys() if key.trusted]

    async def _key(self, key_id: int) -> DirectoryKey:
        for key in await self.keys():
            if key.id == key_id:
                return key
        raise UnknownDirectoryKey("no directory key of that id")

    async def register(self, key: DeviceKey, holder: str, now: datetime) -> DirectoryKey:
        """An administrator's browser key: the root if the directory has none, else pending.
        Two browsers registering at once: the unique indexes let one be the root; the other
        tries once more and is pending (or told its key is registered already)."""
        try:
            return await self._register(key, holder, now)
        except IntegrityError:
            pass
        try:
            return await self._register(key, holder, now)
        except IntegrityError:
            raise DirectoryKeyExists("this key was registered meanwhile") from None

    async def _register(self, key: DeviceKey, holder: str, now: datetime) -> DirectoryKey:
        async with self._engine.begin() as connection:
            rows = (await connection.execute(select(directory_keys))).all()
            if any(row.public_key == key.spki for row in rows):
                raise DirectoryKeyExists("this key is registered already")
            root = not any(row.root for row in rows)
            inserted = await connection.execute(
                insert(directory_keys).values(
                    public_key=key.spki, holder=holder, created_at=now, root=root
                )
            )
            assert inserted.inserted_primary_key is not None
            key_id = int(inserted.inserted_primary_key[0])
        return await self._key(key_id)

    async def _endorser(self, by: int) -> DirectoryKey:
        endorser = await self._key(by)
        if not endorser.trusted:
            raise DirectoryKeyNotTrusted("the endorsing key is not endorsed itself")
        return endorser

    async def endorse_key(self, key_id: int, by: int, signature: str) -> DirectoryKey:
        """Another administrator's browser key, endorsed by a trusted one."""
        endorsed = await self._key(key_id)
        endorser = await self._endorser(by)
        if not endorser.key.signed(key_statement(endorsed.key), _signature(signature)):
            raise EndorsementInvalid("the signature does not endorse this key")
        async with self._engine.begin() as connection:
            changed = await connection.execute(
                update(directory_keys)
                .where(
                    directory_keys.c.id == key_id,
                    directory_keys.c.endorsed_by.is_(None),
                    directory_keys.c.root.is_(False),
                )
                .values(endorsed_by=by, endorsement=signature)
            )
        if changed.rowcount != 1:  # the root, or endorsed already (maybe just now)
            raise DirectoryKeyTrustedAlready("this key is trusted already: its endorsement stands")
        return await self._key(key_id)

    async def endorse_device(self, device_id: int, by: int, signature: str) -> Device:
        """The key of ``device_id``'s live enrollment, endorsed by a trusted directory key."""
        device = await self._devices.by_id(device_id)
        key = await self._devices.registered_key(device.name)
        if key is None:
            raise DeviceHasNoKey("the device holds no enrollment with a key: enroll it first")
        endorser = await self._endorser(by)
        if not endorser.key.signed(device_statement(device.name, key), _signature(signature)):
            raise EndorsementInvalid("the signature does not endorse this device's key")
        async with self._engine.begin() as connection:
            changed = await connection.execute(
                update(device_credentials)
                .where(
                    device_credentials.c.device == device.name,
                    device_credentials.c.public_key == key.spki,
                    device_credentials.c.revoked_at.is_(None),
                )
                .values(endorsed_by=by, endorsement=signature)
            )
        if changed.rowcount == 0:  # revoked meanwhile: nothing is endorsed, nothing audited
            raise DeviceHasNoKey("the device's enrollment was revoked meanwhile: enroll it again")
        return device

    async def endorsement(self, device: str) -> Endorsement | None:
        """The endorsement of ``device``'s registered key (its newest live credential's)."""
        async with self._engine.connect() as connection:
            found = await connection.execute(
                select(device_credentials.c.endorsed_by, device_credentials.c.endorsement)
                .where(
                    device_credentials.c.device == device,
                    device_credentials.c.revoked_at.is_(None),
                )
                .order_by(device_credentials.c.created_at.desc())
            )
            row = found.first()
        if row is None or row.endorsed_by is None or row.endorsement is None:
            return None
        return Endorsement(row.endorsed_by, row.endorsement)
