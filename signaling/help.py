"""What signalling needs to carry a booth's help and a coordinator's answer (``HelpPort``,
``devices.help`` behind it, wired in ``majlis.app``), and where an answer goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from foundation.scope import CentreScope


@dataclass(frozen=True)
class HelpRoute:
    """The booth an answer is for, and its room (None: asked outside a room)."""

    device: str
    room: str | None


class HelpPort(Protocol):
    async def ask(self, device: str, room: str | None, reason: str, now: datetime) -> int:
        """The booth's open help alert's id, with ``reason`` kept with it."""

    async def answer(
        self,
        alert_id: int,
        kind: str,
        text: str,
        author: str,
        now: datetime,
        *,
        scope: CentreScope,
    ) -> HelpRoute:
        """Keep a coordinator's answer; the registry's typed error (``unknown_alert``) for an
        alert that is not open, not a help alert, or of a centre she does not serve."""
