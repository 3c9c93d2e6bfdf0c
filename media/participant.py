"""One participant's media leg: her peer connection to the server and how it forwards."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.contrib.media import MediaRelay
from aiortc.rtcdtlstransport import RTCDtlsTransport

from media.aiortc_hooks import (
    DecoderQueueTap,
    DropOldestQueue,
    disable_audio_playout_delay,
    on_keyframe_request,
    receive_srtp_directly,
    request_keyframe,
    route_packets_to,
    tap_encoded_frames,
)
from media.config import ForwardingMode, MediaConfig
from media.negotiation import NegotiatedMedia
from media.passthrough import ForwardingLimits, PassthroughLeg, RtpRoute
from media.tracks import EncodedFrameTrack, PendingTrack

log = logging.getLogger(__name__)


@dataclass
class Participant:
    room_id: str
    participant_id: str
    role: str
    pc: RTCPeerConnection
    dtls: RTCDtlsTransport
    media: dict[str, NegotiatedMedia]
    receive_queue: DropOldestQueue
    mode: ForwardingMode
    candidates_added: int = 0
    passthrough: PassthroughLeg | None = None
    frame_tracks: dict[str, EncodedFrameTrack | PendingTrack] = field(default_factory=dict)
    frame_taps: dict[str, DecoderQueueTap] = field(default_factory=dict)
    frame_targets: dict[str, EncodedFrameTrack | None] = field(default_factory=dict)
    relay: MediaRelay | None = None
    flowing: bool = False
    video_held: bool = False  # voice only: none of this participant's video is forwarded
    keyframe_tasks: set[asyncio.Task[None]] = field(default_factory=set)
    stats_snapshots: dict[str, tuple[float, int, int]] = field(default_factory=dict)
    dropping: bool = False
    joined_at: float = field(default_factory=time.monotonic)
    last_datagrams: int = -1
    last_heard_at: float = field(default_factory=time.monotonic)

    def silent_for(self, now: float) -> float:
        """Seconds since media last arrived (RTP level only; other modes report 0)."""
        if self.passthrough is None:
            return 0.0
        if self.passthrough.datagrams != self.last_datagrams:
            self.last_datagrams = self.passthrough.datagrams
            self.last_heard_at = now
        return now - self.last_heard_at

    # -- set-up per mode ---------------------------------------------------------------------

    def start_passthrough(self) -> None:
        self.passthrough = PassthroughLeg(self.dtls, self.media)
        route_packets_to(self.dtls, self.passthrough.on_rtp, self.passthrough.on_rtcp)
        receive_srtp_directly(self.dtls, self.passthrough.on_srtp)

    def start_frame_forwarding(self, config: MediaConfig) -> None:
        for kind, media in self.media.items():
            if kind == "audio":
                disable_audio_playout_delay(media.receiver)
            self.frame_targets[kind] = None
            self.frame_taps[kind] = tap_encoded_frames(media.receiver, self._frame_sink(kind))

    def _frame_sink(self, kind: str) -> Callable[[Any, Any], None]:
        def sink(_codec: Any, encoded_frame: Any) -> None:
            target = self.frame_targets.get(kind)
            if target is not None and self.flowing and not (kind == "video" and self.video_held):
                target.push(encoded_frame.data, encoded_frame.timestamp)

        return sink

    def request_keyframe(self) -> None:
        """Frame level: ask this participant's camera for a keyframe (PLI)."""
        video = self.media.get("video")
        if video is None:
            return
        sources = video.receiver.getSynchronizationSources()
        if not sources:
            return
        task = asyncio.ensure_future(request_keyframe(video.receiver, sources[0].source))
        self.keyframe_tasks.add(task)
        task.add_done_callback(self.keyframe_tasks.discard)

    # -- wiring to the other participant -----------------------------------------------------

    def forward_to(
        self, target: Participant, limits: ForwardingLimits, existing: dict[str, RtpRoute]
    ) -> dict[str, RtpRoute]:
        """Send this participant's media to ``target``; returns the RTP routes (passthrough).

        ``existing`` holds the routes to ``target`` from an earlier connection of this
        participant: reusing them keeps the stream continuous for ``target``."""
        if self.mode == "passthrough":
            return self._route_rtp(target, limits, existing)
        for kind, media in target.media.items():
            if self.mode == "frame":
                track = target.frame_tracks[kind]
                assert isinstance(track, EncodedFrameTrack)
                track.clear()
                track.on_overflow = self.request_keyframe
                self.frame_targets[kind] = track
                on_keyframe_request(media.sender, self.request_keyframe)
            else:
                self._relay_to(target, kind)
        self.request_keyframe()
        return {}

    def _route_rtp(
        self, target: Participant, limits: ForwardingLimits, existing: dict[str, RtpRoute]
    ) -> dict[str, RtpRoute]:
        assert self.passthrough is not None
        assert target.passthrough is not None
        routes: dict[str, RtpRoute] = {}
        for kind, source_media in self.media.items():
            target_media = target.media.get(kind)
            if target_media is None:
                continue
            route = existing.get(kind)
            if route is None or route.target is not target_media:
                route = RtpRoute(target_media, target.dtls, limits)
            route.attach_source(source_media, self.dtls)
            route.set_flowing(self.flowing)
            route.set_held(self.video_held and kind == "video")
            self.passthrough.streams[kind].route = route
            target.passthrough.routes_to_here[target_media.sender_ssrc] = route
            routes[kind] = route
        return routes

    def _relay_to(self, target: Participant, kind: str) -> None:
        track = self.media[kind].receiver.track
        if self.relay is None:
            self.relay = MediaRelay()
        pending = target.frame_tracks[kind]
        assert isinstance(pending, PendingTrack)
        pending.set_source(self.relay.subscribe(track))

    def stop_forwarding(self) -> None:
        if self.passthrough is not None:
            for stream in self.passthrough.streams.values():
                stream.route = None
        for kind in self.frame_targets:
            self.frame_targets[kind] = None

    def set_flowing(self, flowing: bool) -> None:
        self.flowing = flowing
        if self.passthrough is not None:
            for stream in self.passthrough.streams.values():
                if stream.route is not None:
                    stream.route.set_flowing(flowing)
        if flowing:
            self.request_keyframe()

    def set_video_held(self, held: bool) -> None:
        """Voice only (held) or video again: the RTP route or the frame sink of her video
        forwards nothing while held; released, a keyframe is asked for at once."""
        self.video_held = held
        if self.passthrough is not None:
            route = self.passthrough.streams["video"].route if "video" in self.media else None
            if route is not None:
                route.set_held(held)
        if not held and self.flowing:
            self.request_keyframe()

    async def close(self) -> None:
        self.dropping = True  # closed on purpose: nothing to clean up after its state change
        for task in list(self.keyframe_tasks):
            task.cancel()
        await self.pc.close()
