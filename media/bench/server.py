"""The benchmark's media server process: a MediaServer behind a tiny loopback HTTP API.

``python -m media.bench.server --mode passthrough`` prints ``READY <port>`` when it listens.
Endpoints: POST /join, POST /flow, GET /usage (own CPU seconds, codec constructions).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from dataclasses import asdict

from aiohttp import web

from media.codec_census import CodecCensus
from media.config import MediaConfig
from media.errors import MediaError
from media.server import MediaServer


def build_app(server: MediaServer, census: CodecCensus, flow_on_join: bool) -> web.Application:
    async def join(request: web.Request) -> web.Response:
        body = await request.json()
        try:
            answer = await server.join(body["room"], body["participant"], body["role"], body["sdp"])
        except MediaError as error:
            return web.json_response({"code": error.code, "detail": error.detail}, status=400)
        if flow_on_join:
            server.set_media_flow(body["room"], True)
        return web.json_response({"sdp": answer})

    async def flow(request: web.Request) -> web.Response:
        body = await request.json()
        server.set_media_flow(body["room"], bool(body["flowing"]))
        return web.json_response({"ok": True})

    async def usage(_request: web.Request) -> web.Response:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return web.json_response(
            {
                "cpu_s": own.ru_utime + own.ru_stime,
                "wall_s": time.time(),
                "decoders": census.decoders,
                "encoders": census.encoders,
                "participants": server.participant_count(),
            }
        )

    async def stats(request: web.Request) -> web.Response:
        room_stats = await server.stats(request.query["room"])
        return web.json_response({pid: asdict(s) for pid, s in room_stats.items()})

    app = web.Application()
    app.router.add_post("/join", join)
    app.router.add_post("/flow", flow)
    app.router.add_get("/usage", usage)
    app.router.add_get("/stats", stats)
    return app


async def serve(mode: str, flow_on_join: bool, event_loop: str) -> None:
    census = CodecCensus()
    server = MediaServer(MediaConfig(mode=mode))  # type: ignore[arg-type]
    await server.start()
    runner = web.AppRunner(build_app(server, census, flow_on_join), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"READY {port} {event_loop}", flush=True)
    try:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await server.close()
        await runner.cleanup()
        census.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["passthrough", "frame", "relay"], required=True)
    parser.add_argument("--flow-on-join", action="store_true")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="uvloop")
    arguments = parser.parse_args()
    if arguments.loop == "uvloop":
        import uvloop

        uvloop.run(serve(arguments.mode, arguments.flow_on_join, "uvloop"))
    else:
        asyncio.run(serve(arguments.mode, arguments.flow_on_join, "asyncio"))


if __name__ == "__main__":
    main()
