"""HTTP metrics in a registry owned by one application (no process-wide globals), served
only to an authorised scraper."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from api.edge import problem
from typed_errors import TypedError

# Records a refused scrape in the audit log: (the request, the refusal's code).
ScrapeRefusals = Callable[[web.Request, str], Awaitable[None]]


class MetricsRefused(TypedError):
    """``/metrics`` without the scraper's bearer secret (``MAJLIS_METRICS_TOKEN``)."""

    code = "metrics_refused"
    message_key = "errors.metrics.refused"


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


def scrape_handler(metrics: HttpMetrics, secret: str | None, refused: ScrapeRefusals) -> Handler:
    """``GET /metrics`` for a scraper that sends ``Authorization: Bearer <secret>``; without
    a configured secret there is no such page (404), and every other caller is refused (401,
    audited). The secret is compared in constant time."""

    async def scrape(request: web.Request) -> web.StreamResponse:
        if secret is None:
            raise web.HTTPNotFound()
        header = request.headers.get("Authorization", "")
        given = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        if not hmac.compare_digest(given.encode(), secret.encode()):
            await refused(request, MetricsRefused.code)
            return problem(401, MetricsRefused.code, MetricsRefused.message_key)
        return await metrics.handle_metrics(request)

    return scrape


def _route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


class MediaQualityMetrics:
    """Each live direction's quality sample, one observation a second, in the app's registry:
    labelled by source role (booth/office) and kind only (bounded cardinality)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["source", "kind"]
        self.frames_per_second = Histogram(
            "majlis_media_frames_per_second",
            "Delivered video frame rate of a live direction",
            labels,
            buckets=(1, 5, 10, 15, 20, 25, 30),
            registry=registry,
        )
        self.bitrate = Histogram(
            "majlis_media_bitrate_kbps",
            "Bitrate of a live direction",
            labels,
            buckets=(8, 16, 32, 64, 128, 256, 500, 1000, 2000),
            registry=registry,
        )
        self.loss = Histogram(
            "majlis_media_loss_ratio",
            "Share of packets lost in a live direction",
            labels,
            buckets=(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
            registry=registry,
        )
        self.jitter = Histogram(
            "majlis_media_jitter_seconds",
            "Interarrival jitter the receiver reports",
            labels,
            buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2),
            registry=registry,
        )
        self.round_trip = Histogram(
            "majlis_media_round_trip_seconds",
            "Round trip between the server and the source",
            labels,
            buckets=(0.01, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0),
            registry=registry,
        )

    def observe(
        self,
        source: str,
        kind: str,
        frames_per_second: float | None,
        bitrate_kbps: float,
        loss: float,
        jitter_ms: float | None,
        round_trip_ms: float | None,
    ) -> None:
        if frames_per_second is not None:
            self.frames_per_second.labels(source, kind).observe(frames_per_second)
        self.bitrate.labels(source, kind).observe(bitrate_kbps)
        self.loss.labels(source, kind).observe(loss)
        if jitter_ms is not None:
            self.jitter.labels(source, kind).observe(jitter_ms / 1000)
        if round_trip_ms is not None:
            self.round_trip.labels(source, kind).observe(round_trip_ms / 1000)
