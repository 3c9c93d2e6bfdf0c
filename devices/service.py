"""Device enrollment, credentials and revocation; heartbeats, alerts and the day board.

An admin asks for a one-time enrollment code for a device (valid 15 minutes); the device
exchanges it once, with the public key of a key pair it made, for a long random credential,
which the server keeps only as a SHA-256 hash, with the key (each call then proves possession
of the private key: ``devices.proof``). Revoking a device ends every credential of it and
calls the revocation listeners (the signalling layer cuts the device's live connections
there). Booths report a heartbeat (their screen and round-trip time) every few seconds; the day
board turns the latest heartbeat and the open alerts into one state per booth. The board and
the alerts are a coordinator's centres' only (``foundation.scope``): a booth's centre is the
prefix of its name.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from sqlalchemy import ColumnElement, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from devices.errors import DeviceRevoked, EnrollmentFailed, UnknownAlert, UnknownDevice
from devices.proof import DeviceKey
from devices.tables import (
    alerts,
    device_credentials,
    device_heartbeats,
    enrollment_codes,
    help_messages,
)
from foundation.scope import CentreScope
from foundation.tables import centres, devices

ENROLLMENT_LIFETIME = timedelta(minutes=15)
OFFLINE_AFTER = timedelta(seconds=20)
CREDENTIAL_PREFIX = "mjd1."
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud without doubt
CODE_LENGTH = 10
SCREENS = frozenset(
    {
        "enroll",
        "idle",
        "checkin",
        "review",
        "consent",
        "preflight",
        "lobby",
        "live",
        "paused",
        "after",
        "reconnecting",
        "out_of_service",
    }
)
BOARD_STATE_OF_SCREEN = {
    "preflight": "preflight",
    "lobby": "lobby",
    "live": "live",
    "paused": "paused",
    "reconnecting": "live",
}
ALERT_KINDS = frozenset({"help", "preflight_failed", "disconnected"})


@dataclass(frozen=True)
class Alert:
    """An open alert a booth raised (help today), until a coordinator marks it handled."""

    id: int
    device: str
    room: str | None
    kind: str
    raised_at: datetime
    # A help alert's last reason from the booth, and the last answer's kind (devices.help).
    reason: str | None = None
    answer: str | None = None


@dataclass(frozen=True)
class BoothOnBoard:
    device: str
    centre: str | None
    state: str  # out_of_service / offline / idle / preflight / lobby / live / paused / alert
    screen: str | None
    round_trip_ms: int | None
    last_seen: datetime | None
    revoked: bool
    device_id: int  # the id the device routes take (out of service and back)
    in_service: bool = True
    out_of_service_reason: str | None = None  # a coordinator's words: never an applicant's
    expected_back_at: datetime | None = None


@dataclass(frozen=True)
class Board:
    """The coordinators' day board: every booth's state, the open alerts, the server's time."""

    booths: list[BoothOnBoard]
    alerts: list[Alert]
    server_time: datetime


@dataclass(frozen=True)
class Device:
    id: int
    name: str  # "riyadh/booth-1" for a booth, "office-1" for an office terminal
    kind: str  # booth | office
    centre: str | None
    in_service: bool
    out_of_service_reason: str | None = None  # set with in_service false (scheduler.outages)
    expected_back_at: datetime | None = None


@dataclass(frozen=True)
class Enrollment:
    device: Device
    code: str
    expires_at: datetime

    @property
    def qr_svg(self) -> str:
        """The code as a QR code (a data: URI of an SVG), for a device that can scan it."""
        return str(segno.make(self.code, error="m").svg_data_uri(scale=4, border=2))


@dataclass(frozen=True)
class Heartbeat:
    at: datetime
    screen: str
    round_trip_ms: int | None


RevocationListener = Callable[[str], Awaitable[None]]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


class DeviceService:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._revoked: set[str] = set()
        self._heartbeats: dict[str, Heartbeat] = {}
        self._listeners: list[RevocationListener] = []

    async def load(self) -> None:
        """Learn which devices are revoked (no live credential, at least one revoked) and each
        device's last heartbeat, so a restarted server's board is right before the next beat."""
        # The row written last per device, as heartbeat() keeps it in memory.
        last_beats = select(func.max(device_heartbeats.c.id)).group_by(device_heartbeats.c.device)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(device_credentials))).all()
            beats = await connection.execute(
                select(device_heartbeats).where(device_heartbeats.c.id.in_(last_beats))
            )
            self._heartbeats = {b.device: Heartbeat(b.at, b.screen, b.round_trip_ms) for b in beats}
        live = {r.device for r in rows if r.revoked_at is None}
        self._revoked = {r.device for r in rows if r.revoked_at is not None} - live

    def on_revoke(self, listener: RevocationListener) -> None:
        self._listeners.append(listener)

    def is_revoked(self, device: str) -> bool:
        return device in self._revoked

    def check_not_revoked(self, device: str) -> None:
        if device in self._revoked:
            raise DeviceRevoked("the device's enrollment was revoked")

    # -- the devices ----------------------------------------------------------------------------

    async def all(self) -> list[Device]:
        return await self._select(None)

    async def by_id(self, device_id: int) -> Device:
        found = await self._select(devices.c.id == device_id)
        if not found:
            raise UnknownDevice(str(device_id))
        return found[0]

    async def by_name(self, name: str) -> Device:
        """ "riyadh/booth-1" is a centre's booth; a name without a centre, an office terminal."""
        centre, _, label = name.rpartition("/")
        where = centres.c.code == centre if centre else devices.c.centre_id.is_(None)
        found = await self._select(and_(devices.c.label == label, where))
        if not found:
            raise UnknownDevice("no such device")
        return found[0]

    async def _select(self, condition: ColumnElement[bool] | None) -> list[Device]:
        query = (
            select(devices, centres.c.code)
            .outerjoin(centres, centres.c.id == devices.c.centre_id)
            .order_by(devices.c.kind, centres.c.code, devices.c.label)
        )
        if condition is not None:
            query = query.where(condition)
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
            return [
                Device(
                    r.id,
                    f"{r.code}/{r.label}" if r.code else r.label,
                    r.kind,
                    r.code,
                    bool(r.in_service),
                    r.out_of_service_reason,
                    r.expected_back_at,
                )
                for r in rows
            ]

    # -- enrollment and credentials ---------------------------------------------------------------

    async def start_enrollment(self, device_id: int, now: datetime) -> Enrollment:
        device = await self.by_id(device_id)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires_at = now + ENROLLMENT_LIFETIME
        async with self._engine.begin() as connection:
            # One live code per device: a new one voids the earlier (perhaps seen) ones.
            await connection.execute(
                update(enrollment_codes)
                .where(
                    enrollment_codes.c.device == device.name, enrollment_codes.c.used_at.is_(None)
                )
                .values(expires_at=now)
            )
            await connection.execute(
                insert(enrollment_codes).values(
                    code_hash=_hash(code), device=device.name, expires_at=expires_at
                )
            )
        return Enrollment(device, f"{code[:5]}-{code[5:]}", expires_at)

    async def enroll(self, code_text: str, key: DeviceKey, now: datetime) -> tuple[Device, str]:
        """Exchange a one-time code for a new credential (shown once, stored hashed), bound to
        the device's public ``key``. A device has one credential: enrolling it again revokes
        the one before and closes its connections, so a second copy of a booth cannot read its
        applicants unnoticed."""
        code_hash = _hash(normalise_code(code_text))
        credential = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
        async with self._engine.begin() as connection:
            used = await connection.execute(
                update(enrollment_codes)
                .where(
                    enrollment_codes.c.code_hash == code_hash,
                    enrollment_codes.c.used_at.is_(None),
                    enrollment_codes.c.expires_at > now,
                )
                .values(used_at=now)
                .returning(enrollment_codes.c.device)
            )
            row = used.first()
            if row is None:
                raise EnrollmentFailed("unknown, used or expired code")
            replaced = await connection.execute(
                update(device_credentials)
                .where(
                    device_credentials.c.device == row.device,
                    device_credentials.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            await connection.execute(
                insert(device_credentials).values(
                    credential_hash=_hash(credential),
                    device=row.device,
                    created_at=now,
                    public_key=key.spki,
                )
            )
        if replaced.rowcount:
            for listener in self._listeners:  # the replaced credential's connections
                await listener(row.device)
        self._revoked.discard(row.device)
        return await self.by_name(row.device), credential

    async def authenticate(self, credential: str) -> tuple[Device, DeviceKey | None]:
        """The device of a live credential, and the key its calls must prove (None: enrolled
        before device keys)."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(device_credentials).where(
                        device_credentials.c.credential_hash == _hash(credential)
                    )
                )
            ).first()
        if row is None:
            raise DeviceRevoked("unknown credential")
        if row.revoked_at is not None:
            raise DeviceRevoked("revoked credential")
        # A device out of service keeps its credential (revocation is what cuts a device off):
        # its screen says it is out of service, and check-in and its seat are refused there.
        device = await self.by_name(row.device)
        return device, DeviceKey(row.public_key) if row.public_key else None

    async def registered_key(self, device: str) -> DeviceKey | None:
        """The key ``device`` registered with its newest live credential (None: none, or
        enrolled before device keys): what its audience key shares are checked against. A
        browser still holding an older live credential signs shares the other end refuses."""
        async with self._engine.connect() as connection:
            found = await connection.execute(
                select(device_credentials.c.public_key)
                .where(
                    device_credentials.c.device == device,
                    device_credentials.c.revoked_at.is_(None),
                )
                .order_by(device_credentials.c.created_at.desc())
            )
            row = found.first()
        return DeviceKey(row.public_key) if row is not None and row.public_key else None

    async def is_enrolled(self, device: str) -> bool:
        """Whether ``device`` holds a live credential (its seats must then prove its key)."""
        async with self._engine.connect() as connection:
            found = await connection.execute(
                select(device_credentials.c.credential_hash).where(
                    device_credentials.c.device == device,
                    device_credentials.c.revoked_at.is_(None),
                )
            )
            return found.first() is not None

    async def revoke(self, device_id: int, now: datetime) -> Device:
        device = await self.by_id(device_id)
        async with self._engine.begin() as connection:
            await connection.execute(
                update(device_credentials)
                .where(
                    device_credentials.c.device == device.name,
                    device_credentials.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            await connection.execute(
                update(enrollment_codes)
                .where(
                    enrollment_codes.c.device == device.name, enrollment_codes.c.used_at.is_(None)
                )
                .values(used_at=now)
            )
        self._revoked.add(device.name)
        for listener in self._listeners:
            await listener(device.name)
        return device

    # -- heartbeats, alerts, the board ------------------------------------------------------------

    async def heartbeat(
        self, device: str, screen: str, round_trip_ms: int | None, now: datetime
    ) -> None:
        self._heartbeats[device] = Heartbeat(now, screen, round_trip_ms)
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(device_heartbeats).values(
                    device=device, at=now, screen=screen, round_trip_ms=round_trip_ms
                )
            )

    async def delete_heartbeats_before(self, cutoff: datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(device_heartbeats).where(device_heartbeats.c.at < cutoff)
            )
        return int(result.rowcount or 0)

    async def raise_alert(self, device: str, room: str | None, kind: str, now: datetime) -> int:
        async with self._engine.begin() as connection:
            open_one = (
                await connection.execute(
                    select(alerts.c.id).where(
                        alerts.c.device == device,
                        alerts.c.kind == kind,
                        alerts.c.handled_at.is_(None),
                    )
                )
            ).first()
            if open_one is not None:  # one open alert of a kind per booth: no flood
                return int(open_one.id)
            result = await connection.execute(
                insert(alerts)
                .values(device=device, room=room, kind=kind, raised_at=now)
                .returning(alerts.c.id)
            )
            return int(result.scalar_one())

    async def handle_alert(
        self, alert_id: int, actor: str, now: datetime, *, scope: CentreScope
    ) -> None:
        async with self._engine.begin() as connection:
            device = (
                await connection.execute(select(alerts.c.device).where(alerts.c.id == alert_id))
            ).scalar()
            if device is None or not scope.covers_device(device):  # unknown, or not hers
                raise UnknownAlert(str(alert_id))
            result = await connection.execute(
                update(alerts)
                .where(alerts.c.id == alert_id, alerts.c.handled_at.is_(None))
                .values(handled_at=now, handled_by=actor[:64])
            )
        if not result.rowcount:
            raise UnknownAlert(str(alert_id))

    async def open_alerts(self, *, scope: CentreScope) -> list[Alert]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(alerts).where(alerts.c.handled_at.is_(None)).order_by(alerts.c.id)
            )
            mine = [r for r in rows if scope.covers_device(r.device)]
            said: dict[tuple[int, str], str] = {}  # (alert, sender) -> its last message's kind
            if mine:
                messages = await connection.execute(
                    select(help_messages.c.alert_id, help_messages.c.sender, help_messages.c.kind)
                    .where(help_messages.c.alert_id.in_([r.id for r in mine]))
                    .order_by(help_messages.c.id)
                )
                said = {(m.alert_id, m.sender): m.kind for m in messages}
            return [
                Alert(
                    r.id,
                    r.device,
                    r.room,
                    r.kind,
                    r.raised_at,
                    said.get((r.id, "booth")),
                    said.get((r.id, "desk")),
                )
                for r in mine
            ]

    async def board(self, now: datetime, *, scope: CentreScope) -> Board:
        """The state of every booth of ``scope``'s centres: out_of_service / offline / idle /
        preflight / lobby / live / paused / alert."""
        open_alerts = await self.open_alerts(scope=scope)
        alerted = {a.device for a in open_alerts}
        booths = []
        for device in await self.all():
            if device.kind != "booth" or not scope.covers(device.centre):
                continue
            beat = self._heartbeats.get(device.name)
            if not device.in_service:
                state = "out_of_service"
            elif beat is None or now - beat.at > OFFLINE_AFTER:
                state = "offline"
            elif device.name in alerted:
                state = "alert"
            else:
                state = BOARD_STATE_OF_SCREEN.get(beat.screen, "idle")
            booths.append(
                BoothOnBoard(
                    device=device.name,
                    centre=device.centre,
                    state=state,
                    screen=beat.screen if beat else None,
                    round_trip_ms=beat.round_trip_ms if beat else None,
                    last_seen=beat.at if beat else None,
                    revoked=self.is_revoked(device.name),
                    device_id=device.id,
                    in_service=device.in_service,
                    out_of_service_reason=device.out_of_service_reason,
                    expected_back_at=device.expected_back_at,
                )
            )
        return Board(booths, open_alerts, now)
