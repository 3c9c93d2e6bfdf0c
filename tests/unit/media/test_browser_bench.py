"""The browser benchmark's own pieces: the offer it hands the proxy and its camera clip."""

from __future__ import annotations

from pathlib import Path

from media.bench.browser import loopback_candidates_only, write_camera_clip

OFFER = "\r\n".join(
    [
        "v=0",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "a=candidate:1 1 udp 2122260223 10.0.2.15 50001 typ host generation 0",
        "a=candidate:2 1 udp 2122194687 127.0.0.1 50002 typ host generation 0",
        "a=candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active",
        "a=mid:1",
        "",
    ]
)


def test_only_the_loopback_udp_candidate_reaches_the_proxy() -> None:
    kept = loopback_candidates_only(OFFER)
    candidates = [line for line in kept.split("\r\n") if line.startswith("a=candidate:")]
    assert candidates == ["a=candidate:2 1 udp 2122194687 127.0.0.1 50002 typ host generation 0"]
    assert "a=mid:1" in kept


def test_the_camera_clip_is_y4m_with_whole_420_frames(tmp_path: Path) -> None:
    clip = write_camera_clip(tmp_path / "camera.y4m", width=64, height=48, frames=3)
    header, _, body = clip.read_bytes().partition(b"\n")
    assert header == b"YUV4MPEG2 W64 H48 F30:1 Ip A1:1 C420jpeg"
    frame = len(b"FRAME\n") + 64 * 48 * 3 // 2
    assert len(body) == 3 * frame
    assert body.count(b"FRAME\n") >= 3
