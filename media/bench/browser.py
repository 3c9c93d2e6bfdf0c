"""``majlis bench browser --cap-kbps K``: does a real browser's encoder follow the feedback the
media server passes back when the booth's uplink is constrained?

A media server (the product's, in passthrough mode) and two headless Chromium pages (Debian's
``/usr/bin/chromium``, driven by Playwright as the browser tests do), each sending a generated
640×480 clip from the fake camera: the office, connected directly (its receiver estimates the
bandwidth from the booth's abs-send-time stamps and sends REMB, which the server translates
back to the booth), and the booth, whose every datagram to and from the server crosses the UDP
impairment proxy (``impairment.py``). The booth's uplink runs uncapped for a warm-up, then the
cap is put on the booth → server direction only (the way back stays open, so feedback is not
what the cap drops). Every second: the booth's outbound video from ``getStats`` (bitrate on
the wire, the encoder's target, the sender's estimate ``availableOutgoingBitrate``, frames per
second, resolution, why quality is limited) next to the cap, what passed the proxy, the REMB
estimates the server forwarded to the booth, and the frames per second the office decoded of
the booth's video. Signalling,
sign-in and end-to-end encryption are left out: they do not touch rate control.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from media.bench.impairment import ImpairmentProxy
from media.config import MediaConfig
from media.server import MediaServer

ROOM = "bench-browser"
PAGE = "http://127.0.0.1/majlis-bench"  # loopback: a secure context, served by the route below
START_TIMEOUT_S = 30.0
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--use-fake-device-for-media-stream=fps=30",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--disable-gpu",
    "--no-first-run",
)
_LOOPBACK_UDP = re.compile(r"^a=candidate:\S+ \d+ udp \d+ 127\.0\.0\.1 ", re.I)

OFFER = """async () => {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true, video: { width: 640, height: 480, frameRate: 30 } });
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.pc = pc;
  for (const track of [...stream.getAudioTracks(), ...stream.getVideoTracks()]) {
    pc.addTransceiver(track, { direction: "sendrecv", streams: [stream] });
  }
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise((done) => pc.addEventListener("icegatheringstatechange",
      () => { if (pc.iceGatheringState === "complete") done(); }));
  }
  return pc.localDescription.sdp;
}"""
ANSWER = "async (sdp) => { await window.pc.setRemoteDescription({ type: 'answer', sdp }); }"
STATS = """async () => {
  const seen = { at: performance.now() / 1000 };
  (await window.pc.getStats()).forEach((s) => {
    if (s.type === "outbound-rtp" && s.kind === "video") {
      Object.assign(seen, { octets: s.bytesSent + (s.headerBytesSent || 0),
        resent_octets: s.retransmittedBytesSent || 0, target_bps: s.targetBitrate ?? null,
        fps: s.framesPerSecond ?? 0, width: s.frameWidth ?? 0, height: s.frameHeight ?? 0,
        limitation: s.qualityLimitationReason ?? "", encoder: s.encoderImplementation ?? "" });
    }
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
      seen.estimate_bps = s.availableOutgoingBitrate ?? null;
    }
  });
  return seen;
}"""
DECODED = """async () => {
  let frames = 0;
  (await window.pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
  });
  return { at: performance.now() / 1000, frames };
}"""


@dataclass(frozen=True)
class BrowserPlan:
    cap_kbps: float = 500.0
    warmup_s: float = 40.0  # uncapped, before the cap (the estimate ramps up ~8 % a second)
    seconds: float = 30.0  # capped
    chromium: str = "/usr/bin/chromium"

    def __post_init__(self) -> None:
        if self.cap_kbps <= 0 or self.warmup_s < 0 or self.seconds <= 0:
            raise ValueError("--cap-kbps and --seconds must be positive, --warmup not negative")


@dataclass(frozen=True)
class BrowserSecond:
    """One second of the booth's outbound video."""

    t_s: float  # since the cap was put on (negative: the warm-up)
    capped: bool
    sent_kbps: float  # on the wire, RTP headers and retransmissions included
    resent_kbps: float
    target_kbps: float | None  # the encoder's target
    estimate_kbps: float | None  # the sender's bandwidth estimate (availableOutgoingBitrate)
    remb_kbps: float | None  # the latest REMB the server forwarded to the booth
    passed_kbps: float  # what crossed the proxy towards the server (all of the booth's media)
    fps: float
    resolution: str
    limitation: str
    office_fps: float  # booth video frames the office decoded


async def bench_browser(plan: BrowserPlan) -> dict[str, Any]:
    try:
        from playwright.async_api import async_playwright  # a test dependency: this bench only
    except ImportError as missing:
        raise RuntimeError("this benchmark needs Playwright: pip install -e '.[test]'") from missing

    server = MediaServer(MediaConfig())
    await server.start()
    proxy = ImpairmentProxy()
    try:
        await proxy.start()
        with tempfile.TemporaryDirectory(prefix="majlis-bench-") as directory:
            clip = write_camera_clip(Path(directory) / "camera.y4m")
            async with async_playwright() as driver:
                chromium = await driver.chromium.launch(
                    executable_path=plan.chromium,
                    args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={clip}"],
                )
                try:
                    booth, office = await chromium.new_page(), await chromium.new_page()
                    offer = await _offer(booth)
                    answer = await server.join(ROOM, "booth", "booth", proxy.client_offer(offer))
                    await booth.evaluate(ANSWER, proxy.server_answer(answer))
                    answer = await server.join(ROOM, "office", "office", await _offer(office))
                    await office.evaluate(ANSWER, answer)
                    server.set_media_flow(ROOM, True)
                    await _booth_video_arrives(office)
                    seconds = await _measure(plan, server, proxy, booth, office)
                    encoder = str((await booth.evaluate(STATS)).get("encoder", ""))
                finally:
                    await chromium.close()
    finally:
        proxy.close()
        await server.close()
    return summary(plan, seconds, encoder)


async def _offer(page: Any) -> str:
    """A page at a loopback address (a secure context: the camera may be asked for) with its
    peer connection's offer, every candidate gathered."""
    await page.route(PAGE, lambda route: route.fulfill(body="<!doctype html>"))
    await page.goto(PAGE)
    return loopback_candidates_only(await page.evaluate(OFFER))


def write_camera_clip(path: Path, width: int = 640, height: int = 480, frames: int = 90) -> Path:
    """A Y4M clip for Chromium's fake camera (looped): moving gradients under fine noise, so
    the encoder always has more to send than a constrained link carries."""
    rng = np.random.default_rng(1)
    x = np.arange(width, dtype=np.int32)
    y = np.arange(height, dtype=np.int32)[:, None]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            luma = (x * 2 + y + index * 6) % 200 + 28 + rng.integers(0, 24, (height, width))
            chroma = ((x[::2] + index * 3) % 256 + y[::2] * 0).astype(np.uint8)
            out.write(b"FRAME\n")
            out.write(luma.astype(np.uint8).tobytes())
            out.write(chroma.tobytes())
            out.write(chroma[::-1].tobytes())
    return path


def loopback_candidates_only(sdp: str) -> str:
    """The browser gathers every interface; the proxy listens on loopback only."""
    lines = sdp.split("\r\n")
    kept = [
        line for line in lines if not line.startswith("a=candidate:") or _LOOPBACK_UDP.match(line)
    ]
    return "\r\n".join(kept)


async def _booth_video_arrives(office: Any) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (await office.evaluate(DECODED))["frames"]:
        if time.monotonic() > deadline:
            raise RuntimeError("the booth's video did not reach the office through the proxy")
        await asyncio.sleep(0.1)


async def _measure(
    plan: BrowserPlan, server: MediaServer, proxy: ImpairmentProxy, booth: Any, office: Any
) -> list[BrowserSecond]:
    seen: list[BrowserSecond] = []
    before, decoded_before = await booth.evaluate(STATS), await office.evaluate(DECODED)
    passed_before = proxy.counters()["upstream"].octets
    capped_at = time.monotonic() + plan.warmup_s
    end = capped_at + plan.seconds
    while (now := time.monotonic()) < end:
        if now >= capped_at and proxy.upstream.cap_kbps == 0:
            proxy.upstream.cap_kbps = plan.cap_kbps
        await asyncio.sleep(1.0)
        after, decoded = await booth.evaluate(STATS), await office.evaluate(DECODED)
        elapsed = after["at"] - before["at"]
        passed = proxy.counters()["upstream"].octets
        seen.append(
            BrowserSecond(
                t_s=round(time.monotonic() - capped_at, 1),
                capped=proxy.upstream.cap_kbps > 0,
                sent_kbps=_kbps(after["octets"] - before["octets"], elapsed),
                resent_kbps=_kbps(after["resent_octets"] - before["resent_octets"], elapsed),
                target_kbps=_bps_to_kbps(after.get("target_bps")),
                estimate_kbps=_bps_to_kbps(after.get("estimate_bps")),
                remb_kbps=_latest_remb_kbps(server),
                passed_kbps=_kbps(passed - passed_before, elapsed),
                fps=round(float(after["fps"]), 1),
                resolution=f"{after['width']}x{after['height']}",
                limitation=str(after["limitation"]),
                office_fps=_decoded_per_s(decoded, decoded_before),
            )
        )
        before, decoded_before, passed_before = after, decoded, passed
    return seen


def _decoded_per_s(after: dict[str, Any], before: dict[str, Any]) -> float:
    elapsed = after["at"] - before["at"]
    return round((after["frames"] - before["frames"]) / elapsed, 1) if elapsed > 0 else 0.0


def _latest_remb_kbps(server: MediaServer) -> float | None:
    for route in server.route_counters(ROOM):
        if (route.source, route.kind) == ("booth", "video") and route.last_estimate_bps:
            return round(route.last_estimate_bps / 1000)
    return None


def _kbps(octets: float, seconds: float) -> float:
    return round(octets * 8 / 1000 / seconds) if seconds > 0 else 0.0


def _bps_to_kbps(value: object) -> float | None:
    return round(float(value) / 1000) if isinstance(value, int | float) else None


def summary(plan: BrowserPlan, seconds: list[BrowserSecond], encoder: str) -> dict[str, Any]:
    """The per-second rows, and the capped window's last 10 s against the cap."""
    warm = [s for s in seconds if not s.capped][-5:]
    settled = [s for s in seconds if s.capped][-10:]

    def mean(rows: list[BrowserSecond], name: str) -> float | None:
        values = [float(getattr(r, name)) for r in rows if getattr(r, name) is not None]
        return round(sum(values) / len(values), 1) if values else None

    return {
        "plan": asdict(plan),
        "encoder": encoder,
        "uncapped_last_5s": {n: mean(warm, n) for n in ("sent_kbps", "target_kbps", "fps")},
        "capped_last_10s": {
            n: mean(settled, n)
            for n in ("sent_kbps", "target_kbps", "estimate_kbps", "remb_kbps", "fps", "office_fps")
        },
        "seconds": [asdict(s) for s in seconds],
    }


def report(result: dict[str, Any]) -> None:
    plan = result["plan"]
    print(
        f"browser booth ({result['encoder'] or 'encoder ?'}), uplink capped at "
        f"{plan['cap_kbps']:.0f} kbps after {plan['warmup_s']:.0f} s"
    )
    print(
        "   t s  sent  resent  target  estimate  REMB  passed   fps  resolution  limited by  "
        "office fps"
    )
    for s in result["seconds"]:
        print(
            f"{s['t_s']:6.1f} {s['sent_kbps']:5.0f} {s['resent_kbps']:7.0f} "
            f"{_cell(s['target_kbps']):>7} {_cell(s['estimate_kbps']):>9} "
            f"{_cell(s['remb_kbps']):>5} {s['passed_kbps']:7.0f} {s['fps']:5.1f} "
            f"{s['resolution']:>11}  {s['limitation']:<10} {s['office_fps']:6.1f}"
        )
    print(f"uncapped, last 5 s: {result['uncapped_last_5s']}")
    print(f"capped, last 10 s: {result['capped_last_10s']}")


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"
