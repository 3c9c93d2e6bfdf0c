"""``/desk``: coordinators and supervisors watching the rooms' states and connection quality
of the centres they serve, never media. A desk terminal comes with its token; a signed-in staff
member with the session cookie the browser sends with the WebSocket handshake. A room is of
its booth's centre: another centre's room is neither listed, pushed nor answered for."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aiohttp import web

from rooms.callers import Caller, require_caller
from rooms.errors import UnknownRoom
from rooms.permissions import Permission, allowed
from signaling.channels import (
    desk_channels_of,
    desks_watching,
    room_channel,
    safeguarding_channels_of,
)
from signaling.dispatch import GuardedNamespace, Session, event
from signaling.errors import DevTokenRefused, MissingToken
from signaling.payloads import (
    HelpAnswered,
    HelpAnswerPush,
    NoAnswer,
    QualityAnswer,
    RoomsAnswer,
    quality,
    room_snapshot,
)
from signaling.schemas import Empty, HelpAnswer, RoomQuery


class CoordinationNamespace(GuardedNamespace):
    """Her centres' rooms at a glance, for the coordinators' desk (the ``desk`` role and
    staff)."""

    role = "desk"

    async def authenticate(
        self, sid: str, auth: Mapping[str, object], request: web.BaseRequest
    ) -> Session:
        if isinstance(auth.get("token"), str):
            if not self.deps.dev_mode:
                raise DevTokenRefused("the desk takes a staff session (MAJLIS_DEV is off)")
            return await super().authenticate(sid, auth, request)
        caller = await self.deps.staff_sessions(request.cookies)
        if caller is None:
            raise MissingToken("no token and no staff session")
        require_caller(caller, Permission.SEE_ALL_ROOMS)
        return Session(sid, caller, cookies=MappingProxyType(dict(request.cookies)))

    async def joined(self, session: Session) -> None:
        for channel in desk_channels_of(session.caller.scope):
            await self.enter_room(session.sid, channel)
        if allowed(session.caller.role, Permission.SAFEGUARDING_HANDLE):
            for channel in safeguarding_channels_of(session.caller.scope):
                await self.enter_room(session.sid, channel)
        await self.emit("rooms", await self.on_rooms(session, Empty()), to=session.sid)

    @event(Empty, Permission.SEE_ALL_ROOMS)
    async def on_rooms(self, session: Session, _data: Empty) -> RoomsAnswer:
        now = self.rooms.clock.now()
        return {
            "rooms": [
                room_snapshot(room, now)
                for room in self.rooms.rooms()
                if self._serves(session.caller, room.room_id)
            ]
        }

    @event(RoomQuery, Permission.SEE_QUALITY)
    async def on_quality(self, session: Session, data: RoomQuery) -> QualityAnswer:
        self.rooms.room(data.room)  # UnknownRoom for a room that does not exist
        if not self._serves(session.caller, data.room):
            raise UnknownRoom(data.room)  # another centre's room: as if it did not exist
        return quality(await self.media.stats(data.room), self.media.route_counters(data.room))

    @event(HelpAnswer, Permission.ALERT_HANDLE)
    async def on_help_answer(self, session: Session, data: HelpAnswer) -> NoAnswer:
        """A coordinator answers a booth's help of her centres: the answer goes to that booth's
        seat only (never the office's), and the desks of its centre hear it was answered."""
        now = self.rooms.clock.now()
        route = await self.deps.help.answer(
            data.alert,
            data.kind,
            data.text.strip(),
            session.caller.name,
            now,
            scope=session.caller.scope,
        )
        if route.room is not None:
            push: HelpAnswerPush = {
                "kind": data.kind,
                "text": data.text.strip(),
                "at": now.isoformat(),
            }
            await self.server.emit(
                "help_answer", push, to=room_channel(route.room), namespace="/booth"
            )
        answered: HelpAnswered = {"id": data.alert, "kind": data.kind}
        await self.emit("help_answered", answered, to=desks_watching(route.device))
        return {}

    def _serves(self, caller: Caller, room_id: str) -> bool:
        return caller.scope.covers_device(self.rooms.seats(room_id).booth_device)
