"""The Socket.IO rooms ("channels") the server pushes to, named in one place: a room's two
seats, an office terminal's queue, and the coordinators' desks — one channel per centre, and
one for the desks of staff who serve every centre, so a desk hears of its centres' booths
only."""

from __future__ import annotations

from foundation.scope import CentreScope, centre_of_device

DESK_EVERY_CENTRE = "desk"  # the /desk connections of staff who serve every centre
# The /desk connections of coordinators (safeguarding.handle) over every centre: they are on
# duty for each centre's safeguarding alerts; a supervisor's overview never is.
SAFEGUARDING_EVERY_CENTRE = "safeguarding"


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def office_channel(office_device: str) -> str:
    return f"office:{office_device}"


def desk_channel(centre: str) -> str:
    return f"desk:{centre}"


def desk_channels_of(scope: CentreScope) -> list[str]:
    """The desk channels a connection of ``scope`` listens on."""
    if scope.everywhere:
        return [DESK_EVERY_CENTRE]
    return [desk_channel(centre) for centre in sorted(scope.codes)]


def desks_watching(device: str) -> list[str]:
    """The desk channels that hear of a booth (its centre's, and every centre's): a device
    without a centre is heard of by every-centre desks only."""
    centre = centre_of_device(device)
    return [DESK_EVERY_CENTRE] if centre is None else [DESK_EVERY_CENTRE, desk_channel(centre)]


def safeguarding_channel(centre: str) -> str:
    return f"safeguarding:{centre}"


def safeguarding_channels_of(scope: CentreScope) -> list[str]:
    """The safeguarding channels a coordinator's desk of ``scope`` listens on."""
    if scope.everywhere:
        return [SAFEGUARDING_EVERY_CENTRE]
    return [safeguarding_channel(centre) for centre in sorted(scope.codes)]


def safeguarding_watchers(device: str) -> list[str]:
    """Who hears of a booth's safeguarding alert: the coordinators on duty for its centre (and
    those over every centre); never the desk channels, which supervisors share."""
    centre = centre_of_device(device)
    if centre is None:
        return [SAFEGUARDING_EVERY_CENTRE]
    return [SAFEGUARDING_EVERY_CENTRE, safeguarding_channel(centre)]
