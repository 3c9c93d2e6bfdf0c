"""The media server: a small async API that rooms/ and signaling/ call.

Each participant has one peer connection to the server (audio and video both ways); the
server forwards a room's media between its two participants without decoding or encoding
(``passthrough``: RTP level, the live path; ``frame``: encoded frames through aiortc's sender;
``relay``: decode and re-encode, kept only as the benchmark's baseline). Media flows only
while the room's flow is on (the office admitted the booth).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc import sdp as aiortc_sdp

from limits import SlidingWindow
from media.aiortc_hooks import (
    bound_ice_receive_queue,
    dtls_transport,
    gather_only_on,
    missing_hooks,
)
from media.capture import ForwardedVideoCapture, capture_path
from media.config import MediaConfig
from media.errors import (
    AiortcHooksMissing,
    MalformedCandidate,
    MalformedSdp,
    MediaError,
    MediaServerNotStarted,
    PreflightUnavailable,
    RoomFull,
    SdpTooLarge,
    TooManyCandidates,
    TooManyNegotiations,
    UnknownParticipant,
    UnsupportedMedia,
)
from media.negotiation import MEDIA_KINDS, negotiated_media
from media.participant import Participant
from media.passthrough import ForwardingLimits, RtpRoute
from media.preflight import PreflightResult
from media.preflight_capture import capture_frames
from media.process_patch import PatchHold
from media.quality import DirectionQuality, StreamReading, sample_participant
from media.stats import ParticipantStats, RouteCounters, participant_stats
from media.tracks import EncodedFrameTrack, IdleTrack, PendingTrack

log = logging.getLogger(__name__)

# What aiortc's SDP parser raises on text it cannot read (it also uses ``assert``).
SDP_PARSE_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError)
REQUIRED_CODECS = {"audio": "audio/opus", "video": "video/vp8"}
MAX_PARTICIPANTS = 2

GoneCallback = Callable[[str, str, str], Awaitable[None]]
# Every quality interval, per room: (room id, the roles connected, each direction's quality).
QualityCallback = Callable[[str, frozenset[str], list[DirectionQuality]], Awaitable[None]]


@dataclass(frozen=True)
class IceCandidate:
    candidate: str
    sdp_mid: str | None = None
    sdp_mline_index: int | None = None


@dataclass
class _Room:
    participants: dict[str, Participant] = field(default_factory=dict)
    routes: dict[tuple[str, str], dict[str, RtpRoute]] = field(default_factory=dict)
    flowing: bool = False
    voice_only: set[str] = field(default_factory=set)  # participants whose video is held
    readings: dict[str, dict[str, StreamReading]] = field(default_factory=dict)
    capture: ForwardedVideoCapture | None = None  # development only (MediaConfig.capture_dir)


class MediaServer:
    """Built, then ``await start()``: it checks aiortc's hooks and takes the process's ICE
    host addresses, which ``close()`` gives back."""

    def __init__(
        self,
        config: MediaConfig,
        on_participant_gone: GoneCallback | None = None,
        on_quality: QualityCallback | None = None,
    ):
        self._config = config
        self._limits = ForwardingLimits(
            nack_cache_packets=config.nack_cache_packets,
            pli_min_interval_s=config.pli_min_interval_s,
            keyframe_retry_s=config.keyframe_retry_s,
        )
        self._rooms: dict[str, _Room] = {}
        self._on_gone = on_participant_gone
        self._tasks: set[asyncio.Task[None]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._on_quality = on_quality
        self._quality_task: asyncio.Task[None] | None = None
        self._host_addresses: PatchHold[tuple[str, ...]] | None = None
        self._negotiations = SlidingWindow(config.max_negotiations_per_minute, 60.0)

    async def start(self) -> None:
        """Refuse to start (``AiortcHooksMissing``) unless every aiortc hook is where
        ``media/`` expects it; then gather ICE candidates only on the configured addresses."""
        if self._host_addresses is not None:
            return
        missing = await missing_hooks()
        if missing:
            raise AiortcHooksMissing(missing)
        self._host_addresses = gather_only_on(self._config.host_addresses)

    def report_quality_to(self, report: QualityCallback) -> None:
        """Every room's quality goes to ``report`` each ``quality_interval_s`` (one receiver:
        the composition root wires degraded mode here)."""
        self._on_quality = report

    @property
    def running(self) -> bool:
        """Started and not closed: it can take a participant (``/readyz`` asks)."""
        return self._host_addresses is not None

    # -- joining and leaving -------------------------------------------------------------------

    async def join(self, room_id: str, participant_id: str, role: str, offer_sdp: str) -> str:
        """Add (or replace, on reconnect) a participant from her SDP offer; return the answer."""
        if self._host_addresses is None:
            raise MediaServerNotStarted("join before MediaServer.start()")
        self._validate_offer(offer_sdp)
        self._count_negotiation(room_id, participant_id)
        if self._watchdog is None:
            self._watchdog = asyncio.create_task(self._watch_liveness())
        if self._quality_task is None and self._on_quality is not None:
            self._quality_task = asyncio.create_task(self._watch_quality(self._on_quality))
        room = self._rooms.setdefault(room_id, _Room())
        if len(self._others(room, participant_id)) >= MAX_PARTICIPANTS:
            raise RoomFull(room_id)
        participant = await self._connect(room_id, participant_id, role, offer_sdp)
        # Read the room again: the other side may have joined while this one was connecting
        # (both join at once after a server restart); wiring from a stale list left both
        # connected and silent.
        room = self._rooms.setdefault(room_id, _Room())
        others = self._others(room, participant_id)
        if len(others) >= MAX_PARTICIPANTS:
            await participant.close()
            raise RoomFull(room_id)
        previous = room.participants.get(participant_id)
        room.participants[participant_id] = participant
        participant.flowing = room.flowing
        participant.video_held = participant_id in room.voice_only
        if previous is not None:
            await previous.close()
        for other in others:
            self._wire(room, participant, other)
            self._wire(room, other, participant)
        return participant.pc.localDescription.sdp

    def _count_negotiation(self, room_id: str, participant_id: str) -> None:
        """Each offer builds a new peer connection: a seat gets at most
        ``max_negotiations_per_minute`` of them (a reconnecting booth needs a few)."""
        if not self._negotiations.allow(f"{room_id}\n{participant_id}"):
            raise TooManyNegotiations(
                f"more than {self._config.max_negotiations_per_minute} offers a minute"
            )

    @staticmethod
    def _others(room: _Room, participant_id: str) -> list[Participant]:
        return [p for pid, p in room.participants.items() if pid != participant_id]

    def _validate_offer(self, offer_sdp: str) -> None:
        if len(offer_sdp.encode("utf-8", "replace")) > self._config.max_sdp_bytes:
            raise SdpTooLarge(f"offer larger than {self._config.max_sdp_bytes} bytes")
        try:
            description = aiortc_sdp.SessionDescription.parse(offer_sdp)
        except SDP_PARSE_ERRORS as error:
            raise MalformedSdp(str(error)[:200]) from None
        carried = sum(len(m.ice_candidates) for m in description.media)
        if carried > self._config.max_candidates:  # the offer's own a=candidate lines count too
            raise TooManyCandidates(f"{carried} candidates in the offer")
        kinds = [m.kind for m in description.media]
        if sorted(kinds) != sorted(MEDIA_KINDS):
            raise UnsupportedMedia(f"need one audio and one video section, got {kinds}")
        for section in description.media:
            names = {c.mimeType.lower() for c in section.rtp.codecs}
            if REQUIRED_CODECS[section.kind] not in names:
                raise UnsupportedMedia(f"{section.kind} without {REQUIRED_CODECS[section.kind]}")

    async def _connect(
        self, room_id: str, participant_id: str, role: str, offer_sdp: str
    ) -> Participant:
        configuration = RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
                for s in self._config.ice_servers
            ]
        )
        pc = RTCPeerConnection(configuration)
        try:
            try:
                await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            except SDP_PARSE_ERRORS as error:
                raise MalformedSdp(str(error)[:200]) from None
            dtls = dtls_transport(pc)
            receive_queue = bound_ice_receive_queue(dtls, self._config.receive_queue_packets)
            frame_tracks = self._prepare_senders(pc)
            answer = await pc.createAnswer()
            await pc.setLocalDescription(answer)
            media = negotiated_media(pc, pc.localDescription.sdp)
            if set(media) != set(MEDIA_KINDS):
                raise UnsupportedMedia("audio and video could not both be negotiated")
        except BaseException:
            await pc.close()
            raise
        participant = Participant(
            room_id, participant_id, role, pc, dtls, media, receive_queue, self._config.mode
        )
        participant.frame_tracks = frame_tracks
        if self._config.mode == "passthrough":
            participant.start_passthrough()
        elif self._config.mode == "frame":
            participant.start_frame_forwarding(self._config)
        self._watch_connection(participant)
        return participant

    def _prepare_senders(
        self, pc: RTCPeerConnection
    ) -> dict[str, EncodedFrameTrack | PendingTrack]:
        frame_tracks: dict[str, EncodedFrameTrack | PendingTrack] = {}
        for transceiver in pc.getTransceivers():
            kind = transceiver.kind
            wanted = REQUIRED_CODECS[kind]
            capabilities = RTCRtpSender.getCapabilities(kind).codecs
            transceiver.setCodecPreferences(
                [c for c in capabilities if c.mimeType.lower() in (wanted, f"{kind}/rtx")]
            )
            if self._config.mode == "passthrough":
                pc.addTrack(IdleTrack(kind))
            elif self._config.mode == "frame":
                clock_rate = 90_000 if kind == "video" else 48_000
                track = EncodedFrameTrack(kind, clock_rate, max_frames=8)
                frame_tracks[kind] = track
                pc.addTrack(track)
            else:
                pending = PendingTrack(kind)
                frame_tracks[kind] = pending
                pc.addTrack(pending)
        return frame_tracks

    def _wire(self, room: _Room, source: Participant, target: Participant) -> None:
        key = (source.participant_id, target.participant_id)
        room.routes[key] = source.forward_to(target, self._limits, room.routes.get(key, {}))
        video = room.routes[key].get("video")
        if self._config.capture_dir is not None and source.role == "booth" and video:
            if room.capture is None:
                path = capture_path(self._config.capture_dir, source.room_id)
                room.capture = ForwardedVideoCapture(path)
            video.tap = room.capture.packet

    def _watch_connection(self, participant: Participant) -> None:
        @participant.pc.on("connectionstatechange")
        async def on_state() -> None:
            state = participant.pc.connectionState
            if state in ("failed", "closed") and not participant.dropping:
                participant.dropping = True
                self._spawn(self._drop_if_current(participant, f"ice_{state}"))

    async def _watch_liveness(self) -> None:
        """Removes participants that never connect, or that went silent without closing
        (a pulled cable sends no DTLS close, and ICE consent takes ~30 s to notice)."""
        config = self._config
        while True:
            await asyncio.sleep(config.watchdog_interval_s)
            now = time.monotonic()
            for room in list(self._rooms.values()):
                for participant in list(room.participants.values()):
                    if participant.dropping:
                        continue
                    if participant.pc.connectionState != "connected":
                        if now - participant.joined_at > config.connect_timeout_s:
                            participant.dropping = True
                            self._spawn(self._drop_if_current(participant, "connect_timeout"))
                    elif participant.silent_for(now) > config.silence_timeout_s:
                        participant.dropping = True
                        self._spawn(self._drop_if_current(participant, "silent"))

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drop_if_current(self, participant: Participant, reason: str) -> None:
        if reason.startswith("ice_"):
            await asyncio.sleep(self._config.cleanup_after_failure_s)
        room = self._rooms.get(participant.room_id)
        if room is None or room.participants.get(participant.participant_id) is not participant:
            return  # already replaced by a reconnect, or removed
        await self.leave(participant.room_id, participant.participant_id)
        if self._on_gone is not None:
            await self._on_gone(participant.room_id, participant.participant_id, reason)

    async def add_ice_candidate(
        self, room_id: str, participant_id: str, candidate: IceCandidate
    ) -> None:
        participant = self._participant(room_id, participant_id)
        if candidate.sdp_mid is None and candidate.sdp_mline_index is None:
            raise MalformedCandidate("a candidate names its media section (sdpMid or index)")
        if participant.candidates_added >= self._config.max_candidates:
            raise TooManyCandidates(f"more than {self._config.max_candidates} candidates")
        text = candidate.candidate.removeprefix("candidate:")
        if not text or len(text) > 512:
            raise MalformedCandidate("empty or oversized candidate")
        try:
            parsed = aiortc_sdp.candidate_from_sdp(text)
        except SDP_PARSE_ERRORS as error:
            raise MalformedCandidate(str(error)[:200]) from None
        parsed.sdpMid = candidate.sdp_mid
        parsed.sdpMLineIndex = candidate.sdp_mline_index
        participant.candidates_added += 1
        await participant.pc.addIceCandidate(parsed)

    async def leave(self, room_id: str, participant_id: str) -> None:
        room = self._rooms.get(room_id)
        participant = room.participants.pop(participant_id, None) if room else None
        if room is None or participant is None:
            raise UnknownParticipant(f"{room_id}/{participant_id}")
        for other in room.participants.values():
            other.stop_forwarding()
        await participant.close()

    async def close_room(self, room_id: str) -> None:
        room = self._rooms.pop(room_id, None)
        if room is None:
            return
        await asyncio.gather(*(p.close() for p in room.participants.values()))
        if room.capture is not None:
            room.capture.close()

    async def close(self) -> None:
        try:
            for task in (self._watchdog, self._quality_task):
                if task is not None:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            self._watchdog = self._quality_task = None
            for room_id in list(self._rooms):
                await self.close_room(room_id)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            if self._host_addresses is not None:
                self._host_addresses.release()
                self._host_addresses = None

    # -- flow, stats, preflight ----------------------------------------------------------------

    def set_media_flow(self, room_id: str, flowing: bool) -> None:
        """Admission: media flows between the participants only while this is on."""
        room = self._rooms.setdefault(room_id, _Room())
        room.flowing = flowing
        for participant in room.participants.values():
            participant.set_flowing(flowing)

    def set_voice_only(self, room_id: str, seat: str, voice_only: bool) -> None:
        """Voice only for ``seat``: the server forwards none of its video packets (whatever
        its browser still sends), across reconnects, until switched back."""
        room = self._rooms.setdefault(room_id, _Room())
        if voice_only:
            room.voice_only.add(seat)
        else:
            room.voice_only.discard(seat)
        participant = room.participants.get(seat)
        if participant is not None:
            participant.set_video_held(voice_only)

    async def quality(self, room_id: str) -> tuple[frozenset[str], list[DirectionQuality]]:
        """The roles present and each direction's quality since the previous call."""
        room = self._rooms.get(room_id)
        if room is None:
            return frozenset(), []
        now = time.monotonic()
        samples: list[DirectionQuality] = []
        present = frozenset(p.role for p in room.participants.values())
        for participant_id, participant in list(room.participants.items()):
            previous = room.readings.setdefault(participant_id, {})
            samples += await sample_participant(participant, now, previous)
        return present, samples

    async def _watch_quality(self, report: QualityCallback) -> None:
        """Every ``quality_interval_s``: each room's quality to ``report`` (its failure is
        logged; the loop goes on)."""
        while True:
            await asyncio.sleep(self._config.quality_interval_s)
            for room_id in list(self._rooms):
                try:
                    present, samples = await self.quality(room_id)
                    await report(room_id, present, samples)
                except Exception:
                    log.exception("quality report failed for %s", room_id)

    async def stats(self, room_id: str) -> dict[str, ParticipantStats]:
        room = self._rooms.get(room_id)
        if room is None:
            return {}
        return {pid: await participant_stats(p) for pid, p in room.participants.items()}

    def route_counters(self, room_id: str) -> list[RouteCounters]:
        room = self._rooms.get(room_id)
        if room is None:
            return []
        return [
            RouteCounters(
                source,
                target,
                kind,
                route.forwarded,
                route.resent,
                route.waiting_for_keyframe,
                route.last_estimate_bps,
            )
            for (source, target), routes in room.routes.items()
            for kind, route in routes.items()
        ]

    async def preflight(self, room_id: str, participant_id: str) -> PreflightResult:
        room = self._rooms.get(room_id)
        participant = self._participant(room_id, participant_id)
        if room is not None and room.flowing:
            raise PreflightUnavailable("media is flowing: a live audience is never decoded")
        if self._config.mode == "relay":
            raise PreflightUnavailable("preflight is not offered in relay mode")
        return await capture_frames(
            participant, self._config.preflight_frames, self._config.preflight_timeout_s
        )

    def _participant(self, room_id: str, participant_id: str) -> Participant:
        room = self._rooms.get(room_id)
        participant = room.participants.get(participant_id) if room else None
        if participant is None:
            raise UnknownParticipant(f"{room_id}/{participant_id}")
        return participant

    def room_ids(self) -> list[str]:
        return list(self._rooms)

    def participant_count(self) -> int:
        return sum(len(room.participants) for room in self._rooms.values())


__all__ = ["IceCandidate", "MediaError", "MediaServer"]
