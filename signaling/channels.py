"""The Socket.IO rooms ("channels") the server pushes to, named in one place: a room's two
seats, an office terminal's queue, and every coordinator's desk."""

from __future__ import annotations

DESK_CHANNEL = "desk"  # every connection of the /desk namespace


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def office_channel(office_device: str) -> str:
    return f"office:{office_device}"
