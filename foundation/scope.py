"""Which centres a caller serves: a staff account's centres (``staff_centres``) or, by an
explicit choice on the account (``staff_accounts.all_centres``), every centre.

A centre's code is what ``requests.centre`` holds and the prefix of its booths' names
(``riyadh/booth-1``). Services take a ``CentreScope`` and filter their queries by it, so a
coordinator of Jeddah sees and acts on Jeddah's requests, appointments, booths and alerts
only; another centre's row answers like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, true


@dataclass(frozen=True)
class CentreScope:
    codes: frozenset[str] = frozenset()
    everywhere: bool = False  # an explicit choice, never what an empty scope means

    @classmethod
    def of(cls, codes: Iterable[str]) -> CentreScope:
        return cls(frozenset(codes))

    def covers(self, centre: str | None) -> bool:
        return self.everywhere or (centre is not None and centre in self.codes)

    def covers_device(self, device: str) -> bool:
        """Whether the centre a device's name starts with is served (``riyadh/booth-1``); a
        device without a centre (an office terminal) only by a scope over every centre."""
        return self.covers(centre_of_device(device))

    def where(self, centre: ColumnElement[str]) -> ColumnElement[bool]:
        """A query's condition on a column holding a centre code."""
        return true() if self.everywhere else centre.in_(sorted(self.codes))


EVERY_CENTRE = CentreScope(everywhere=True)
NO_CENTRE = CentreScope()


def centre_of_device(device: str) -> str | None:
    """``riyadh/booth-1`` → ``riyadh``; a name without a centre (``office-1``) → None."""
    centre, slash, _label = device.rpartition("/")
    return centre if slash else None
