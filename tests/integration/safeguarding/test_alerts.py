"""One open safeguarding alert per booth and audience: a second press in the same audience is
the same alert; the next woman's press at that booth is her own, even while an earlier
woman's alert is still open (the adversary's finding: it was merged into the earlier one,
nobody was told, and her audience could not be paused)."""

from __future__ import annotations

import pytest

from foundation.scope import EVERY_CENTRE
from majlis.components import pii_cipher
from safeguarding.alerts import SafeguardingAlert, SafeguardingDesk
from safeguarding.errors import NotPaused
from safeguarding.rules import SafeguardingSettings
from tests.integration.casework.conftest import Office


async def test_the_next_womans_press_at_the_booth_is_a_new_alert(office: Office) -> None:
    told: list[SafeguardingAlert] = []
    paused: list[str] = []

    async def listener(alert: SafeguardingAlert) -> None:
        told.append(alert)

    async def pause(room: str) -> None:
        paused.append(room)

    async def resume(_room: str) -> bool:
        return True

    desk = SafeguardingDesk(
        office.engine,
        pii_cipher(office.settings),
        SafeguardingSettings(),
        listener,
        pause,
        resume,
    )
    now = office.clock.now()
    first = await desk.raise_alert("riyadh/booth-1", "appt-1", now)
    again = await desk.raise_alert("riyadh/booth-1", "appt-1", now)  # the same audience
    assert again.id == first.id
    second = await desk.raise_alert("riyadh/booth-1", "appt-2", now)  # the next woman
    assert second.id != first.id
    assert [(a.id, a.room) for a in told] == [(first.id, "appt-1"), (second.id, "appt-2")]


async def test_closing_an_alert_whose_audience_the_desk_paused_lets_it_go_on(
    office: Office,
) -> None:
    """The adversary's finding: closed while paused, the alert left the board with its resume
    button, and nobody could lift the pause any more."""
    resumed: list[str] = []

    async def nothing(_alert: object) -> None:
        return None

    async def pause(_room: str) -> None:
        return None

    async def resume(room: str) -> bool:
        resumed.append(room)
        return True

    desk = SafeguardingDesk(
        office.engine, pii_cipher(office.settings), SafeguardingSettings(), nothing, pause, resume
    )
    now = office.clock.now()
    alert = await desk.raise_alert("riyadh/booth-1", "appt-1", now)
    assert (await desk.pause_audience(alert.id, "coordinator1", now, scope=EVERY_CENTRE)).paused
    closed = await desk.handle(alert.id, "coordinator1", "", now, scope=EVERY_CENTRE)
    assert (resumed, closed.paused) == (["appt-1"], False)


async def test_a_resume_after_the_office_ended_the_paused_audience_clears_the_pause(
    office: Office,
) -> None:
    """The room ended while the desk held it paused: resume is refused (nothing to lift), and
    the alert is no longer "paused" (before, it stayed so and every resume was refused)."""
    told: list[SafeguardingAlert] = []

    async def listener(alert: SafeguardingAlert) -> None:
        told.append(alert)

    async def pause(_room: str) -> None:
        return None

    async def resume(_room: str) -> bool:
        return False  # the audience is over

    desk = SafeguardingDesk(
        office.engine, pii_cipher(office.settings), SafeguardingSettings(), listener, pause, resume
    )
    now = office.clock.now()
    alert = await desk.raise_alert("riyadh/booth-1", "appt-1", now)
    assert (await desk.pause_audience(alert.id, "coordinator1", now, scope=EVERY_CENTRE)).paused
    with pytest.raises(NotPaused):
        await desk.resume_audience(alert.id, now, scope=EVERY_CENTRE)
    assert told[-1].paused is False
    with pytest.raises(NotPaused):  # and a second press says the same, without a room call
        await desk.resume_audience(alert.id, now, scope=EVERY_CENTRE)
