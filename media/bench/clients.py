"""The benchmark's client process: N simulated booths (or offices), one per audience.

Joins through the bench server's HTTP API, waits for the shared measuring window (wall-clock
times given by the runner), then prints one JSON line with what each client received.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import aiohttp

from media.aiortc_hooks import gather_only_on
from media.bench.client import MediaClient
from media.bench.pattern import encode_audio_pattern, encode_video_pattern


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    gather_only_on(["127.0.0.1"])
    video, audio = encode_video_pattern(), encode_audio_pattern()
    clients = [
        MediaClient(video, audio, loss=arguments.loss, seed=index)
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
    await asyncio.sleep(max(0.0, arguments.window_start - time.time()))
    for client in clients:
        client.start_window()
    await asyncio.sleep(max(0.0, arguments.window_end - time.time()))
    results = [client.summary() for client in clients]
    for client in clients:
        await client.close()
    return {"role": arguments.role, "audiences": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--role", choices=["booth", "office"], required=True)
    parser.add_argument("--audiences", type=int, required=True)
    parser.add_argument("--window-start", type=float, required=True)
    parser.add_argument("--window-end", type=float, required=True)
    parser.add_argument("--loss", type=float, default=0.0)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(run(arguments))), flush=True)


if __name__ == "__main__":
    main()
