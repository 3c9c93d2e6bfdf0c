"""The room service: loads rooms, applies events one at a time per room, persists each, keeps
media flow in step with the state, holds seats through short disconnections, and runs the
timed events. Knows media only through the small ``MediaPort`` interface.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from foundation.clock import Clock
from rooms.errors import NotPermitted, RoomError, TokenWrongRoom, UnknownRoom
from rooms.state import EventKind, Room, RoomEvent, RoomState, RoomTimings, apply, due_events
from rooms.store import RoomStore, Seats
from rooms.tokens import Keyring, TokenClaims, issue, new_token_id, verify, window_claims

log = logging.getLogger(__name__)

MEDIA_SEATS = ("booth", "office")


class MediaPort(Protocol):
    def set_media_flow(self, room_id: str, flowing: bool) -> None: ...

    def set_voice_only(self, room_id: str, seat: str, voice_only: bool) -> None:
        """While set, no video packet from ``seat`` is forwarded in the room."""

    async def close_room(self, room_id: str) -> None: ...


class DetachedMedia:
    """For a process that schedules rooms and issues tokens but carries no media (the CLI)."""

    def set_media_flow(self, room_id: str, flowing: bool) -> None:
        return None

    def set_voice_only(self, room_id: str, seat: str, voice_only: bool) -> None:
        return None

    async def close_room(self, room_id: str) -> None:
        return None


@dataclass(frozen=True)
class RoomChange:
    room: Room
    event: RoomEvent
    at: datetime


Listener = Callable[[RoomChange], Awaitable[None]]


@dataclass
class _Entry:
    room: Room
    seats: Seats
    events: int
    lock: asyncio.Lock


class RoomService:
    def __init__(
        self,
        store: RoomStore,
        media: MediaPort,
        keyring: Keyring,
        clock: Clock,
        timings: RoomTimings,
    ) -> None:
        self._store = store
        self._media = media
        self._keyring = keyring
        self._clock = clock
        self.timings = timings
        self._rooms: dict[str, _Entry] = {}
        self._seat_lost_at: dict[tuple[str, str], datetime] = {}
        self._listeners: list[Listener] = []

    @property
    def clock(self) -> Clock:
        return self._clock

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def load(self) -> int:
        """Rebuild every current room from its events (at start-up, and later for rooms that
        another process scheduled); returns how many were added."""
        now = self._clock.now()
        known = frozenset(self._rooms)
        stored_rooms = await self._store.load_all(self.timings, now - timedelta(days=1), known)
        added = 0
        for stored in stored_rooms:
            room = stored.room
            # Scheduled here, or loaded by another load(), while this one read the store: the
            # entry in use stays (a second one, with its own lock and count, would append the
            # same event numbers again and be stuck on them).
            if room.room_id in self._rooms:
                continue
            added += 1
            self._rooms[room.room_id] = _Entry(room, stored.seats, stored.events, asyncio.Lock())
            self._media.set_media_flow(room.room_id, room.media_flows)
            self._media.set_voice_only(room.room_id, "booth", room.voice_only)
            if room.state in (RoomState.LIVE, RoomState.PAUSED):
                # Nobody is connected after a restart: both seats get their grace to return.
                for seat in MEDIA_SEATS:
                    self._seat_lost_at[(room.room_id, seat)] = now
        return added

    async def schedule(
        self,
        room_id: str,
        seats: Seats,
        starts_at: datetime,
        ends_at: datetime,
        next_slot_starts_at: datetime | None = None,
    ) -> Room:
        room = Room(room_id, starts_at, ends_at, next_slot_starts_at)
        await self._store.create(room, seats, self._clock.now())
        # A load() that read the store after it had the room may have added it already (and a
        # tick applied its events there): that entry is the room's.
        return self._rooms.setdefault(room_id, _Entry(room, seats, 0, asyncio.Lock())).room

    # -- reading -------------------------------------------------------------------------------

    def room(self, room_id: str) -> Room:
        return self._entry(room_id).room

    def seats(self, room_id: str) -> Seats:
        return self._entry(room_id).seats

    def rooms(self) -> list[Room]:
        return [entry.room for entry in self._rooms.values()]

    def _entry(self, room_id: str) -> _Entry:
        entry = self._rooms.get(room_id)
        if entry is None:
            raise UnknownRoom(room_id)
        return entry

    # -- changing ------------------------------------------------------------------------------

    async def act(self, room_id: str, event: RoomEvent) -> Room:
        """Apply one event: validated, persisted, then visible; a refused event changes
        nothing."""
        entry = self._entry(room_id)
        async with entry.lock:
            change = await self._apply_locked(entry, event)
        await self._after(change)
        return change.room

    async def set_voice_only(self, room_id: str, voice_only: bool, by: str = "applicant") -> Room:
        """The room's voice-only flag (``Room.voice_only_by``): on, none of the booth's video
        leaves the server; ``by`` says why ("applicant": her choice). Setting it as it is
        changes nothing."""
        room = self.room(room_id)
        if room.voice_only == voice_only and (not voice_only or room.voice_only_by == by):
            return room
        actor = "booth" if by == "applicant" else "system"
        if voice_only:
            return await self.act(room_id, RoomEvent(EventKind.VOICE_ONLY, actor, by))
        return await self.act(room_id, RoomEvent(EventKind.VIDEO_BACK, actor))

    async def _apply_locked(self, entry: _Entry, event: RoomEvent) -> RoomChange:
        now = self._clock.now()
        after = apply(entry.room, event, now, self.timings)
        await self._store.append(entry.room.room_id, entry.events + 1, event, after, now)
        entry.events += 1
        before, entry.room = entry.room, after
        if before.media_flows != after.media_flows:
            self._media.set_media_flow(after.room_id, after.media_flows)
        if before.voice_only != after.voice_only:
            self._media.set_voice_only(after.room_id, "booth", after.voice_only)
        return RoomChange(after, event, now)

    async def _after(self, change: RoomChange) -> None:
        room_id = change.room.room_id
        if change.room.is_over:
            for seat in MEDIA_SEATS:
                self._seat_lost_at.pop((room_id, seat), None)
            await self._media.close_room(room_id)
        for listener in self._listeners:
            try:
                await listener(change)
            except Exception:  # a listener's failure must not undo or block the change
                log.exception("room listener failed")

    async def cancel_room(self, room_id: str, reason: str) -> bool:
        """The appointment behind the room was cancelled or moved: end the room now (its
        tokens are refused from this moment and its seats are disconnected)."""
        entry = self._rooms.get(room_id)
        if entry is None or entry.room.is_over:
            return False
        await self.act(room_id, RoomEvent(EventKind.ABORT, "system", reason))
        return True

    async def tick(self) -> int:
        """Apply every due timed event and every expired seat grace; returns how many.

        Due events are worked out under the room's lock, so two ticks (or a tick and a
        person's action) never apply the same timed event twice."""
        applied = 0
        for entry in list(self._rooms.values()):
            changes: list[RoomChange] = []
            async with entry.lock:
                for event in due_events(entry.room, self._clock.now(), self.timings):
                    changes.append(await self._apply_locked(entry, event))
            for change in changes:
                await self._after(change)
            applied += len(changes)
        now = self._clock.now()
        for (room_id, seat), lost_at in list(self._seat_lost_at.items()):
            if now - lost_at >= self.timings.seat_grace:
                self._seat_lost_at.pop((room_id, seat), None)
                room = self._rooms[room_id].room
                if not room.is_over and room.state is not RoomState.SCHEDULED:
                    lost = RoomEvent(EventKind.ABORT, "system", f"{seat}_lost")
                    await self._act_quietly(room_id, lost)
                    applied += 1
        return applied

    async def _act_quietly(self, room_id: str, event: RoomEvent) -> None:
        try:
            await self.act(room_id, event)
        except RoomError:  # a clock event that lost a race to a person's action is fine
            log.info("timed event %s skipped for %s", event.kind, room_id)

    # -- seats -----------------------------------------------------------------------------------

    def seat_taken(self, room_id: str, seat: str) -> None:
        self._seat_lost_at.pop((room_id, seat), None)

    def seat_away(self, room_id: str) -> bool:
        """A participant's connection is gone and her seat's grace is running."""
        return any(room == room_id for room, _ in self._seat_lost_at)

    def seat_lost(self, room_id: str, seat: str) -> None:
        """A participant's connection went away: the seat is held for the grace period."""
        room = self._rooms.get(room_id)
        if room is not None and not room.room.is_over and seat in MEDIA_SEATS:
            self._seat_lost_at[(room_id, seat)] = self._clock.now()

    # -- tokens ----------------------------------------------------------------------------------

    def issue_join_token(self, room_id: str, role: str) -> str:
        entry = self._entry(room_id)
        device = entry.seats.booth_device if role == "booth" else entry.seats.office_device
        return issue(self._window_claims(entry, role, device, "join"), self._keyring)

    def issue_terminal_token(self, role: str, device: str, valid_for: timedelta) -> str:
        """A signed credential not bound to one room (a desk terminal, an office terminal's
        queue) for development and tests (`majlis demo room`), of the ``terminal`` kind: the
        HTTP API takes it only from a server in development mode (``MAJLIS_DEV``); people
        sign in with a staff session and devices enroll."""
        now = self._clock.now()
        claims = TokenClaims(
            room="*",
            role=role,
            device=device,
            not_before=int(now.timestamp()),
            expires=int((now + valid_for).timestamp()),
            token_id=new_token_id(),
            kind="terminal",
        )
        return issue(claims, self._keyring)

    def _window_claims(self, entry: _Entry, role: str, device: str, kind: str) -> TokenClaims:
        room = entry.room
        return window_claims(
            room.room_id,
            role,
            device,
            room.starts_at,
            room.ends_at,
            self.timings.open_before,
            self.timings.end_grace + self.timings.seat_grace + _longest_extension(self.timings),
            kind="resume" if kind == "resume" else "join",
        )

    async def admit_token(self, token: str, role: str) -> TokenClaims:
        """Check a join or resume token at connect; a join token works once."""
        claims = await self.seat_claims(token, role)
        await self.use_seat_token(claims)
        return claims

    async def seat_claims(self, token: str, role: str) -> TokenClaims:
        """The claims of a join or resume token for a seat of a room that is not over, without
        using it up: a connect checks the seat's device before a join token is spent."""
        claims = verify(token, self._keyring, self._clock.now(), role=role)
        if role == "desk":
            return claims
        if claims.room not in self._rooms:
            await self.load()  # scheduled by another process since this one started
        entry = self._entry(claims.room)
        expected = entry.seats.booth_device if role == "booth" else entry.seats.office_device
        if claims.device != expected:
            raise TokenWrongRoom("this device is not seated in this room")
        if entry.room.is_over:
            raise NotPermitted("the audience is over")
        return claims

    async def use_seat_token(self, claims: TokenClaims) -> None:
        """Spend a join token (refused if it was spent before); a resume token is not spent."""
        if claims.kind == "join" and claims.role != "desk":
            await self._store.use_token(
                claims.token_id, self._clock.now(), datetime.fromtimestamp(claims.expires, UTC)
            )

    def resume_token(self, claims: TokenClaims) -> str:
        """A token for reconnecting to the same seat, valid as long as the join token was."""
        entry = self._entry(claims.room)
        return issue(
            self._window_claims(entry, claims.role, claims.device, "resume"), self._keyring
        )


def _longest_extension(timings: RoomTimings) -> timedelta:
    return timings.extend_by * timings.max_extensions
