"""Requests: register, read, change status, amend, refer, replies, close, the overdue
referrals and the desk's notices, search, the applicant's
contact update, and the applicant's public status lookup."""

from __future__ import annotations

from aiohttp import web

from api import models
from api.edge import (
    Route,
    actor_of,
    audit,
    caller_of,
    json_answer,
    now_of,
    path_id,
    read_body,
    services_of,
)
from casework.commands import ContactChange, Registration
from casework.errors import ApplicantExists
from casework.follow_up import Closing
from casework.lifecycle import RequestStatus
from rooms.permissions import Permission


async def register(request: web.Request) -> web.Response:
    body = await read_body(request, models.RegisterRequest)
    casework = services_of(request).casework
    try:
        registered = await casework.register(
            Registration(**body.model_dump()),
            actor_of(request),
            now_of(request),
            scope=caller_of(request).scope,
        )
    except ApplicantExists:
        # The refusal tells her that the national ID is registered (perhaps at another
        # centre): each one is audited, so a run of them is seen (never the ID itself).
        await audit(request, "request.register_refused", "applicant", "applicant_exists")
        raise
    await audit(request, "request.register", f"request:{registered.request_id}")
    return json_answer(
        {"id": registered.request_id, "tracking_number": registered.tracking_number}, status=201
    )


async def request_details(request: web.Request) -> web.Response:
    request_id = path_id(request)
    details = await services_of(request).casework_views.details(
        request_id, scope=caller_of(request).scope
    )
    await audit(request, "request.view", f"request:{request_id}")
    return json_answer(details)


async def change_status(request: web.Request) -> web.Response:
    body = await read_body(request, models.StatusChange)
    # The scheduler's use case: a cancelled request's appointment is cancelled with it.
    await services_of(request).scheduler.change_request_status(
        path_id(request),
        RequestStatus(body.status),
        actor_of(request),
        now_of(request),
        body.note,
        scope=caller_of(request).scope,
    )
    await audit(request, "request.status", f"request:{path_id(request)}", body.status)
    return json_answer({"ok": True})


async def amend(request: web.Request) -> web.Response:
    body = await read_body(request, models.Amendment)
    version = await services_of(request).casework.amend_text(
        path_id(request),
        body.text,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    return json_answer({"version": version})


async def refer(request: web.Request) -> web.Response:
    body = await read_body(request, models.Referral)
    referral = await services_of(request).casework.refer(
        path_id(request),
        body.department,
        body.due_on,
        body.note,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    return json_answer({"referral": referral}, status=201)


async def reply(request: web.Request) -> web.Response:
    body = await read_body(request, models.Reply)
    await services_of(request).casework.record_reply(
        path_id(request),
        body.reply,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    return json_answer({"ok": True})


async def close(request: web.Request) -> web.Response:
    body = await read_body(request, models.Closing)
    await services_of(request).follow_up.close(
        path_id(request),
        Closing(body.outcome),
        body.reason,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "request.close", f"request:{path_id(request)}", body.outcome)
    return json_answer({"ok": True})


async def overdue_referrals(request: web.Request) -> web.Response:
    overdue = await services_of(request).follow_up.overdue(
        now_of(request), scope=caller_of(request).scope
    )
    return json_answer({"referrals": overdue})


async def desk_notices(request: web.Request) -> web.Response:
    notices = await services_of(request).follow_up.notices_today(
        now_of(request), scope=caller_of(request).scope
    )
    return json_answer({"notices": notices})


async def update_contact(request: web.Request) -> web.Response:
    body = await read_body(request, models.ContactUpdate)
    updated = await services_of(request).casework.update_contact(
        path_id(request),
        ContactChange(**body.model_dump()),
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(
        request,
        "applicant.contact_update",
        f"applicant:{updated.applicant_id}",
        f"request:{path_id(request)} {','.join(updated.changed) or 'unchanged'}",
    )
    return json_answer({"changed": updated.changed})


async def lookup(request: web.Request) -> web.Response:
    body = await read_body(request, models.Lookup)
    client = request.remote or "unknown"
    found = await services_of(request).casework.status_of(
        body.tracking_number, body.phone_last_four, client
    )
    return json_answer(
        {
            "status": found.status,
            "message_key": f"status.{found.status}",
            "since": found.since,
            "next_key": f"status_next.{found.status}",
        }
    )


async def search(request: web.Request) -> web.Response:
    query = models.SearchQuery.model_validate(dict(request.query))
    found = await services_of(request).casework_views.search(
        query.q, scope=caller_of(request).scope
    )
    await audit(request, "request.search", "requests", f"{len(found)} found")
    return json_answer({"requests": found})


async def appointments_of(request: web.Request) -> web.Response:
    calls = await services_of(request).scheduler_views.calls_of(
        path_id(request), scope=caller_of(request).scope
    )
    return json_answer({"appointments": calls})


ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/requests", Permission.REQUEST_WRITE, register),
    Route("GET", "/api/requests/{id}", Permission.REQUEST_READ, request_details),
    Route("POST", "/api/requests/{id}/status", Permission.REQUEST_WRITE, change_status),
    Route("POST", "/api/requests/{id}/text", Permission.REQUEST_WRITE, amend),
    Route("POST", "/api/requests/{id}/referrals", Permission.REQUEST_WRITE, refer),
    Route("POST", "/api/requests/{id}/close", Permission.REQUEST_WRITE, close),
    Route("POST", "/api/referrals/{id}/reply", Permission.REQUEST_WRITE, reply),
    Route("GET", "/api/referrals/overdue", Permission.REQUEST_READ, overdue_referrals),
    Route("GET", "/api/notices", Permission.REQUEST_READ, desk_notices),
    Route(
        "POST",
        "/api/applicants/by-request/{id}/contact",
        Permission.REQUEST_WRITE,
        update_contact,
    ),
    Route("GET", "/api/requests", Permission.REQUEST_READ, search),
    Route("GET", "/api/requests/{id}/appointments", Permission.REQUEST_READ, appointments_of),
    Route("POST", "/api/status-lookup", None, lookup),  # public: the applicant's own check
)
