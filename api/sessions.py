"""Staff sign-in, who am I, sign-out (here and everywhere).

A first sign-in with a one-time password is one route, several answers (see
``accounts.service``): 401 ``password_change_required``; with ``new_password``, 422
``weak_password`` (zxcvbn's feedback) or, for admins and supervisors, the second factor's
answers; once complete, 200 and the password is changed (audited ``staff.password_changed``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from accounts.passwords import WeakPassword
from accounts.service import OtpEnrollmentRequired, SignInError, StaffSession
from api import models
from api.edge import (
    SESSION_COOKIE,
    Route,
    audit,
    json_answer,
    now_of,
    problem,
    read_body,
    services_of,
)
from audit.log import AuditEntry
from rooms.permissions import Permission


async def sign_in(request: web.Request) -> web.Response:
    body = await read_body(request, models.SignIn)
    services = services_of(request)
    client = request.remote or "unknown"
    now = now_of(request)
    try:
        signed_in = await services.accounts.sign_in(
            body.username, body.password, client, now, body.otp, body.new_password
        )
    except (SignInError, WeakPassword) as error:
        entry = AuditEntry(body.username.lower()[:64], "sign_in.failed", client, error.code)
        await services.audit.record(entry, now)
        if isinstance(error, OtpEnrollmentRequired):
            # Not signed in yet: the key to add to an authenticator, confirmed by its first code.
            return problem(401, error.code, error.message_key, _enrollment_body(error))
        if isinstance(error, WeakPassword):
            weakness = error.weakness
            details = {
                "reason": weakness.reason,
                "warning": weakness.warning,
                "suggestions": list(weakness.suggestions),
            }
            return problem(422, error.code, error.message_key, details)
        raise
    username = signed_in.session.username
    if signed_in.password_changed:
        entry = AuditEntry(username, "staff.password_changed", f"staff:{username}")
        await services.audit.record(entry, now)
    await services.audit.record(AuditEntry(username, "sign_in", client), now)
    response = json_answer(_session_body(signed_in.session))
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        secure=True,
        httponly=True,
        samesite="Strict",
        path="/",
        max_age=int(services.accounts.policy.absolute.total_seconds()),
    )
    return response


def _enrollment_body(error: OtpEnrollmentRequired) -> dict[str, str]:
    enrollment = error.enrollment
    return {
        "secret": enrollment.secret,
        "uri": enrollment.uri,
        "qr_svg": enrollment.qr_svg,
        "expires_at": enrollment.expires_at.isoformat(),
    }


def _session_body(session: StaffSession) -> dict[str, Any]:
    return {
        "username": session.username,
        "display_name": session.display_name,
        "role": session.role,
        "csrf_token": session.csrf_token,
        "centres": sorted(session.centres.codes),
        "all_centres": session.centres.everywhere,
    }


async def who_am_i(request: web.Request) -> web.Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    session = await services_of(request).accounts.session(token, now_of(request))
    return json_answer(_session_body(session))


async def sign_out(request: web.Request) -> web.Response:
    await services_of(request).accounts.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    await audit(request, "sign_out", "")
    response = json_answer({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def sign_out_everywhere(request: web.Request) -> web.Response:
    services = services_of(request)
    session = await services.accounts.session(
        request.cookies.get(SESSION_COOKIE, ""), now_of(request)
    )
    ended = await services.accounts.sign_out_everywhere(session.account_id)
    await audit(request, "sign_out.everywhere", "", str(ended))
    response = json_answer({"ended": ended})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/session", None, sign_in),  # public: staff sign-in
    Route("GET", "/api/session", Permission.SIGNED_IN, who_am_i),
    Route("DELETE", "/api/session", Permission.SIGNED_IN, sign_out),
    Route("POST", "/api/session/everywhere", Permission.SIGNED_IN, sign_out_everywhere),
)
