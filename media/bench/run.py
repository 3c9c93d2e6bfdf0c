"""Runs the media benchmark: a server process and two client processes per mode.

What is measured is the server: its own CPU accounting (getrusage of its process) over a
wall-clock window that the clients share, the frames each client received in that window,
and the frame latency from the sender's stamp to the receiver's marker packet (same clock).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, replace
from typing import Any

BENCH_SERVER = (sys.executable, "-m", "media.bench.server")
BENCH_CLIENTS = (sys.executable, "-m", "media.bench.clients")
WINDOW_LEAD_S = 0.5  # between "media flows everywhere" and the measuring window
RELAY_MAX_AUDIENCES = 2


@dataclass(frozen=True)
class BenchRun:
    mode: str
    audiences: int
    seconds: float
    server_cpu_s: float
    fps_by_direction: dict[str, list[float]]
    latencies_ms: list[float]
    out_of_order: int
    decoders: int
    encoders: int
    e2ee: bool = False  # the clients sealed every frame end to end (media/bench/sealing.py)
    unopened: int = 0  # sealed frames a client received that did not open

    @property
    def cpu_per_audience_s(self) -> float:
        return self.server_cpu_s / (self.audiences * self.seconds)

    @property
    def video_fps_mean(self) -> float:
        values = [v for k, vs in self.fps_by_direction.items() if k.endswith("video") for v in vs]
        return statistics.fmean(values) if values else 0.0

    @property
    def cpu_per_video_frame_s(self) -> float | None:
        """CPU per audience-second divided by the delivered frame rate: a saturated path
        that delivers fewer frames is not made to look cheaper by it."""
        fps = self.video_fps_mean
        return self.cpu_per_audience_s / fps if fps else None

    @property
    def fps_min(self) -> float:
        return min(min(values) for values in self.fps_by_direction.values())

    def latency(self, quantile: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        if quantile == 0.5:
            return round(statistics.median(ordered), 2)
        return round(ordered[int(quantile * (len(ordered) - 1))], 2)


def run_once(
    mode: str, audiences: int, seconds: float, loop: str = "uvloop", e2ee: bool = False
) -> BenchRun:
    server = subprocess.Popen(
        [*BENCH_SERVER, "--mode", mode, "--flow-on-join", "--loop", loop],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    clients: list[subprocess.Popen[str]] = []
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise RuntimeError("bench server did not start")
        url = f"http://127.0.0.1:{ready[1]}"
        clients += [
            subprocess.Popen(
                [
                    *BENCH_CLIENTS,
                    *("--server", url, "--role", role, "--audiences", str(audiences)),
                    *(["--e2ee"] if e2ee else []),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for role in ("booth", "office")
        ]
        for client in clients:
            assert client.stdout is not None
            if client.stdout.readline().strip() != "READY":
                raise RuntimeError("bench clients did not get media flowing")
        window_start = time.time() + WINDOW_LEAD_S
        window_end = window_start + seconds
        for client in clients:
            assert client.stdin is not None
            client.stdin.write(f"{window_start} {window_end}\n")
            client.stdin.flush()
        time.sleep(max(0.0, window_start - time.time()))
        before = _usage(url)
        time.sleep(max(0.0, window_end - time.time()))
        after = _usage(url)
        reports = [json.loads(c.communicate(timeout=60)[0].splitlines()[-1]) for c in clients]
    finally:
        for client in clients:
            if client.poll() is None:
                client.kill()
            client.communicate()  # reap it and close its pipes
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
    run = _summarise(mode, audiences, after["wall_s"] - before["wall_s"], before, after, reports)
    return replace(run, e2ee=e2ee)


def _usage(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/usage", timeout=10) as response:  # noqa: S310 - loopback
        result: dict[str, Any] = json.loads(response.read())
        return result


def _summarise(
    mode: str,
    audiences: int,
    seconds: float,
    before: dict[str, Any],
    after: dict[str, Any],
    reports: list[dict[str, Any]],
) -> BenchRun:
    # What the office received came from the booth, and back.
    direction = {"office": "booth_to_office", "booth": "office_to_booth"}
    fps: dict[str, list[float]] = {}
    latencies: list[float] = []
    out_of_order = unopened = 0
    for report in reports:
        name = direction[report["role"]]
        for audience in report["audiences"]:
            unopened += audience["unopened"]
            video = audience["video"]
            fps.setdefault(f"{name}_video", []).append(video["fps"])
            fps.setdefault(f"{name}_audio", []).append(audience["audio"]["fps"])
            latencies.extend(video["latencies_ms"])
            out_of_order += video["out_of_order"] + audience["audio"]["out_of_order"]
    return BenchRun(
        mode=mode,
        audiences=audiences,
        seconds=seconds,
        server_cpu_s=after["cpu_s"] - before["cpu_s"],
        fps_by_direction=fps,
        latencies_ms=latencies,
        out_of_order=out_of_order,
        decoders=after["decoders"],
        encoders=after["encoders"],
        unopened=unopened,
    )


def report(
    main: BenchRun, relay: BenchRun | None = None, sealed: BenchRun | None = None
) -> dict[str, Any]:
    """Print one human line per run; return the JSON summary (``main`` leads; ``relay``: the
    baseline of ``compare``; ``sealed``: ``main``'s mode again with frames sealed end to end)."""
    for run in (main, sealed, relay):
        if run is None:
            continue
        video_fps = {k: min(v) for k, v in run.fps_by_direction.items() if k.endswith("video")}
        name = f"{run.mode}{' e2ee' if run.e2ee else ''}"
        print(
            f"{name:>16}: {run.audiences} audiences x {run.seconds:.1f} s, "
            f"server CPU {run.cpu_per_audience_s * 1000:.1f} ms per audience-second "
            f"(~{1 / run.cpu_per_audience_s if run.cpu_per_audience_s else 0:.0f} audiences/core), "
            f"worst video fps {video_fps}, latency p50 {run.latency(0.5)} ms "
            f"p95 {run.latency(0.95)} ms, decoders {run.decoders}, encoders {run.encoders}"
            + (f", unopened frames {run.unopened}" if run.e2ee else "")
        )
    summary: dict[str, Any] = {
        "mode": main.mode,
        "e2ee": main.e2ee,
        "audiences": main.audiences,
        "seconds": round(main.seconds, 2),
        "server_cpu_per_audience_s": round(main.cpu_per_audience_s, 5),
        "audiences_per_core": round(1 / main.cpu_per_audience_s, 1)
        if main.cpu_per_audience_s
        else None,
        "fps_min": main.fps_min,
        "fps_by_direction": {k: min(v) for k, v in main.fps_by_direction.items()},
        "latency_p50_ms": main.latency(0.5),
        "latency_p95_ms": main.latency(0.95),
        "out_of_order": main.out_of_order,
        "server_decoders": main.decoders,
        "server_encoders": main.encoders,
    }
    if main.e2ee:
        summary["unopened"] = main.unopened
    if sealed is not None:
        summary["e2ee_server_cpu_per_audience_s"] = round(sealed.cpu_per_audience_s, 5)
        summary["e2ee_fps_min"] = sealed.fps_min
        summary["e2ee_latency_p95_ms"] = sealed.latency(0.95)
        summary["e2ee_unopened"] = sealed.unopened
        summary["e2ee_cpu_ratio"] = round(sealed.cpu_per_audience_s / main.cpu_per_audience_s, 4)
        print(
            f"sealed / clear server CPU per audience-second: {summary['e2ee_cpu_ratio']} "
            f"({sealed.unopened} sealed frames did not open)"
        )
    if relay is not None:
        summary["relay_server_cpu_per_audience_s"] = round(relay.cpu_per_audience_s, 5)
        summary["relay_fps_min"] = relay.fps_min
        summary["relay_audiences"] = relay.audiences
        summary["cpu_ratio"] = round(main.cpu_per_audience_s / relay.cpu_per_audience_s, 4)
        main_frame, relay_frame = main.cpu_per_video_frame_s, relay.cpu_per_video_frame_s
        summary["cpu_ratio_per_frame"] = (
            round(main_frame / relay_frame, 4) if main_frame and relay_frame else None
        )
        print(
            f"passthrough / relay server CPU per audience-second: {summary['cpu_ratio']} "
            f"(per delivered frame: {summary['cpu_ratio_per_frame']}; relay measured with "
            f"{relay.audiences} audiences at {relay.video_fps_mean:.1f} fps)"
        )
        if sealed is not None:
            summary["e2ee_relay_cpu_ratio"] = round(
                sealed.cpu_per_audience_s / relay.cpu_per_audience_s, 4
            )
    return summary


def bench_media(
    mode: str, audiences: int, seconds: float, loop: str = "uvloop", e2ee: bool = False
) -> dict[str, Any]:
    """``e2ee``: the clients seal their frames end to end; with ``compare``, passthrough runs
    in clear and sealed, and the relay (which would have to decode) in clear."""
    if e2ee and mode == "relay":
        raise ValueError("the relay decodes every frame: sealed frames cannot be relayed")
    if mode != "compare":
        return report(run_once(mode, audiences, seconds, loop, e2ee))
    main = run_once("passthrough", audiences, seconds, loop)
    sealed = run_once("passthrough", audiences, seconds, loop, e2ee=True) if e2ee else None
    # The relay decodes and encodes every frame: beyond two audiences it saturates this
    # kind of machine and starves (fewer frames, less CPU), which would flatter it.
    relay = run_once("relay", min(audiences, RELAY_MAX_AUDIENCES), seconds, loop)
    return report(main, relay, sealed)
