"""Request bodies of the HTTP API: pydantic, strict, unknown fields refused, sizes bounded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from casework.lifecycle import RequestStatus
from devices.service import SCREENS


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegisterRequest(Body):
    full_name: str = Field(max_length=200)
    national_id: str = Field(max_length=20)
    phone: str = Field(max_length=32)
    language: Literal["ar", "en"] = "ar"
    centre: str = Field(min_length=1, max_length=32)
    category: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=5000)


class StatusChange(Body):
    status: RequestStatus
    note: str = Field(default="", max_length=500)


class Amendment(Body):
    text: str = Field(max_length=5000)


class Referral(Body):
    department: str = Field(min_length=1, max_length=64)
    due_on: date
    note: str = Field(default="", max_length=1000)


class Reply(Body):
    reply: str = Field(min_length=1, max_length=5000)


class Sitting(Body):
    office_device: str = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class BookingBody(Body):
    request_id: int = Field(ge=1)
    slot_id: int = Field(ge=1)
    booth: str = Field(min_length=3, max_length=64)


class Move(Body):
    slot_id: int = Field(ge=1)
    booth: str = Field(min_length=3, max_length=64)


class Call(Body):
    outcome: Literal["confirmed", "no_answer", "asked_to_reschedule", "wrong_number"]


class Standby(Body):
    request_id: int = Field(ge=1)


class Lookup(Body):
    tracking_number: str = Field(max_length=20)
    phone_last_four: str = Field(min_length=4, max_length=4, pattern=r"^[0-9٠-٩]{4}$")


class QueueQuery(Body):
    office: str = Field(min_length=1, max_length=64)
    day_start: datetime | None = None


class SignIn(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SearchQuery(Body):
    q: str = Field(min_length=1, max_length=32)


class DayQuery(Body):
    day_start: AwareDatetime


class Enroll(Body):
    code: str = Field(min_length=8, max_length=32)


class RoomChoice(Body):
    room: str | None = Field(default=None, min_length=1, max_length=64)


class HeartbeatBody(Body):
    screen: str = Field(max_length=16)
    round_trip_ms: int | None = Field(default=None, ge=0, le=60_000)

    @field_validator("screen")
    @classmethod
    def _known_screen(cls, value: str) -> str:
        if value not in SCREENS:
            raise ValueError("unknown screen")
        return value


class Rating(Body):
    stars: int = Field(ge=1, le=5)


class Outcome(Body):
    outcome: Literal["resolved", "referred", "follow_up"]
    department: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = Field(default="", max_length=1000)
