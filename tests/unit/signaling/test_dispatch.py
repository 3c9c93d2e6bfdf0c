"""The event rules of the namespaces: declared once on the handlers, derived into each
namespace's table, and the same as the protocol document says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rooms.permissions import Permission
from signaling.dispatch import GuardedNamespace, Session, event
from signaling.namespaces import KNOWN_EVENTS, NAMESPACES
from signaling.payloads import NoAnswer
from signaling.schemas import Empty, RoomQuery

PROTOCOL = Path(__file__).parents[3] / "docs" / "PROTOCOL.md"


def documented_events() -> dict[str, tuple[set[str], str]]:
    """event -> (namespaces, permission) from the "Client → server events" table."""
    text = PROTOCOL.read_text(encoding="utf-8")
    section = text.split("## Client → server events", 1)[1].split("\n## ", 1)[0]
    table = section.split("| event |", 1)[1].split("\n\n", 1)[0]
    events: dict[str, tuple[set[str], str]] = {}
    for row in table.splitlines()[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        namespaces = {f"/{name.strip()}" for name in cells[1].split(",")}
        permission = cells[-1].strip("`")
        for name in re.findall(r"`([a-z0-9_]+)`", cells[0]):
            events[name] = (namespaces, permission)
    return events


def test_every_handled_event_is_documented_with_its_namespaces_and_permission() -> None:
    derived = {
        name: (
            {f"/{ns.role}" for ns in NAMESPACES if name in ns.event_rules},
            next(
                (rule.permission.value if rule.permission else "—")
                for ns in NAMESPACES
                if (rule := ns.event_rules.get(name)) is not None
            ),
        )
        for name in KNOWN_EVENTS
    }
    assert derived == documented_events()


def test_a_subclass_inherits_its_parents_events_and_adds_its_own() -> None:
    class Parent(GuardedNamespace):
        @event(Empty, None)
        async def on_ping(self, _session: Session, _data: Empty) -> NoAnswer:
            return {}

    class Child(Parent):
        @event(RoomQuery, Permission.SEE_QUALITY)
        async def on_look(self, _session: Session, _data: RoomQuery) -> NoAnswer:
            return {}

    assert set(Parent.event_rules) == {"ping"}
    assert set(Child.event_rules) == {"ping", "look"}
    assert Child.event_rules["look"].schema is RoomQuery
    assert Child.event_rules["look"].permission is Permission.SEE_QUALITY


def test_a_handler_without_a_rule_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="on_dance has no @event rule"):

        class Careless(GuardedNamespace):
            async def on_dance(self, _session: Session, _data: Empty) -> NoAnswer:
                return {}


def test_an_event_handler_must_be_named_after_its_event() -> None:
    with pytest.raises(TypeError, match="on_<event>"):

        class Misnamed(GuardedNamespace):
            @event(Empty, None)
            async def dance(self, _session: Session, _data: Empty) -> NoAnswer:
                return {}
