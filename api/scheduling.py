"""Sittings, slots, standby, bookings, confirmation calls, check-in and check-out."""

from __future__ import annotations

from aiohttp import web

from api import models
from api.edge import (
    Route,
    actor_of,
    audit,
    caller_of,
    identified,
    json_answer,
    now_of,
    path_id,
    read_body,
    services_of,
)
from rooms.permissions import Permission


async def create_sitting(request: web.Request) -> web.Response:
    body = await read_body(request, models.Sitting)
    sitting = await services_of(request).scheduler.create_sitting(
        body.office_device, body.starts_at, body.ends_at, now_of(request)
    )
    return json_answer({"sitting": sitting}, status=201)


async def sitting_slots(request: web.Request) -> web.Response:
    slots = await services_of(request).scheduler_views.slots_of(path_id(request))
    return json_answer({"slots": slots})


async def add_standby(request: web.Request) -> web.Response:
    body = await read_body(request, models.Standby)
    await services_of(request).standby.add(
        path_id(request), body.request_id, now_of(request), scope=caller_of(request).scope
    )
    return json_answer({"ok": True})


async def standby_list(request: web.Request) -> web.Response:
    """The sitting's standby list, after the priority rebooking list of the caller's centres
    (technical failures: called before every standby)."""
    services, scope = services_of(request), caller_of(request).scope
    entries = await services.standby.entries(path_id(request), scope=scope)
    priority = await services.priority_rebooking.entries(scope=scope)
    if not identified(request):
        return json_answer({"waiting": len(entries), "priority_waiting": len(priority)})
    return json_answer(
        {
            "priority": priority,
            "requests": [e.request for e in entries],
            "entries": entries,
            "waiting": len(entries),
            "priority_waiting": len(priority),
        }
    )


async def priority_rebooking(request: web.Request) -> web.Response:
    """The priority rebooking list of the caller's centres: audiences ended by a technical
    failure, oldest first, whose applicants are to be called and rebooked before anyone."""
    priority = await services_of(request).priority_rebooking.entries(scope=caller_of(request).scope)
    return json_answer({"priority": priority})


async def remove_standby(request: web.Request) -> web.Response:
    body = await read_body(request, models.Standby)
    await services_of(request).standby.remove(
        path_id(request), body.request_id, scope=caller_of(request).scope
    )
    return json_answer({"ok": True})


async def order_standby(request: web.Request) -> web.Response:
    body = await read_body(request, models.StandbyOrder)
    await services_of(request).standby.reorder(
        path_id(request), body.request_ids, scope=caller_of(request).scope
    )
    return json_answer({"ok": True})


async def standby_offer(request: web.Request) -> web.Response:
    offer = await services_of(request).standby.offer_for(
        path_id(request), scope=caller_of(request).scope
    )
    return json_answer({"offer": offer})


async def fill_from_standby(request: web.Request) -> web.Response:
    body = await read_body(request, models.StandbyFill)
    appointment = await services_of(request).scheduler.fill_from_standby(
        path_id(request),
        body.request_id,
        body.booth,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "appointment.book", f"appointment:{appointment}", "standby")
    return json_answer({"appointment": appointment}, status=201)


async def book(request: web.Request) -> web.Response:
    body = await read_body(request, models.BookingBody)
    appointment = await services_of(request).scheduler.book(
        body.request_id,
        body.slot_id,
        body.booth,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "appointment.book", f"appointment:{appointment}")
    return json_answer({"appointment": appointment}, status=201)


async def reschedule(request: web.Request) -> web.Response:
    body = await read_body(request, models.Move)
    appointment = await services_of(request).scheduler.reschedule(
        path_id(request),
        body.slot_id,
        body.booth,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "appointment.reschedule", f"appointment:{appointment}")
    return json_answer({"appointment": appointment})


async def move(request: web.Request) -> web.Response:
    """The same slot at another booth of the centre (its own booth is out of service)."""
    body = await read_body(request, models.MoveToBooth)
    appointment = await services_of(request).outages.move(
        path_id(request),
        body.booth,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "appointment.move", f"appointment:{appointment}", body.booth)
    return json_answer({"appointment": appointment})


async def cancel(request: web.Request) -> web.Response:
    """Cancelled; the freed slot, and its first standby applicant if there is one."""
    services, scope = services_of(request), caller_of(request).scope
    freed = await services.scheduler.cancel(
        path_id(request), actor_of(request), now_of(request), scope=scope
    )
    await audit(request, "appointment.cancel", f"appointment:{path_id(request)}")
    offer = await services.standby.offer_for(freed, scope=scope)
    return json_answer({"ok": True, "freed_slot": freed, "offer": offer})


async def record_call(request: web.Request) -> web.Response:
    body = await read_body(request, models.Call)
    await services_of(request).scheduler.record_call(
        path_id(request),
        body.outcome,
        actor_of(request),
        now_of(request),
        scope=caller_of(request).scope,
    )
    await audit(request, "appointment.call", f"appointment:{path_id(request)}", body.outcome)
    return json_answer({"ok": True})


async def day_sittings(request: web.Request) -> web.Response:
    query = models.DayQuery.model_validate(dict(request.query))
    sittings = await services_of(request).scheduler_views.day_sittings(
        query.day_start, scope=caller_of(request).scope, identified=identified(request)
    )
    return json_answer({"sittings": sittings})


async def check_in(request: web.Request) -> web.Response:
    appointment_id = path_id(request)
    await services_of(request).scheduler.check_in(
        appointment_id, now_of(request), scope=caller_of(request).scope, actor=actor_of(request)
    )
    await audit(request, "appointment.check_in", f"appointment:{appointment_id}")
    return json_answer({"ok": True})


async def check_out(request: web.Request) -> web.Response:
    appointment_id = path_id(request)
    await services_of(request).scheduler.check_out(
        appointment_id, now_of(request), scope=caller_of(request).scope
    )
    await audit(request, "appointment.check_out", f"appointment:{appointment_id}")
    return json_answer({"ok": True})


ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/sittings", Permission.BOOKING_WRITE, create_sitting),
    Route("GET", "/api/sittings/{id}/slots", Permission.SCHEDULE_READ, sitting_slots),
    Route("POST", "/api/sittings/{id}/standby", Permission.BOOKING_WRITE, add_standby),
    Route("GET", "/api/sittings/{id}/standby", Permission.SCHEDULE_READ, standby_list),
    Route("POST", "/api/sittings/{id}/standby/remove", Permission.BOOKING_WRITE, remove_standby),
    Route("POST", "/api/sittings/{id}/standby/order", Permission.BOOKING_WRITE, order_standby),
    Route("GET", "/api/slots/{id}/standby-offer", Permission.BOOKING_WRITE, standby_offer),
    Route("GET", "/api/priority-rebooking", Permission.REQUEST_READ, priority_rebooking),
    Route("POST", "/api/slots/{id}/standby-fill", Permission.BOOKING_WRITE, fill_from_standby),
    Route("POST", "/api/appointments", Permission.BOOKING_WRITE, book),
    Route("POST", "/api/appointments/{id}/reschedule", Permission.BOOKING_WRITE, reschedule),
    Route("POST", "/api/appointments/{id}/move", Permission.BOOKING_WRITE, move),
    Route("POST", "/api/appointments/{id}/cancel", Permission.BOOKING_WRITE, cancel),
    Route("POST", "/api/appointments/{id}/calls", Permission.BOOKING_WRITE, record_call),
    Route("GET", "/api/sittings", Permission.SCHEDULE_READ, day_sittings),
    Route("POST", "/api/appointments/{id}/check-in", Permission.BOOKING_WRITE, check_in),
    Route("POST", "/api/appointments/{id}/check-out", Permission.BOOKING_WRITE, check_out),
)
