"""HTTP metrics in a registry owned by one application (no process-wide globals)."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest


class HttpMetrics:
    """Request counts and durations, labelled by route pattern (bounded cardinality)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "majlis_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "majlis_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["route"],
            registry=self.registry,
        )

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            route = _route_label(request)
            self.requests.labels(request.method, route, str(status)).inc()
            self.duration.labels(route).observe(time.perf_counter() - started)

    async def handle_metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"
