"""The last line of defence: an unexpected exception becomes problem JSON, never a traceback."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from api import edge

log = logging.getLogger(__name__)


def problem(status: int, code: str, message_key: str) -> web.Response:
    return edge.problem(status, code, message_key, content_type="application/problem+json")


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return problem(413, "body_too_large", "errors.body_too_large")
    except web.HTTPException as error:
        if error.status == 404:
            return problem(404, "not_found", "errors.not_found")
        if error.status == 405:
            return problem(405, "method_not_allowed", "errors.method_not_allowed")
        raise
    except Exception:
        log.exception("unhandled error answering %s %s", request.method, request.path)
        return problem(500, "internal_error", "errors.internal")
