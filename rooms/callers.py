"""Who is calling: a ``Caller`` principal, built at the edges (HTTP, Socket.IO) from whatever
credential came in, and the one question the code asks of it (``require``).

A caller is one of three kinds, each with its own way in (docs/ARCHITECTURE.md, security):
a signed-in staff member (``person``), an enrolled booth or office terminal (``device``), or a
seat in one room holding a signed join/resume token (``seat``). The role decides the
permissions (``rooms.permissions``); some permissions also need one kind of caller.

A person also carries the centres her account serves (``scope``): services filter requests,
appointments, booths and alerts by it. A device or a seat is bound by its own narrower rule
(its own seat's room, its own terminal), not by centres; a person without centres sees none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from foundation.scope import EVERY_CENTRE, NO_CENTRE, CentreScope
from rooms.errors import NotPermitted
from rooms.permissions import AT_OWN_TERMINAL, Permission, require
from rooms.tokens import TokenClaims


class CallerKind(StrEnum):
    PERSON = "person"  # a staff member signed in with a session cookie
    DEVICE = "device"  # an enrolled booth or office terminal
    SEAT = "seat"  # a signed token bound to one room (or the dev terminal tokens)


# Permissions bound to one kind of caller, whatever the role's name ("office" is both a
# person's role and a terminal's): a device's own routes need an enrolled device, and one's
# own staff session needs a signed-in person.
CALLER_KIND_OF: dict[Permission, CallerKind] = {
    Permission.DEVICE_SELF: CallerKind.DEVICE,
    Permission.SAFEGUARDING_RAISE: CallerKind.DEVICE,
    Permission.SIGNED_IN: CallerKind.PERSON,
}


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    role: str
    name: str  # the staff member's username, or the device's name (riyadh/booth-1)
    room: str | None = None  # the room a seat is bound to; None for a person or a device
    account_id: int | None = None  # a person's staff account
    terminal: str | None = None  # the enrolled terminal a signed-in person calls from
    centres: CentreScope | None = None  # a person's centres, from her staff session

    @property
    def scope(self) -> CentreScope:
        """The centres whose data this caller may see and act on."""
        if self.centres is not None:
            return self.centres
        return NO_CENTRE if self.kind is CallerKind.PERSON else EVERY_CENTRE

    @property
    def audit_name(self) -> str:
        """How the audit log names this caller (at most 64 characters)."""
        return self.name[:64]


def seat_caller(claims: TokenClaims) -> Caller:
    """The seat a verified join/resume (or dev terminal) token admits."""
    return Caller(CallerKind.SEAT, claims.role, claims.device, claims.room)


def at_terminal(person: Caller, device: Caller) -> Caller:
    """A signed-in person calling from an enrolled device: at a terminal of her own role (an
    office member at an office terminal) she is that terminal's member; at any other device
    she is only herself."""
    if device.kind is not CallerKind.DEVICE or device.role != person.role:
        return person
    return replace(person, terminal=device.name)


def require_caller(caller: Caller, permission: Permission) -> None:
    """Raise ``NotPermitted`` unless the caller's role has the permission and, where the
    permission is bound to a kind of caller, the caller is of that kind; what a role holds
    only at its own terminal needs a signed-in person at such a terminal."""
    require(caller.role, permission)
    wanted = CALLER_KIND_OF.get(permission)
    if wanted is not None and caller.kind != wanted:
        raise NotPermitted(f"{permission.value} needs a {wanted.value} caller")
    if permission in AT_OWN_TERMINAL.get(caller.role, frozenset()) and (
        caller.kind is not CallerKind.PERSON or caller.terminal is None
    ):
        raise NotPermitted(
            f"{permission.value} needs a member signed in at a {caller.role} terminal"
        )
