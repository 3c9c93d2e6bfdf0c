"""Pydantic schemas of every client event, with size limits; unknown fields are refused; text
is valid Unicode without NUL (strict mode would let a lone surrogate through to aiortc)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_SDP_CHARS = 16_384
MAX_CANDIDATE_CHARS = 512


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("*")
    @classmethod
    def _plain_text(cls, value: object) -> object:
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("text with a NUL character")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text that is not Unicode (a lone surrogate)") from None
        return value


class Empty(Payload):
    pass


class Offer(Payload):
    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARS)


class Candidate(Payload):
    candidate: str = Field(max_length=MAX_CANDIDATE_CHARS)
    sdpMid: str | None = Field(default=None, max_length=32)
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=16)

    @model_validator(mode="after")
    def _names_its_media_line(self) -> Candidate:
        # aiortc raises a bare ValueError for a candidate that names neither.
        if self.sdpMid is None and self.sdpMLineIndex is None:
            raise ValueError("a candidate names its sdpMid or sdpMLineIndex")
        return self


class KeyShare(Payload):
    """One end's ECDH P-256 public key (raw, base64url) for the audience's frame key, signed
    with its device key (raw r||s, base64url; empty from a device without a key). An answer
    (``reply``) names the offer it answers by that offer's public key."""

    public: str = Field(pattern=r"^[A-Za-z0-9_-]{87}$")  # 65 bytes
    signature: str = Field(pattern=r"^([A-Za-z0-9_-]{86})?$")  # 64 bytes
    reply: bool
    answers: str = Field(default="", pattern=r"^([A-Za-z0-9_-]{87})?$")


class Extend(Payload):
    push_next: bool = False


class Resume(Payload):
    # The paused time cannot all be given back before the next slot: end at its start.
    accept_shorter: bool = False


class VoiceOnly(Payload):
    on: bool


class RoomQuery(Payload):
    room: str = Field(min_length=1, max_length=64)


MAX_HELP_ANSWER_CHARS = 200  # a short answer, read on the kiosk at a glance (devices.help)


class HelpAsk(Payload):
    """What the booth's help button says is wrong."""

    reason: Literal["sound", "picture", "coordinator", "something_else"]


class HelpAnswer(Payload):
    """A coordinator's answer to a booth's open help alert: a short text, or "on my way"."""

    alert: int = Field(ge=1, le=2**31 - 1)
    kind: Literal["text", "on_my_way"]
    text: str = Field(default="", max_length=MAX_HELP_ANSWER_CHARS)

    @model_validator(mode="after")
    def _text_with_text_only(self) -> HelpAnswer:
        if self.kind == "text" and not self.text.strip():
            raise ValueError("a text answer needs its text")
        if self.kind == "on_my_way" and self.text:
            raise ValueError("'on my way' carries no text")
        return self
