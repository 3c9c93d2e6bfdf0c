"""Safeguarding rules as pure functions: who hears of an alert, how long the booth may take
it back, and the stage an alert is at. No database, no network; the clock is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from foundation.scope import CentreScope


@dataclass(frozen=True)
class SafeguardingSettings:
    """``MAJLIS_SAFEGUARDING_UNDO_S``: a mistaken press can be taken back this long after it
    (long enough to notice and touch "undo", short enough that the coordinator is not left
    wondering)."""

    undo_window: timedelta = timedelta(seconds=8)


class Stage(StrEnum):
    RAISED = "raised"  # on the board, sounding
    WITHDRAWN = "withdrawn"  # taken back from the booth in the undo window: on the board, quiet
    ACKNOWLEDGED = "acknowledged"  # a coordinator has it
    HANDLED = "handled"  # closed, with how it was handled


@dataclass(frozen=True)
class Moments:
    raised_at: datetime
    withdrawn_at: datetime | None = None
    acknowledged_at: datetime | None = None
    handled_at: datetime | None = None


def stage_of(moments: Moments) -> Stage:
    if moments.handled_at is not None:
        return Stage.HANDLED
    if moments.acknowledged_at is not None:
        return Stage.ACKNOWLEDGED
    if moments.withdrawn_at is not None:
        return Stage.WITHDRAWN
    return Stage.RAISED


def may_withdraw(moments: Moments, now: datetime, settings: SafeguardingSettings) -> bool:
    """The booth takes back a press within the undo window, before anyone acknowledged it."""
    return stage_of(moments) is Stage.RAISED and now - moments.raised_at <= settings.undo_window


def hears_of(scope: CentreScope, centre: str | None) -> bool:
    """Whether a coordinator of ``scope`` is on duty for an alert of ``centre``: her centres
    only (an account over every centre hears of every centre's)."""
    return scope.covers(centre)
