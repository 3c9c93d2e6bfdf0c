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
    REQUEST_READ = "request.read"
    REQUEST_WRITE = "request.write"
    BOOKING_WRITE = "booking.write"
    SCHEDULE_READ = "schedule.read"  # the booking calendar: sittings, slots, standby
    OFFICE_QUEUE = "office.queue.read"  # the office's own terminal's audiences of today
    STATISTICS_READ = "statistics.read"
    SIGNED_IN = "session.own"  # see and end one's own staff session
    HELP = "room.help"  # the applicant's discreet help button
    VOICE_ONLY = "room.voice_only"  # the applicant's choice: no video of her leaves the booth
    # Issue 16: the booth's discreet safeguarding alert, and its handling by the coordinators
    # on duty for that centre (never a supervisor's overview, the office, another centre).
    SAFEGUARDING_RAISE = "safeguarding.raise"
    SAFEGUARDING_HANDLE = "safeguarding.handle"
    DEVICE_SELF = "device.self"  # an enrolled device: its assignment, join tokens, heartbeat
    DEVICE_MANAGE = "device.manage"  # enroll and revoke devices
    ALERT_HANDLE = "alert.handle"  # mark a booth's alert as handled
    OUTCOME_WRITE = "request.outcome"  # the office records an audience's outcome
    # Tracking numbers and request ids in schedules and queues (a supervisor sees neither).
    REQUEST_IDENTITY = "request.identity"
    # Issue 13, administration. The lists the apps offer (centres, booths, office terminals,
    # categories, departments): every signed-in staff member, never anonymous callers.
    REFERENCE_READ = "reference.read"
    REFERENCE_MANAGE = "reference.manage"  # centres, categories, departments: add and edit
    STAFF_MANAGE = "staff.manage"  # staff accounts and their sessions
    # A booth out of service and back, and moving the appointments it affects: the centre's
    # coordinators (the booth breaks during their day) and administrators.
    DEVICE_SERVICE = "device.service"
    # Issue 14: walk-in visits and enquiry calls of her centres, recorded at the desk.
    RECEPTION = "reception.record"


_COORDINATION = frozenset(
    {
        Permission.SEE_ALL_ROOMS,
        Permission.SEE_QUALITY,
        Permission.REQUEST_READ,
        Permission.REQUEST_WRITE,
        Permission.BOOKING_WRITE,
        Permission.SCHEDULE_READ,
        Permission.STATISTICS_READ,
        Permission.ALERT_HANDLE,
        Permission.REQUEST_IDENTITY,
        Permission.REFERENCE_READ,
        Permission.DEVICE_SERVICE,
        Permission.RECEPTION,
        Permission.SAFEGUARDING_HANDLE,
    }
)

PERMISSIONS: dict[str, frozenset[Permission]] = {
    "booth": frozenset(
        {
            Permission.MEDIA_PUBLISH,
            Permission.PREFLIGHT,
            Permission.HELP,
            Permission.VOICE_ONLY,
            Permission.DEVICE_SELF,
            Permission.SAFEGUARDING_RAISE,
        }
    ),
    "office": frozenset(
        {
            Permission.MEDIA_PUBLISH,
            Permission.ADMIT,
            Permission.EXTEND,
            Permission.PAUSE,
            Permission.END,
            Permission.SEE_QUEUE,
            Permission.OFFICE_QUEUE,  # its own terminal's queue, today's only
            Permission.OUTCOME_WRITE,  # briefs and outcomes of its own terminal's audiences
            Permission.REQUEST_IDENTITY,
            Permission.DEVICE_SELF,
            Permission.SIGNED_IN,
            Permission.REFERENCE_READ,
        }
    ),
    # Coordinators run the requests and bookings and watch every booth's state and
    # connection quality; never the media. "desk" is a coordinator's desk terminal.
    "desk": _COORDINATION,
    "coordinator": _COORDINATION | {Permission.SIGNED_IN},
    # Oversight: states, quality, schedules and figures; no applicant's request or identity.
    "supervisor": frozenset(
        {
            Permission.SEE_ALL_ROOMS,
            Permission.SEE_QUALITY,
            Permission.SCHEDULE_READ,
            Permission.STATISTICS_READ,
            Permission.SIGNED_IN,
            Permission.REFERENCE_READ,
        }
    ),
    # Devices, accounts and reference data; no request content.
    "admin": frozenset(
        {
            Permission.SIGNED_IN,
            Permission.DEVICE_MANAGE,
            Permission.DEVICE_SERVICE,
            Permission.REFERENCE_READ,
            Permission.REFERENCE_MANAGE,
            Permission.STAFF_MANAGE,
        }
    ),
}


# What a role holds only as a signed-in member at an enrolled terminal of that role — the
# terminal and the person, both: neither the terminal alone nor the member away from it holds
# these (the office's data is read at the office's own terminal).
AT_OWN_TERMINAL: dict[str, frozenset[Permission]] = {
    "office": frozenset({Permission.OFFICE_QUEUE, Permission.OUTCOME_WRITE}),
}


def allowed(role: str, permission: Permission) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def require(role: str, permission: Permission) -> None:
    if not allowed(role, permission):
        raise NotPermitted(f"{role} may not {permission.value}")
