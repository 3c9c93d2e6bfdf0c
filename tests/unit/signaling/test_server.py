"""Which text packets a client may send reach python-socketio; the rest are named and dropped."""

from __future__ import annotations

import pytest
from socketio.packet import Packet

from signaling.server import packet_problem


@pytest.mark.parametrize(
    "encoded",
    ['0/booth,{"token":"x"}', '2/booth,["offer",{"sdp":"v=0"}]', '2/booth,7["state"]', "1/booth,"],
)
def test_well_formed_packets_pass(encoded: str) -> None:
    assert packet_problem(encoded, Packet) is None


@pytest.mark.parametrize(
    ("encoded", "problem"),
    [
        ("\x00", "does not decode (ValueError)"),
        ('2/booth,["state",' + "[" * 20_000 + "]" * 20_000 + "]", "does not decode"),
        ("2/booth,[" + "9" * 5000 + "]", "does not decode (ValueError)"),
        ("2/booth,", "an event is not [name, ...]"),
        ("2/booth,{}", "an event is not [name, ...]"),
        ("2/booth,[1,2]", "an event is not [name, ...]"),
        ("3/booth,1{}", "an acknowledgement is not a list"),
        ('4/booth,{"message":"x"}', "type 4 is not sent by clients"),
        ("9", "type 9 is not sent by clients"),
        ("0/booth,[1]", "connect data is not an object"),
    ],
)
def test_malformed_packets_are_named(encoded: str, problem: str) -> None:
    assert (packet_problem(encoded, Packet) or "").startswith(problem)
