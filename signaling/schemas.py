"""Pydantic schemas of every client event, with size limits; unknown fields are refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_SDP_CHARS = 16_384
MAX_CANDIDATE_CHARS = 512


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Empty(Payload):
    pass


class Offer(Payload):
    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARS)


class Candidate(Payload):
    candidate: str = Field(max_length=MAX_CANDIDATE_CHARS)
    sdpMid: str | None = Field(default=None, max_length=32)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=16)


class Extend(Payload):
    push_next: bool = False


class RoomQuery(Payload):
    room: str = Field(min_length=1, max_length=64)
