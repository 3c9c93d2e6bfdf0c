"""Reference data: what the apps' lists and labels come from (every signed-in staff member and
the office terminals), and the administrators' centres, request categories and departments.
Every administrator's change is audited: who, which entry, and the fields sent (reference data
holds no applicant's data)."""

from __future__ import annotations

import re

from aiohttp import web
from pydantic import BaseModel

from api import models
from api.edge import Route, audit, caller_of, json_answer, now_of, read_body, services_of
from foundation.scope import EVERY_CENTRE
from reference.errors import UnknownEntry
from reference.service import Centre, CentreChange, Entry, EntryChange, ListKind
from rooms.callers import CallerKind
from rooms.permissions import Permission, allowed

_CENTRE_CODE = re.compile(r"[a-z0-9_-]{1,32}")
_ENTRY_CODE = re.compile(r"[a-z0-9_-]{1,64}")
# How one entry of each list is named in an answer and in the audit log.
ONE_OF = {ListKind.CATEGORIES: "category", ListKind.DEPARTMENTS: "department"}


async def reference(request: web.Request) -> web.Response:
    """The centres the caller serves (an administrator, who keeps them, every one), the active
    categories and departments, the office terminals."""
    caller = caller_of(request)
    manages = allowed(caller.role, Permission.REFERENCE_MANAGE)
    scope = EVERY_CENTRE if manages else caller.scope
    # Names of people only for a person reading her centres' histories and logs.
    staff_of = scope if caller.kind is CallerKind.PERSON else None
    return json_answer(
        await services_of(request).reference.snapshot(scope=scope, staff_of=staff_of)
    )


def _code_in_path(request: web.Request, pattern: re.Pattern[str], what: str) -> str:
    """A code in a path; one that no entry could have answers like an unknown one (404)."""
    code = request.match_info["code"]
    if pattern.fullmatch(code) is None:
        raise UnknownEntry(f"{what} code")
    return code


def _what_was_sent(body: BaseModel) -> str:
    """The audit row's detail: the fields sent and their values (names, labels, hours)."""
    sent = body.model_dump(exclude_none=True, exclude={"code"})
    return "; ".join(f"{name}={value}" for name, value in sent.items())


# -- centres --------------------------------------------------------------------------------------


async def centre_list(request: web.Request) -> web.Response:
    return json_answer({"centres": await services_of(request).reference.centres()})


async def add_centre(request: web.Request) -> web.Response:
    body = await read_body(request, models.NewCentre)
    centre = await services_of(request).reference.add_centre(
        Centre(**body.model_dump()), now_of(request)
    )
    await audit(request, "reference.centre.add", f"centre:{centre.code}", _what_was_sent(body))
    return json_answer({"centre": centre}, status=201)


async def change_centre(request: web.Request) -> web.Response:
    code = _code_in_path(request, _CENTRE_CODE, "centre")
    body = await read_body(request, models.CentrePatch)
    centre = await services_of(request).reference.change_centre(
        code, CentreChange(**body.model_dump())
    )
    await audit(request, "reference.centre.change", f"centre:{code}", _what_was_sent(body))
    return json_answer({"centre": centre})


# -- categories and departments -------------------------------------------------------------------


def _entry_routes(kind: ListKind) -> tuple[Route, ...]:
    """The three routes of one list: every entry, a new one, a change to one."""
    one = ONE_OF[kind]

    async def entry_list(request: web.Request) -> web.Response:
        return json_answer({kind.value: await services_of(request).reference.entries(kind)})

    async def add_entry(request: web.Request) -> web.Response:
        body = await read_body(request, models.NewEntry)
        entry = await services_of(request).reference.add_entry(
            kind, Entry(**body.model_dump()), now_of(request)
        )
        await audit(request, f"reference.{one}.add", f"{one}:{entry.code}", _what_was_sent(body))
        return json_answer({one: entry}, status=201)

    async def change_entry(request: web.Request) -> web.Response:
        code = _code_in_path(request, _ENTRY_CODE, one)
        body = await read_body(request, models.EntryPatch)
        entry = await services_of(request).reference.change_entry(
            kind, code, EntryChange(**body.model_dump())
        )
        await audit(request, f"reference.{one}.change", f"{one}:{code}", _what_was_sent(body))
        return json_answer({one: entry})

    path = f"/api/admin/{kind.value}"
    return (
        Route("GET", path, Permission.REFERENCE_MANAGE, entry_list),
        Route("POST", path, Permission.REFERENCE_MANAGE, add_entry),
        Route("PATCH", f"{path}/{{code}}", Permission.REFERENCE_MANAGE, change_entry),
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/reference", Permission.REFERENCE_READ, reference),
    Route("GET", "/api/admin/centres", Permission.REFERENCE_MANAGE, centre_list),
    Route("POST", "/api/admin/centres", Permission.REFERENCE_MANAGE, add_centre),
    Route("PATCH", "/api/admin/centres/{code}", Permission.REFERENCE_MANAGE, change_centre),
    *_entry_routes(ListKind.CATEGORIES),
    *_entry_routes(ListKind.DEPARTMENTS),
)
