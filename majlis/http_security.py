"""Security headers on every HTTP response, static files and errors included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        # 'self' covers wss:// to this origin (CSP 3); a bare wss: would let an injected
        # script send what it reads to any host.
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def security_headers(hsts_max_age_s: int) -> dict[str, str]:
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Strict-Transport-Security": f"max-age={hsts_max_age_s}; includeSubDomains",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": (
            "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"
        ),
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def security_header_hook(
    hsts_max_age_s: int,
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An ``on_response_prepare`` hook, so no response can leave without the headers."""
    headers = security_headers(hsts_max_age_s)

    async def add_headers(_request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(headers)

    return add_headers
