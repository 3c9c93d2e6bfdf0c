"""What the booth is told of the applicant seated at it: her first name, wording and tracking
number while her audience is to come, and nothing of her once it is over."""

from __future__ import annotations

import pytest

from majlis.app import DEVICES
from tests.integration.api.test_api import REGISTRATION, Api, api  # noqa: F401 - a fixture
from tests.integration.api.test_devices import Client, clients, enrolled  # noqa: F401 - a fixture
from tests.integration.api.test_scheduling import BOOTH, confirmed_at_the_booth
from tests.integration.signaling.conftest import LiveServer

# The `api` fixture's desk is a signed dev terminal token: a server in development mode.
pytestmark = pytest.mark.parametrize("live", [{"dev": True}], indirect=True)
HER = {"first_name", "text", "tracking_number"}


async def test_the_booth_is_told_nothing_of_her_once_she_has_rated_her_audience(
    live: LiveServer,
    api: Api,  # noqa: F811
    clients: list[Client],  # noqa: F811
) -> None:
    ((_, appointment),) = await confirmed_at_the_booth(api, [REGISTRATION])
    status, _ = await api.call("POST", f"/api/appointments/{appointment}/check-in")
    assert status == 200
    devices = live.app[DEVICES]
    booth_id = (await devices.by_name(BOOTH)).id
    code = (await devices.start_enrollment(booth_id, live.clock.now())).code
    booth = await enrolled(live, clients, code)

    status, me = await booth.call("GET", "/api/device")
    assert status == 200, me
    assert me["assignment"]["text"] == REGISTRATION["text"]
    assert set(me["assignment"]) >= HER

    status, _ = await booth.call("POST", "/api/device/rating", json={"stars": 5})
    assert status == 200
    status, me = await booth.call("GET", "/api/device")
    assert (status, me["assignment"]["rated"]) == (200, True)
    assert not HER & set(me["assignment"]), me
