"""Room changes pushed to clients: every change of a room goes to its two seats, the office
terminal's queue and the desks of its booth's centre; an ended room's seats are disconnected
a moment later."""

from __future__ import annotations

import asyncio

import socketio

from rooms.service import RoomChange, RoomService
from rooms.state import EventKind
from signaling.channels import desks_watching, office_channel, room_channel
from signaling.payloads import Ended, TimeWarning, office_queue, room_snapshot

DISCONNECT_AFTER_END_S = 0.5
SEAT_NAMESPACES = ("/booth", "/office")


class RoomBroadcaster:
    """A ``RoomService`` listener: pushes every room change to the room's seats, the office
    queue and the desk."""

    def __init__(self, server: socketio.AsyncServer, rooms: RoomService) -> None:
        self._server = server
        self._rooms = rooms
        self._pending: set[asyncio.Task[None]] = set()

    async def __call__(self, change: RoomChange) -> None:
        now = self._rooms.clock.now()
        snapshot = room_snapshot(change.room, now)
        channel = room_channel(change.room.room_id)
        for namespace in SEAT_NAMESPACES:
            await self._server.emit("room_state", snapshot, to=channel, namespace=namespace)
            if change.event.kind is EventKind.WARN:
                warning: TimeWarning = {
                    "minutes": int(change.event.detail),
                    "server_time": now.isoformat(),
                }
                await self._server.emit("warning", warning, to=channel, namespace=namespace)
            if change.room.is_over:
                ended: Ended = {"state": change.room.state.value, "reason": change.room.reason}
                await self._server.emit("ended", ended, to=channel, namespace=namespace)
        if change.room.is_over:
            # After a moment, so the answer to the office's own "end" still reaches it.
            task = asyncio.create_task(self._disconnect_seats(channel))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        if change.event.kind is EventKind.ADMIT:
            await self._server.emit("admitted", snapshot, to=channel, namespace="/booth")
        seats = self._rooms.seats(change.room.room_id)
        await self._server.emit(
            "queue",
            office_queue(self._rooms, seats.office_device),
            to=office_channel(seats.office_device),
            namespace="/office",
        )
        desks = desks_watching(seats.booth_device)
        await self._server.emit("room_state", snapshot, to=desks, namespace="/desk")

    async def _disconnect_seats(self, channel: str) -> None:
        """An ended room keeps nobody: its booth and office connections are closed."""
        await asyncio.sleep(DISCONNECT_AFTER_END_S)
        for namespace in SEAT_NAMESPACES:
            seated = list(self._server.manager.get_participants(namespace, channel))
            for sid, _eio_sid in seated:
                await self._server.disconnect(sid, namespace=namespace)
