"""Sampling a few decoded frames of a participant's camera for the preflight check.

Only here does the server decode video, and only before the audience: the receiver's normal
aiortc path (jitter buffer, decoder thread) is switched on for the sample and off after it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiortc.mediastreams import MediaStreamError

from media.aiortc_hooks import discard_decoded_frames, request_keyframe
from media.errors import PreflightUnavailable
from media.participant import Participant
from media.preflight import Image, PreflightResult, check_frames

SAMPLE_SPACING_S = 0.15


async def capture_frames(
    participant: Participant, frames: int, timeout_s: float
) -> PreflightResult:
    video = participant.media["video"]
    track: Any = video.receiver.track
    _decode(participant, True)
    participant_ssrc = _video_ssrc(participant)
    if participant_ssrc is not None:
        await request_keyframe(video.receiver, participant_ssrc)
    images: list[Image] = []
    try:
        async with asyncio.timeout(timeout_s):
            last = 0.0
            while len(images) < frames:
                frame = await track.recv()
                now = time.monotonic()
                if now - last >= SAMPLE_SPACING_S:
                    last = now
                    images.append(await asyncio.to_thread(frame.to_ndarray, format="bgr24"))
    except (TimeoutError, MediaStreamError):
        if not images:
            raise PreflightUnavailable("no video arrived from the camera in time") from None
    finally:
        _decode(participant, False)
        discard_decoded_frames(track)
    return await asyncio.to_thread(check_frames, images)


def _decode(participant: Participant, on: bool) -> None:
    if participant.passthrough is not None:
        participant.passthrough.decode_video = on
    tap = participant.frame_taps.get("video")
    if tap is not None:
        tap.also_decode = on


def _video_ssrc(participant: Participant) -> int | None:
    if participant.passthrough is not None:
        return participant.passthrough.streams["video"].ssrc
    sources = participant.media["video"].receiver.getSynchronizationSources()
    return sources[0].source if sources else None
