"""Least privilege: what each role may do, from the one table."""

from __future__ import annotations

import pytest

from rooms.errors import NotPermitted
from rooms.permissions import PERMISSIONS, Permission, allowed, require


def test_only_the_office_admits_extends_pauses_and_ends() -> None:
    for permission in (Permission.ADMIT, Permission.EXTEND, Permission.PAUSE, Permission.END):
        assert [role for role in PERMISSIONS if allowed(role, permission)] == ["office"]


def test_the_desk_never_gets_media() -> None:
    assert not allowed("desk", Permission.MEDIA_PUBLISH)
    assert allowed("desk", Permission.SEE_QUALITY)


def test_an_unknown_role_may_do_nothing() -> None:
    assert not any(allowed("visitor", permission) for permission in Permission)
    with pytest.raises(NotPermitted):
        require("visitor", Permission.SEE_ALL_ROOMS)


def test_the_booth_may_only_publish_run_preflight_call_for_help_and_use_its_own_device() -> None:
    assert PERMISSIONS["booth"] == {
        Permission.MEDIA_PUBLISH,
        Permission.PREFLIGHT,
        Permission.HELP,
        Permission.VOICE_ONLY,
        Permission.SAFEGUARDING_RAISE,
        Permission.DEVICE_SELF,
    }


def test_only_the_admin_manages_devices_and_the_admin_never_reads_requests() -> None:
    assert [role for role in PERMISSIONS if allowed(role, Permission.DEVICE_MANAGE)] == ["admin"]
    assert not allowed("admin", Permission.REQUEST_READ)
    assert [role for role in PERMISSIONS if allowed(role, Permission.OUTCOME_WRITE)] == ["office"]


def test_safeguarding_is_handled_by_coordinators_only() -> None:
    """Never by a supervisor's overview, the office or the booth itself."""
    holders = {role for role in PERMISSIONS if allowed(role, Permission.SAFEGUARDING_HANDLE)}
    assert holders == {"coordinator", "desk"}
