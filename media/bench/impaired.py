"""``majlis bench media --loss/--delay/--jitter/--cap-kbps/--blackout``: one audience over an
impaired network, in one process.

A media server, a simulated office connected directly and a simulated booth whose every
datagram to and from the server crosses the UDP impairment proxy (``impairment.py``; the same
impairment in both directions). The booth replays 640×480 VP8 at 30 fps (~900 kbps, a
keyframe every second) and Opus; nothing is decoded. After media flows, the impairment is
switched on, and after a settling second the measuring window opens; a blackout starts two
seconds into it. Reported per direction: delivered video frame rate (frames out of the
receiver's jitter buffer), freezes (> 500 ms without a frame), recovery after the blackout
(first frame, first keyframe), and for the booth's sender its bitrate offered to the network
against the cap and the REMB estimates it was sent.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from media.bench.client import MediaClient, Reception
from media.bench.impairment import ImpairmentProxy
from media.bench.pattern import encode_audio_pattern, encode_video_pattern
from media.bench.playback import playback
from media.config import MediaConfig
from media.server import MediaServer

ROOM = "bench-impaired"
SETTLE_S = 1.0
BLACKOUT_AT_S = 2.0  # into the window
START_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class ImpairedPlan:
    loss: float = 0.0  # 0..1, each direction
    delay_ms: float = 0.0  # one way, each direction: RTT grows by twice this
    jitter_ms: float = 0.0
    cap_kbps: float = 0.0
    blackout_s: float = 0.0
    seconds: float = 10.0
    silence_timeout_s: float = MediaConfig.silence_timeout_s

    def __post_init__(self) -> None:
        if not 0 <= self.loss < 1 or min(self.delay_ms, self.jitter_ms, self.cap_kbps) < 0:
            raise ValueError("loss is 0..1 and delay, jitter and cap are not negative")
        if self.blackout_s < 0 or self.seconds < BLACKOUT_AT_S + self.blackout_s + 2:
            raise ValueError(
                f"--seconds must leave {BLACKOUT_AT_S:.0f} s before and 2 s after the blackout"
            )


async def bench_impaired(plan: ImpairedPlan) -> dict[str, Any]:
    server = MediaServer(MediaConfig(silence_timeout_s=plan.silence_timeout_s))
    await server.start()
    proxy = ImpairmentProxy()
    clients: list[MediaClient] = []
    try:
        await proxy.start()
        video, audio = encode_video_pattern(), encode_audio_pattern()
        booth, office = MediaClient(video, audio), MediaClient(video, audio)
        clients += [booth, office]
        answer = await server.join(ROOM, "booth", "booth", proxy.client_offer(await booth.offer()))
        await booth.accept(proxy.server_answer(answer))
        await office.accept(await server.join(ROOM, "office", "office", await office.offer()))
        server.set_media_flow(ROOM, True)
        await _media_flows(booth, office)
        proxy.impair_both(
            loss=plan.loss, delay_ms=plan.delay_ms, jitter_ms=plan.jitter_ms, cap_kbps=plan.cap_kbps
        )
        await asyncio.sleep(SETTLE_S)
        return await _measure(plan, server, proxy, booth, office)
    finally:
        for client in clients:
            await client.close()
        proxy.close()
        await server.close()


async def _media_flows(booth: MediaClient, office: MediaClient) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (booth.assembled["video"].frames and office.assembled["video"].frames):
        if time.monotonic() > deadline:
            raise RuntimeError("media did not start flowing through the proxy")
        await asyncio.sleep(0.05)


async def _measure(
    plan: ImpairedPlan,
    server: MediaServer,
    proxy: ImpairmentProxy,
    booth: MediaClient,
    office: MediaClient,
) -> dict[str, Any]:
    for client in (booth, office):
        client.start_window()
    booth.bandwidth_estimates.clear()
    start = time.time()
    offered_before = proxy.counters()["upstream"].offered_octets
    passed_before = proxy.counters()["upstream"].octets
    blackout: tuple[float, float] | None = None
    gone_at: float | None = None
    await server.quality(ROOM)  # the first reading; later calls give each second's sample
    booth_quality: list[dict[str, Any]] = []
    while (now := time.time()) < start + plan.seconds:
        if plan.blackout_s and blackout is None and now >= start + BLACKOUT_AT_S:
            proxy.blackout(plan.blackout_s)
            blackout = (now, now + plan.blackout_s)
        await asyncio.sleep(min(1.0, start + plan.seconds - now))
        present, samples = await server.quality(ROOM)
        if "booth" not in present and gone_at is None:
            gone_at = time.time()
        booth_quality += [asdict(s) for s in samples if s.source == "booth" and s.kind == "video"]
    end = time.time()
    counters = proxy.counters()["upstream"]
    seconds = end - start
    estimates = [bps / 1000 for _, bps in booth.bandwidth_estimates]
    return {
        "impairment": asdict(plan),
        "seconds": round(seconds, 2),
        # What the office saw came from the booth, through the impaired leg first.
        "booth_to_office": _direction(office.assembled, start, end, blackout),
        "office_to_booth": _direction(booth.assembled, start, end, blackout),
        "booth_sender": {
            "offered_kbps": round((counters.offered_octets - offered_before) * 8 / seconds / 1000),
            "passed_kbps": round((counters.octets - passed_before) * 8 / seconds / 1000),
            "cap_kbps": plan.cap_kbps or None,
            "remb_kbps_min": round(min(estimates)) if estimates else None,
            "remb_kbps_median": round(statistics.median(estimates)) if estimates else None,
            "remb_count": len(estimates),
        },
        "server_booth_video": {
            "fps_min": _min(booth_quality, "frames_per_second"),
            "loss_max": _max(booth_quality, "loss"),
            "round_trip_ms_max": _max(booth_quality, "round_trip_ms"),
        },
        "booth_leg_dropped_after_s": round(gone_at - start, 2) if gone_at else None,
    }


def _direction(
    received: dict[str, Reception], start: float, end: float, blackout: tuple[float, float] | None
) -> dict[str, Any]:
    video = received["video"]
    blackout_end = blackout[1] if blackout else None
    seen = playback(video.arrivals, start, end, blackout_end)
    keyframe = playback(video.keyframe_arrivals, start, end, blackout_end, freeze_s=end - start)
    audio = playback(received["audio"].arrivals, start, end)
    return {
        "video_fps": round(seen.fps, 1),
        "freezes": seen.freezes,
        "frozen_s": round(seen.frozen_s, 2),
        "longest_gap_s": round(seen.longest_gap_s, 2),
        "recovery_s": _round(seen.recovery_s),
        "recovery_keyframe_s": _round(keyframe.recovery_s),
        "audio_packets_per_s": round(audio.fps, 1),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _min(samples: list[dict[str, Any]], name: str) -> float | None:
    values = [s[name] for s in samples if s[name] is not None]
    return round(min(values), 3) if values else None


def _max(samples: list[dict[str, Any]], name: str) -> float | None:
    values = [s[name] for s in samples if s[name] is not None]
    return round(max(values), 3) if values else None


def report(result: dict[str, Any]) -> None:
    """One human line per direction and one for the sender."""
    plan = result["impairment"]
    print(
        f"impairment: loss {plan['loss']:.0%}, delay {plan['delay_ms']:.0f} ms one way "
        f"± {plan['jitter_ms']:.0f} ms, cap {plan['cap_kbps'] or 'none'} kbps, blackout "
        f"{plan['blackout_s']} s, window {result['seconds']} s, silence timeout "
        f"{plan['silence_timeout_s']} s"
    )
    for name in ("booth_to_office", "office_to_booth"):
        d = result[name]
        print(
            f"{name}: {d['video_fps']} fps, {d['freezes']} freezes ({d['frozen_s']} s, longest "
            f"gap {d['longest_gap_s']} s), recovery {d['recovery_s']} s (keyframe "
            f"{d['recovery_keyframe_s']} s), audio {d['audio_packets_per_s']} packets/s"
        )
    sender = result["booth_sender"]
    print(
        f"booth sender: offered {sender['offered_kbps']} kbps, passed {sender['passed_kbps']} "
        f"kbps, cap {sender['cap_kbps']}, REMB min/median {sender['remb_kbps_min']}/"
        f"{sender['remb_kbps_median']} kbps ({sender['remb_count']} estimates); server saw "
        f"{result['server_booth_video']}; booth leg dropped after "
        f"{result['booth_leg_dropped_after_s']} s"
    )
