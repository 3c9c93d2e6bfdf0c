"""The benchmark's client process: N simulated booths (or offices), one per audience.

Joins through the bench server's HTTP API, prints ``READY`` once media flows to every client,
reads the shared measuring window (two wall-clock times) from stdin, then prints one JSON line
with what each client received in it.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
from typing import Any

import aiohttp

from media.aiortc_hooks import gather_only_on
from media.bench.client import MediaClient
from media.bench.pattern import encode_audio_pattern, encode_video_pattern
from media.bench.sealing import FrameSealer

READY_TIMEOUT_S = 20.0


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    loopback_only = gather_only_on(("127.0.0.1",))
    try:
        return await _measure(arguments)
    finally:
        loopback_only.release()


def bench_sealer(audience: int, role: str) -> FrameSealer:
    """The frame key both simulated ends of one audience hold (a fixed one: the server never
    takes part in the browsers' key agreement beyond relaying two events)."""
    key = hashlib.sha256(f"majlis bench audience {audience}".encode()).digest()
    return FrameSealer(key, 1 + audience % 255, role)


async def _measure(arguments: argparse.Namespace) -> dict[str, Any]:
    video, audio = encode_video_pattern(), encode_audio_pattern()
    clients = [
        MediaClient(
            video,
            audio,
            loss=arguments.loss,
            seed=index,
            sealer=bench_sealer(index, arguments.role) if arguments.e2ee else None,
        )
        for index in range(arguments.audiences)
    ]
    async with aiohttp.ClientSession() as session:
        for index, client in enumerate(clients):
            offer = await client.offer()
            body = {
                "room": f"audience-{index}",
                "participant": arguments.role,
                "role": arguments.role,
                "sdp": offer,
            }
            async with session.post(f"{arguments.server}/join", json=body) as response:
                answer = await response.json()
            if response.status != 200:
                raise RuntimeError(f"join refused: {answer}")
            await client.accept(answer["sdp"])
    # Measure only once media flows everywhere: a slow start (a busy machine) must not eat
    # into the window. The runner then sends the shared window on stdin.
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not all(c.received["video"].frames and c.received["audio"].frames for c in clients):
        if time.monotonic() > deadline:
            missing = [
                (index, kind)
                for index, c in enumerate(clients)
                for kind in ("video", "audio")
                if not c.received[kind].frames
            ]
            states = [c.pc.connectionState for c in clients]
            raise RuntimeError(f"media did not start flowing: {arguments.role} {missing} {states}")
        await asyncio.sleep(0.05)
    print("READY", flush=True)
    window = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    window_start, window_end = (float(part) for part in window.split())
    await asyncio.sleep(max(0.0, window_start - time.time()))
    for client in clients:
        client.start_window()
    await asyncio.sleep(max(0.0, window_end - time.time()))
    results = [client.summary() for client in clients]
    for client in clients:
        await client.close()
    return {"role": arguments.role, "audiences": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--role", choices=["booth", "office"], required=True)
    parser.add_argument("--audiences", type=int, required=True)
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--e2ee", action="store_true", help="frames sealed end to end")
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(run(arguments))), flush=True)


if __name__ == "__main__":
    main()
