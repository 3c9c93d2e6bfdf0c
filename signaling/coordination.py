"""``/desk``: coordinators and supervisors watching every room's state and connection
quality, never media. A desk terminal comes with its token; a signed-in staff member with the
session cookie the browser sends with the WebSocket handshake."""

from __future__ import annotations

from types import MappingProxyType

from aiohttp import web

from rooms.callers import require_caller
from rooms.permissions import Permission
from signaling.channels import DESK_CHANNEL
from signaling.dispatch import GuardedNamespace, Session, event
from signaling.errors import MissingToken
from signaling.payloads import QualityAnswer, RoomsAnswer, quality, room_snapshot
from signaling.schemas import Empty, RoomQuery


class CoordinationNamespace(GuardedNamespace):
    """Every room at a glance, for the coordinators' desk (the ``desk`` role and staff)."""

    role = "desk"

    async def authenticate(self, sid: str, token: object, request: web.BaseRequest) -> Session:
        if isinstance(token, str):
            return await super().authenticate(sid, token, request)
        caller = await self.deps.staff_sessions(request.cookies)
        if caller is None:
            raise MissingToken("no token and no staff session")
        require_caller(caller, Permission.SEE_ALL_ROOMS)
        return Session(sid, caller, cookies=MappingProxyType(dict(request.cookies)))

    async def joined(self, session: Session) -> None:
        await self.enter_room(session.sid, DESK_CHANNEL)
        await self.emit("rooms", await self.on_rooms(session, Empty()), to=session.sid)

    @event(Empty, Permission.SEE_ALL_ROOMS)
    async def on_rooms(self, _session: Session, _data: Empty) -> RoomsAnswer:
        now = self.rooms.clock.now()
        return {"rooms": [room_snapshot(room, now) for room in self.rooms.rooms()]}

    @event(RoomQuery, Permission.SEE_QUALITY)
    async def on_quality(self, _session: Session, data: RoomQuery) -> QualityAnswer:
        self.rooms.room(data.room)  # UnknownRoom for a room that does not exist
        return quality(await self.media.stats(data.room))
