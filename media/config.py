"""Tunables of the media server (defaults documented in docs/CONFIGURATION.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ForwardingMode = Literal["passthrough", "frame", "relay"]


@dataclass(frozen=True)
class IceServer:
    urls: str
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True)
class MediaConfig:
    mode: ForwardingMode = "passthrough"
    # Addresses the ICE agent offers as host candidates; nothing else is ever gathered.
    host_addresses: tuple[str, ...] = ("127.0.0.1",)
    # No public STUN by default: an offline centre must not look up anything outside.
    ice_servers: tuple[IceServer, ...] = field(default_factory=tuple)
    max_sdp_bytes: int = 16_384
    max_candidates: int = 32
    # Offers (each a new peer connection) one seat may send a minute; a reconnect sends one.
    max_negotiations_per_minute: int = 10
    receive_queue_packets: int = 256
    nack_cache_packets: int = 512
    pli_min_interval_s: float = 0.5
    keyframe_retry_s: float = 0.3
    cleanup_after_failure_s: float = 1.0
    # A participant not connected this long after joining, or from whom no media arrived
    # this long (the peer vanished without closing), is removed.
    connect_timeout_s: float = 10.0
    silence_timeout_s: float = 3.0
    watchdog_interval_s: float = 0.5
    # Each room's live quality (frame rate, bitrate, loss, jitter, round trip) is sampled
    # this often and handed to the server's ``on_quality`` callback.
    quality_interval_s: float = 1.0
    preflight_frames: int = 6
    preflight_timeout_s: float = 5.0
    # Development only (MAJLIS_DEV_CAPTURE_VIDEO): the booth's forwarded video of each room is
    # written here as VP8 frames (media/capture.py). None: nothing is captured.
    capture_dir: Path | None = None
