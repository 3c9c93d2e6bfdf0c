"""Degraded mode's voice: each room's quality to the desks of its booth's centre (the
``quality`` event, and the Prometheus histograms), and its notices to the room's two seats
(``degraded``: voice only offered, or the booth's video switched off, and why)."""

from __future__ import annotations

from typing import Any, Protocol

import socketio

from foundation.media_quality import DirectionQuality
from rooms.degraded import Verdict
from rooms.service import RoomService
from signaling.broadcast import SEAT_NAMESPACES
from signaling.channels import desks_watching, room_channel

VIDEO_UNUSABLE = "video_unusable"  # the reason the seats are told


class QualityMetrics(Protocol):
    """Where each sample is observed (``majlis.metrics.MediaQualityMetrics`` in the app)."""

    def observe(
        self,
        source: str,
        kind: str,
        frames_per_second: float | None,
        bitrate_kbps: float,
        loss: float,
        jitter_ms: float | None,
        round_trip_ms: float | None,
    ) -> None: ...


def quality_payload(
    room_id: str,
    booth_device: str,
    present: frozenset[str],
    samples: list[DirectionQuality],
    seen: Verdict,
) -> dict[str, Any]:
    return {
        "room": room_id,
        "booth": booth_device,  # the board's row
        "present": sorted(present),
        "video_usable": seen.video_usable,
        "audio_usable": seen.audio_usable,
        "directions": [
            {
                "source": s.source,
                "kind": s.kind,
                "fps": s.frames_per_second,
                "bitrate_kbps": s.bitrate_kbps,
                "loss": s.loss,
                "jitter_ms": s.jitter_ms,
                "round_trip_ms": s.round_trip_ms,
            }
            for s in samples
        ],
    }


class QualityBroadcaster:
    """``rooms.quality_watch.QualityNotifier`` over Socket.IO."""

    def __init__(
        self, server: socketio.AsyncServer, rooms: RoomService, metrics: QualityMetrics
    ) -> None:
        self._server = server
        self._rooms = rooms
        self._metrics = metrics

    async def quality(
        self, room_id: str, present: frozenset[str], samples: list[DirectionQuality], seen: Verdict
    ) -> None:
        for s in samples:
            self._metrics.observe(
                s.source,
                s.kind,
                s.frames_per_second,
                s.bitrate_kbps,
                s.loss,
                s.jitter_ms,
                s.round_trip_ms,
            )
        booth_device = self._rooms.seats(room_id).booth_device
        desks = desks_watching(booth_device)
        payload = quality_payload(room_id, booth_device, present, samples, seen)
        await self._server.emit("quality", payload, to=desks, namespace="/desk")

    async def notice(self, room_id: str, notice: str) -> None:
        payload = {"notice": notice, "reason": VIDEO_UNUSABLE}
        for namespace in SEAT_NAMESPACES:
            await self._server.emit(
                "degraded", payload, to=room_channel(room_id), namespace=namespace
            )
