"""Ephemeral TURN credentials in coturn's ``use-auth-secret`` (TURN REST API) format.

username = ``<expiry unix time>:<seat>``, credential = base64(HMAC-SHA1(shared secret,
username)). coturn accepts them until the expiry, which we set to the end of the seat's
appointment window, never later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class TurnCredentials:
    urls: list[str]
    username: str
    credential: str

    def as_ice_server(self) -> dict[str, object]:
        return {"urls": self.urls, "username": self.username, "credential": self.credential}


def turn_credentials(
    urls: list[str], shared_secret: str, seat: str, expires: int
) -> TurnCredentials:
    username = f"{expires}:{seat}"
    digest = hmac.new(shared_secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(list(urls), username, base64.b64encode(digest).decode("ascii"))
