"""TURN REST credentials, checked against openssl's HMAC-SHA1 (an independent
implementation, as coturn computes it)."""

from __future__ import annotations

import subprocess

from rooms.turn import turn_credentials


def test_credentials_match_coturns_use_auth_secret_scheme() -> None:
    credentials = turn_credentials(
        ["turns:turn.example.sa:5349"], "s3cret", "room-1:booth", 1800000000
    )
    assert credentials.username == "1800000000:room-1:booth"
    expected = subprocess.run(
        "printf %s '1800000000:room-1:booth' | openssl dgst -sha1 -hmac s3cret -binary | base64",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert credentials.credential == expected
    assert credentials.as_ice_server()["urls"] == ["turns:turn.example.sa:5349"]
