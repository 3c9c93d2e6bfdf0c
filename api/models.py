"""Request bodies and queries of the HTTP API: pydantic, unknown fields refused, sizes bounded,
ids within the database's 64-bit integers, moments with a time zone inside the calendar the
service works in, text without NUL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from casework.lifecycle import RequestStatus
from devices.service import SCREENS
from reception.kinds import CallDirection, CallOutcome, CallPurpose, VisitPurpose
from reference.hours import HH_MM
from reports.periods import (
    InvalidPeriod,
    Period,
    PeriodKind,
    day_range,
    gregorian_month,
    hijri_year,
)

MAX_ID: Final = 2**63 - 1  # a BIGINT (SQLite, PostgreSQL); one more overflows the driver
# Moments and days the service accepts: far enough either side of any real sitting, and far
# from year 1 and 9999, where adding a day or an offset to UTC overflows.
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)


def _inside_the_calendar(moment: datetime) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"not between {EARLIEST.date()} and {LATEST.date()}")
    return moment


def _a_day_inside_the_calendar(day: date) -> date:
    if not EARLIEST.date() <= day < LATEST.date():
        raise ValueError(f"not between {EARLIEST.date()} and {LATEST.date()}")
    return day


# Strict: JSON true is not id 1, nor "2" id 2 (a body is what the apps send, never coerced).
RowId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
Moment = Annotated[AwareDatetime, AfterValidator(_inside_the_calendar)]
Day = Annotated[date, AfterValidator(_a_day_inside_the_calendar)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # SQLite keeps a NUL, PostgreSQL refuses it mid-transaction: refuse it here for both.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text with a NUL character")
        return value


class RegisterRequest(Body):
    full_name: str = Field(max_length=200)
    national_id: str = Field(max_length=20)
    phone: str = Field(max_length=32)
    language: Literal["ar", "en"] = "ar"
    centre: str = Field(min_length=1, max_length=32)
    category: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=5000)


class ContactUpdate(Body):
    """An applicant's new contact details; a field left out keeps what is stored."""

    full_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    language: Literal["ar", "en"] | None = None


class StatusChange(Body):
    status: RequestStatus
    note: str = Field(default="", max_length=500)


class Amendment(Body):
    text: str = Field(max_length=5000)


class Referral(Body):
    department: str = Field(min_length=1, max_length=64)
    due_on: Day
    note: str = Field(default="", max_length=1000)


class Reply(Body):
    reply: str = Field(min_length=1, max_length=5000)


class Sitting(Body):
    office_device: str = Field(min_length=1, max_length=64)
    starts_at: Moment
    ends_at: Moment


class BookingBody(Body):
    request_id: RowId
    slot_id: RowId
    booth: str = Field(min_length=3, max_length=64)


class Move(Body):
    slot_id: RowId
    booth: str = Field(min_length=3, max_length=64)


class MoveToBooth(Body):
    """The booth an appointment moves to, named as appointments name it (``riyadh/booth-2``)."""

    booth: str = Field(min_length=3, max_length=64)


class OutOfService(Body):
    reason: str = Field(min_length=1, max_length=200)
    expected_back_at: Moment | None = None

    @field_validator("reason")
    @classmethod
    def _said_something(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason of blanks only")
        return value.strip()


class Call(Body):
    outcome: Literal["confirmed", "no_answer", "asked_to_reschedule", "wrong_number"]


class Standby(Body):
    request_id: RowId


class StandbyOrder(Body):
    """A sitting's standby list in its new order: every request on it, each once."""

    request_ids: list[RowId] = Field(min_length=1, max_length=200)


class StandbyFill(Body):
    """A standby applicant called and booked into the freed slot."""

    request_id: RowId
    booth: str = Field(min_length=3, max_length=64)


class Closing(Body):
    outcome: Literal["resolved", "not_possible"]
    reason: str = Field(default="", max_length=500)


class Lookup(Body):
    tracking_number: str = Field(max_length=20)
    phone_last_four: str = Field(min_length=4, max_length=4, pattern=r"^[0-9٠-٩]{4}$")


class QueueQuery(Body):
    office: str = Field(min_length=1, max_length=64)
    day_start: Moment | None = None


class SignIn(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    otp: str | None = Field(default=None, max_length=16)  # admins' and supervisors' TOTP code
    # Required (and only used) when the account holds a one-time password.
    new_password: str | None = Field(default=None, min_length=1, max_length=1024)


class SearchQuery(Body):
    q: str = Field(min_length=1, max_length=32)


class DayQuery(Body):
    day_start: Moment


class DevicePublicKey(Body):
    """The device's public key as WebCrypto exports it (JWK), its coordinates only."""

    kty: Literal["EC"]
    crv: Literal["P-256"]
    x: str = Field(min_length=43, max_length=43)  # 32 bytes in base64url
    y: str = Field(min_length=43, max_length=43)


class Enroll(Body):
    code: str = Field(min_length=8, max_length=32)
    public_key: DevicePublicKey


class DirectoryKeyRegistration(Body):
    """An administrator's browser's directory key (devices.directory)."""

    public_key: DevicePublicKey


class Endorsement(Body):
    """A trusted directory key's signature (raw r‖s, base64url) over what it endorses."""

    by: int = Field(ge=1, le=2**31 - 1, strict=True)  # "1", 1.0 or true name no key
    signature: str = Field(min_length=86, max_length=86, pattern=r"^[A-Za-z0-9_-]+$")


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
    stars: int = Field(ge=1, le=5, strict=True)


class Outcome(Body):
    outcome: Literal["resolved", "referred", "follow_up"]
    department: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = Field(default="", max_length=1000)


# -- reference data (administrators) ---------------------------------------------------------------

# Codes are what requests, referrals and device names store: lowercase ASCII, never changed.
CentreCode = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")]
EntryCode = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,64}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
WallClock = Annotated[str, Field(pattern=f"^{HH_MM.pattern}$")]  # "HH:MM", the centre's time


class NewCentre(Body):
    code: CentreCode
    name_ar: Name
    name_en: Name
    city: City
    opens_at: WallClock
    closes_at: WallClock


class _Change(Body):
    @model_validator(mode="after")
    def _changes_something(self) -> _Change:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("nothing to change")
        return self


class CentrePatch(_Change):
    """Any of a centre's fields but its code; opening hours still open before they close."""

    name_ar: Name | None = None
    name_en: Name | None = None
    city: City | None = None
    opens_at: WallClock | None = None
    closes_at: WallClock | None = None


class NewEntry(Body):
    """A request category or a department."""

    code: EntryCode
    label_ar: Name
    label_en: Name


class EntryPatch(_Change):
    label_ar: Name | None = None
    label_en: Name | None = None
    active: bool | None = Field(default=None, strict=True)


# -- staff accounts and devices (administrators) -------------------------------------------------


class NewStaff(Body):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(default="", max_length=200)
    role: Literal["coordinator", "office", "supervisor", "admin"]
    centres: list[CentreCode] = Field(default_factory=list, max_length=100)
    all_centres: bool = Field(default=False, strict=True)


class StaffChange(Body):
    display_name: str | None = Field(default=None, max_length=200)
    centres: list[CentreCode] | None = Field(default=None, max_length=100)
    all_centres: bool | None = Field(default=None, strict=True)

    @model_validator(mode="after")
    def _something(self) -> StaffChange:
        if not self.model_fields_set:
            raise ValueError("a change names at least one field")
        return self


class NewDevice(Body):
    kind: Literal["booth", "office"]
    centre: CentreCode | None = None  # a booth's; an office terminal has none
    label: str = Field(min_length=1, max_length=32)


class DeviceRename(Body):
    label: str = Field(min_length=1, max_length=32)


# -- reception and the ministry's figures (issue 14) ----------------------------------------------

MAX_CALL_SECONDS: Final = 4 * 3600  # a longer enquiry call is a typing mistake


class NewVisit(Body):
    centre: str = Field(min_length=1, max_length=32)
    purpose: VisitPurpose
    tracking_number: str | None = Field(default=None, max_length=32)  # with or without spaces
    note: str = Field(default="", max_length=1000)


class NewCall(Body):
    centre: str = Field(min_length=1, max_length=32)
    direction: CallDirection
    purpose: CallPurpose
    outcome: CallOutcome
    duration_seconds: int = Field(ge=0, le=MAX_CALL_SECONDS, strict=True)
    tracking_number: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=1000)


class ReceptionDayQuery(Body):
    """The day's visits and calls: from this moment (the desk's midnight) on."""

    since: Moment


class ReportQuery(Body):
    """A Hijri year (``year``), a Gregorian month (``month``: YYYY-MM) or a range of days."""

    period: PeriodKind
    year: int | None = Field(default=None, ge=1, le=9999)
    month: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}$")
    first_day: Day | None = None
    last_day: Day | None = None

    @model_validator(mode="after")
    def _fields_of_the_period(self) -> ReportQuery:
        needed = {
            PeriodKind.HIJRI_YEAR: self.year is not None,
            PeriodKind.MONTH: self.month is not None,
            PeriodKind.RANGE: self.first_day is not None and self.last_day is not None,
        }
        if not needed[self.period]:
            raise ValueError(f"a {self.period.value} period needs its fields")
        return self

    def as_period(self) -> Period:
        if self.period is PeriodKind.HIJRI_YEAR and self.year is not None:
            return hijri_year(self.year)
        if self.period is PeriodKind.MONTH and self.month is not None:
            year, month = self.month.split("-")
            return gregorian_month(int(year), int(month))
        if self.first_day is None or self.last_day is None:  # checked above
            raise InvalidPeriod("a range needs its first and last day")
        return day_range(self.first_day, self.last_day)


class SafeguardingHandling(Body):
    """How a coordinator handled a safeguarding alert (sealed at rest, never audited)."""

    note: str = Field(default="", max_length=2000)
