"""One table from role to permissions; code asks for a permission, never a role name."""

from __future__ import annotations

from enum import StrEnum

from rooms.errors import NotPermitted


class Permission(StrEnum):
    MEDIA_PUBLISH = "room.media.publish"  # send and receive the audience's audio/video
    PREFLIGHT = "room.preflight"
    ADMIT = "room.admit"
    EXTEND = "room.extend"
    PAUSE = "room.pause"
    END = "room.end"
    SEE_QUEUE = "room.queue.read"
    SEE_ALL_ROOMS = "room.state.read_all"
    SEE_QUALITY = "room.quality.read"


PERMISSIONS: dict[str, frozenset[Permission]] = {
    "booth": frozenset({Permission.MEDIA_PUBLISH, Permission.PREFLIGHT}),
    "office": frozenset(
        {
            Permission.MEDIA_PUBLISH,
            Permission.ADMIT,
            Permission.EXTEND,
            Permission.PAUSE,
            Permission.END,
            Permission.SEE_QUEUE,
        }
    ),
    # Coordinators watch every booth's state and connection quality; never the media.
    "desk": frozenset({Permission.SEE_ALL_ROOMS, Permission.SEE_QUALITY}),
}


def allowed(role: str, permission: Permission) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def require(role: str, permission: Permission) -> None:
    if not allowed(role, permission):
        raise NotPermitted(f"{role} may not {permission.value}")
