"""A local HTTP server that speaks the JSON SMS gateway's API (the one outside boundary we
cannot reach from here), deduplicates by idempotency key like a real gateway, and can fail on
purpose."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass, field

from aiohttp import web

API_KEY = "test-gateway-key"


@dataclass
class FakeGateway:
    port: int = 0
    received: list[str] = field(default_factory=list)  # every POST's idempotency key
    delivered: list[dict[str, str]] = field(default_factory=list)  # each message once
    fail_next: list[int] = field(default_factory=list)  # statuses to answer, in order
    stall_next: int = 0  # answer this many requests only after a long pause
    kill_before_answering: int | None = None  # pid to SIGKILL once a message is taken
    _ids: dict[str, str] = field(default_factory=dict)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/messages"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/messages", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response({"error": "unauthorised"}, status=401)
        body = await request.json()
        key = body["idempotency_key"]
        self.received.append(key)
        if self.stall_next:
            self.stall_next -= 1
            await asyncio.sleep(2)
        if self.fail_next:
            return web.json_response({"error": "on purpose"}, status=self.fail_next.pop(0))
        if key not in self._ids:
            self._ids[key] = f"gw-{len(self._ids) + 1}"
            self.delivered.append({"key": key, "to": body["to"], "text": body["text"]})
        if self.kill_before_answering is not None:
            os.kill(self.kill_before_answering, signal.SIGKILL)
            self.kill_before_answering = None
            await asyncio.sleep(1)
        return web.json_response({"id": self._ids[key]})
