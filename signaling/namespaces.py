"""The namespaces a Majlis server has, the events they handle (derived from their
``@event`` methods, never listed by hand), and their registration on the Socket.IO server."""

from __future__ import annotations

import socketio

from signaling.broadcast import RoomBroadcaster
from signaling.coordination import CoordinationNamespace
from signaling.dispatch import GuardedNamespace, SignalingDeps
from signaling.seats import BoothNamespace, OfficeNamespace

NAMESPACES: tuple[type[GuardedNamespace], ...] = (
    BoothNamespace,
    OfficeNamespace,
    CoordinationNamespace,
)


def known_events(namespaces: tuple[type[GuardedNamespace], ...]) -> frozenset[str]:
    """Every event some namespace handles."""
    return frozenset(name for namespace in namespaces for name in namespace.event_rules)


KNOWN_EVENTS = known_events(NAMESPACES)


def register_namespaces(
    server: socketio.AsyncServer, deps: SignalingDeps
) -> list[GuardedNamespace]:
    """One instance of each namespace on ``server``, and the broadcaster of room changes."""
    registered = [kind(deps) for kind in NAMESPACES]
    for namespace in registered:
        server.register_namespace(namespace)
    deps.rooms.subscribe(RoomBroadcaster(server, deps.rooms))
    return registered
