"""The HTTP JSON API of the desk, office and booth screens: one module per resource, each with
its own routes; ``ROUTES`` is the one table of them all (the authorization matrix test is
generated from it), ``api.edge`` is what every route goes through."""

from __future__ import annotations

from api import (
    device_self,
    devices,
    directory,
    office,
    reception,
    reference,
    reports,
    requests,
    safeguarding,
    scheduling,
    sessions,
    staff_admin,
)
from api.edge import Route

ROUTES: tuple[Route, ...] = (
    *requests.ROUTES,
    *scheduling.ROUTES,
    *office.ROUTES,
    *reports.ROUTES,
    *reception.ROUTES,
    *safeguarding.ROUTES,
    *devices.ROUTES,
    *device_self.ROUTES,
    *directory.ROUTES,
    *sessions.ROUTES,
    *reference.ROUTES,
    *staff_admin.ROUTES,
)
PUBLIC_ROUTES = frozenset((r.method, r.path) for r in ROUTES if r.permission is None)
