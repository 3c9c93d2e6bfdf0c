"""An administrator's management of staff accounts (``/api/admin/staff``): list, create with a
one-time password shown once, change the name or the centres served, disable, reset the
password, see and end the sessions. The rules are ``accounts.staff``'s (the command line's
too); every change is audited with the administrator's name, the account and what changed."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from accounts.staff import AccountChange, NewAccount, StaffListing, normalised_username
from api import models
from api.edge import Route, audit, caller_of, json_answer, now_of, path_id, read_body, services_of
from rooms.permissions import Permission


def _listing(account: StaffListing) -> dict[str, Any]:
    return {
        "id": account.id,
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "active": account.active,
        "all_centres": account.all_centres,
        "centres": list(account.centres),
        "mfa_enrolled": account.mfa_enrolled,
        "must_change_password": account.must_change_password,
        "sessions": account.sessions,
    }


def _served(centres: list[str] | tuple[str, ...] | None, all_centres: bool | None) -> str:
    if all_centres:
        return "every centre"
    if centres is None:
        return "centres unchanged"
    return f"centres {','.join(sorted(set(centres)))}" if centres else "no centre"


async def staff_list(request: web.Request) -> web.Response:
    accounts = await services_of(request).staff.listing()
    return json_answer({"staff": [_listing(a) for a in accounts]})


async def create_staff(request: web.Request) -> web.Response:
    body = await read_body(request, models.NewStaff)
    account = NewAccount(
        body.username, body.role, body.display_name, tuple(body.centres), body.all_centres
    )
    account_id, password = await services_of(request).staff.add(account, now_of(request))
    detail = f"role={body.role}; {_served(body.centres, body.all_centres)}"
    await audit(request, "staff.created", f"staff:{normalised_username(body.username)}", detail)
    return json_answer({"id": account_id, "one_time_password": password}, status=201)


async def change_staff(request: web.Request) -> web.Response:
    body = await read_body(request, models.StaffChange)
    change = AccountChange(
        body.display_name, None if body.centres is None else tuple(body.centres), body.all_centres
    )
    account = await services_of(request).staff.change(path_id(request), change)
    changed = ",".join(sorted(body.model_fields_set)) or "nothing"
    detail = f"{changed}; {_served(account.centres, account.all_centres)}"
    await audit(request, "staff.changed", f"staff:{account.username}", detail)
    return json_answer(_listing(account))


async def disable_staff(request: web.Request) -> web.Response:
    admin = caller_of(request)
    username, ended = await services_of(request).staff.disable(
        path_id(request), by_account=admin.account_id
    )
    await audit(request, "staff.disabled", f"staff:{username}", f"sessions={ended}")
    return json_answer({"ok": True, "sessions_ended": ended})


async def enable_staff(request: web.Request) -> web.Response:
    username = await services_of(request).staff.enable(path_id(request))
    await audit(request, "staff.enabled", f"staff:{username}")
    return json_answer({"ok": True})


async def reset_password(request: web.Request) -> web.Response:
    username, password, ended = await services_of(request).staff.reset_password(path_id(request))
    await audit(request, "staff.password_reset", f"staff:{username}", f"sessions={ended}")
    return json_answer({"one_time_password": password, "sessions_ended": ended})


async def staff_sessions(request: web.Request) -> web.Response:
    sessions = await services_of(request).staff.sessions(path_id(request))
    return json_answer(
        {
            "sessions": [
                {"started_at": s.started_at.isoformat(), "last_seen_at": s.last_seen_at.isoformat()}
                for s in sessions
            ]
        }
    )


async def end_sessions(request: web.Request) -> web.Response:
    username, ended = await services_of(request).staff.end_sessions(path_id(request))
    await audit(request, "staff.sessions_ended", f"staff:{username}", f"sessions={ended}")
    return json_answer({"sessions_ended": ended})


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/admin/staff", Permission.STAFF_MANAGE, staff_list),
    Route("POST", "/api/admin/staff", Permission.STAFF_MANAGE, create_staff),
    Route("PATCH", "/api/admin/staff/{id}", Permission.STAFF_MANAGE, change_staff),
    Route("POST", "/api/admin/staff/{id}/disable", Permission.STAFF_MANAGE, disable_staff),
    Route("POST", "/api/admin/staff/{id}/enable", Permission.STAFF_MANAGE, enable_staff),
    Route("POST", "/api/admin/staff/{id}/reset-password", Permission.STAFF_MANAGE, reset_password),
    Route("GET", "/api/admin/staff/{id}/sessions", Permission.STAFF_MANAGE, staff_sessions),
    Route("POST", "/api/admin/staff/{id}/sessions/end", Permission.STAFF_MANAGE, end_sessions),
)
