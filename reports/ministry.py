"""The ministry's figures for a period, per centre and in total: visitors, requests registered
and from women, SMS sent and their segments, calls handled, satisfaction (average and the
count of each star), service time (average and median), audiences held and their average
minutes, the no-show rate and the technical failures, the safeguarding alerts raised at the
booths, the audiences held in voice only (her choice), and the connection quality of the
audiences measured (the share with poor quality more than a tenth of the time, the median share
of time in poor quality). Counts, durations and rates only: no name, no text, no tracking
number.

Every request counts as a woman's: Majlis serves the women's centres, and every applicant is
registered by them (docs/API.md, "The ministry's figures"). Each figure is dated by its own
moment: a visit by its arrival, a request by its registration, an SMS by its sending, a call by
its time, an audience (held, no-show, rated) by its appointment, a failure by its alert.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from casework.tables import outbox, requests
from devices.tables import alerts
from foundation.scope import CentreScope, centre_of_device
from foundation.tables import centres
from reception.tables import enquiry_calls, visits
from reports.periods import Period, PeriodKind
from rooms.state import EventKind
from rooms.tables import room_events, rooms
from safeguarding.tables import safeguarding_alerts
from scheduler.audience_quality import poor_share
from scheduler.status import AppointmentStatus
from scheduler.tables import appointments, audience_quality

STARS = (1, 2, 3, 4, 5)
TECHNICAL_ALERTS = ("preflight_failed", "disconnected")  # not "help": the applicant asked
# An audience in poor quality: video or sound unusable more than this share of its measured
# time (a minute of a ten-minute audience). A definition the ministry reads, not a tunable.
POOR_AUDIENCE_SHARE = 0.10
# The safeguarding alerts are counted for a Gregorian month that has ended only: a shorter
# period's count, next to its audiences, could point at the woman who pressed; ranges of days
# overlap and subtract down to a day; a Hijri year overlaps the months it straddles (their
# difference is a few days); and a month still running counts up as she presses.
SAFEGUARDING_PERIODS = frozenset({PeriodKind.MONTH})


@dataclass
class Tally:
    """What one centre's figures are computed from (a total adds tallies)."""

    visitors: int = 0
    requests: int = 0
    sms_sent: int = 0
    sms_segments: int = 0
    calls: int = 0
    stars: dict[int, int] = field(default_factory=dict)
    service_seconds: list[int] = field(default_factory=list)
    audiences_held: int = 0
    no_shows: int = 0
    audience_minutes: list[float] = field(default_factory=list)
    technical_failures: int = 0
    safeguarding_alerts: int = 0  # a count: never what happened
    voice_only_audiences: int = 0  # held audiences in which she chose voice only
    poor_shares: list[float] = field(default_factory=list)  # one per audience measured

    def add(self, other: Tally) -> None:
        for name in ("visitors", "requests", "sms_sent", "sms_segments", "calls"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for stars, n in other.stars.items():
            self.stars[stars] = self.stars.get(stars, 0) + n
        self.service_seconds.extend(other.service_seconds)
        self.audiences_held += other.audiences_held
        self.no_shows += other.no_shows
        self.audience_minutes.extend(other.audience_minutes)
        self.technical_failures += other.technical_failures
        self.safeguarding_alerts += other.safeguarding_alerts
        self.voice_only_audiences += other.voice_only_audiences
        self.poor_shares.extend(other.poor_shares)


@dataclass(frozen=True)
class CentreFigures:
    centre: str  # the centre's code; "" for the total
    visitors: int
    requests_registered: int
    requests_from_women: int
    sms_sent: int
    sms_segments: int
    calls_handled: int
    satisfaction_average: float | None
    ratings: int
    satisfaction_distribution: tuple[int, ...]  # how many gave 1, 2, 3, 4, 5 stars
    service_minutes_average: float | None
    service_minutes_median: float | None
    audiences_held: int
    audience_minutes_average: float | None
    no_show_rate: float | None
    technical_failures: int
    # None for a range of days (SAFEGUARDING_PERIODS: a month or a Hijri year only).
    safeguarding_alerts: int | None = 0
    voice_only_audiences: int = 0
    quality_measured_audiences: int = 0
    poor_quality_rate: float | None = None  # of those measured: poor > POOR_AUDIENCE_SHARE
    poor_share_median: float | None = None


@dataclass(frozen=True)
class MinistryReport:
    period: Period
    centres: tuple[CentreFigures, ...]
    total: CentreFigures


def figures_of(centre: str, tally: Tally, safeguarding_shown: bool = True) -> CentreFigures:
    ratings = sum(tally.stars.values())
    stars_given = sum(stars * n for stars, n in tally.stars.items())
    service = [seconds / 60 for seconds in tally.service_seconds]
    attended = tally.audiences_held + tally.no_shows
    audience = tally.audience_minutes
    shares = tally.poor_shares
    poor = sum(share > POOR_AUDIENCE_SHARE for share in shares)
    return CentreFigures(
        centre=centre,
        visitors=tally.visitors,
        requests_registered=tally.requests,
        requests_from_women=tally.requests,
        sms_sent=tally.sms_sent,
        sms_segments=tally.sms_segments,
        calls_handled=tally.calls,
        satisfaction_average=round(stars_given / ratings, 2) if ratings else None,
        ratings=ratings,
        satisfaction_distribution=tuple(tally.stars.get(stars, 0) for stars in STARS),
        service_minutes_average=round(sum(service) / len(service), 1) if service else None,
        service_minutes_median=round(statistics.median(service), 1) if service else None,
        audiences_held=tally.audiences_held,
        audience_minutes_average=round(sum(audience) / len(audience), 1) if audience else None,
        no_show_rate=round(tally.no_shows / attended, 3) if attended else None,
        technical_failures=tally.technical_failures,
        safeguarding_alerts=tally.safeguarding_alerts if safeguarding_shown else None,
        voice_only_audiences=tally.voice_only_audiences,
        quality_measured_audiences=len(shares),
        poor_quality_rate=round(poor / len(shares), 3) if shares else None,
        poor_share_median=round(statistics.median(shares), 3) if shares else None,
    )


class MinistryFigures:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def report(
        self,
        period: Period,
        audience_minutes: Mapping[str, float],
        *,
        scope: CentreScope,
        now: datetime,
    ) -> MinistryReport:
        """``audience_minutes``: room id → minutes from admission to end (the rooms' events,
        which the caller reads)."""
        async with self._engine.connect() as connection:
            codes = [
                code
                for (code,) in await connection.execute(
                    select(centres.c.code)
                    .where(scope.where(centres.c.code))
                    .order_by(centres.c.code)
                )
            ]
            tallies = {code: Tally() for code in codes}
            unattributed = Tally()  # SMS of no request: in an every-centre total only
            await _count(connection, period, scope, tallies, unattributed, audience_minutes)
        total = Tally()
        for tally in tallies.values():
            total.add(tally)
        if scope.everywhere:
            total.add(unattributed)
        shown = period.kind in SAFEGUARDING_PERIODS and period.ends_before <= now
        return MinistryReport(
            period=period,
            centres=tuple(figures_of(code, tally, shown) for code, tally in tallies.items()),
            total=figures_of("", total, shown),
        )


async def _count(
    connection: AsyncConnection,
    period: Period,
    scope: CentreScope,
    tallies: dict[str, Tally],
    unattributed: Tally,
    audience_minutes: Mapping[str, float],
) -> None:
    def within(column: ColumnElement[datetime]) -> ColumnElement[bool]:
        return _within(period, column)

    def of(centre: str | None) -> Tally:
        return tallies.get(centre, unattributed) if centre else unattributed

    for row in await connection.execute(
        select(visits.c.centre, func.count().label("n"))
        .where(within(visits.c.arrived_at), scope.where(visits.c.centre))
        .group_by(visits.c.centre)
    ):
        of(row.centre).visitors = int(row.n)
    for row in await connection.execute(
        select(visits.c.centre, visits.c.arrived_at, visits.c.finished_at).where(
            within(visits.c.arrived_at),
            visits.c.finished_at.is_not(None),
            scope.where(visits.c.centre),
        )
    ):
        of(row.centre).service_seconds.append(
            int((row.finished_at - row.arrived_at).total_seconds())
        )
    for row in await connection.execute(
        select(requests.c.centre, func.count().label("n"))
        .where(within(requests.c.created_at), scope.where(requests.c.centre))
        .group_by(requests.c.centre)
    ):
        of(row.centre).requests = int(row.n)
    sms = (
        select(
            requests.c.centre,
            func.count().label("n"),
            func.coalesce(func.sum(outbox.c.segments), 0).label("segments"),
        )
        .select_from(outbox.outerjoin(requests, requests.c.id == outbox.c.request_id))
        .where(outbox.c.status == "sent", within(outbox.c.sent_at))
        .group_by(requests.c.centre)
    )
    for row in await connection.execute(sms):
        if row.centre is None and not scope.everywhere:
            continue
        if row.centre is not None and not scope.covers(row.centre):
            continue
        tally = of(row.centre)
        tally.sms_sent, tally.sms_segments = int(row.n), int(row.segments)
    for row in await connection.execute(
        select(enquiry_calls.c.centre, func.count().label("n"))
        .where(within(enquiry_calls.c.at), scope.where(enquiry_calls.c.centre))
        .group_by(enquiry_calls.c.centre)
    ):
        of(row.centre).calls = int(row.n)
    await _count_audiences(connection, period, scope, tallies, audience_minutes)
    for row in await connection.execute(
        select(alerts.c.device).where(
            alerts.c.kind.in_(TECHNICAL_ALERTS), within(alerts.c.raised_at)
        )
    ):
        centre = centre_of_device(row.device)
        if centre in tallies:
            tallies[centre].technical_failures += 1
    for row in await connection.execute(
        select(safeguarding_alerts.c.centre, func.count().label("n"))
        .where(within(safeguarding_alerts.c.raised_at))
        .group_by(safeguarding_alerts.c.centre)
    ):
        if row.centre in tallies:
            tallies[row.centre].safeguarding_alerts = int(row.n)


async def _count_audiences(
    connection: AsyncConnection,
    period: Period,
    scope: CentreScope,
    tallies: dict[str, Tally],
    audience_minutes: Mapping[str, float],
) -> None:
    held, no_show = AppointmentStatus.HEARD.value, AppointmentStatus.NO_SHOW.value
    rows = await connection.execute(
        select(
            requests.c.centre,
            appointments.c.status,
            appointments.c.rating,
            appointments.c.room_id,
            audience_quality.c.seconds.label("quality_seconds"),
            audience_quality.c.poor_seconds,
        )
        .select_from(
            appointments.join(requests, requests.c.id == appointments.c.request_id).outerjoin(
                audience_quality, audience_quality.c.appointment_id == appointments.c.id
            )
        )
        .where(
            _within(period, appointments.c.starts_at),
            scope.where(requests.c.centre),
        )
    )
    voice_only = {
        r.room_id
        for r in await connection.execute(
            select(room_events.c.room_id)
            .select_from(room_events.join(rooms, rooms.c.id == room_events.c.room_id))
            .where(
                room_events.c.kind == EventKind.VOICE_ONLY.value,
                _within(period, rooms.c.starts_at),
            )
        )
    }
    for row in rows:
        tally = tallies.get(row.centre)
        if tally is None:
            continue
        if row.status == held and row.room_id in voice_only:
            tally.voice_only_audiences += 1
        if row.quality_seconds:  # held, ended early or failed: each audience measured
            tally.poor_shares.append(poor_share(row.quality_seconds, row.poor_seconds))
        if row.rating is not None:
            tally.stars[int(row.rating)] = tally.stars.get(int(row.rating), 0) + 1
        if row.status == held:
            tally.audiences_held += 1
            if row.room_id in audience_minutes:
                tally.audience_minutes.append(audience_minutes[row.room_id])
        elif row.status == no_show:
            tally.no_shows += 1


def _within(period: Period, column: ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(column >= period.starts_at, column < period.ends_before)


def centre_rows(report: MinistryReport) -> Iterable[CentreFigures]:
    """Each centre's figures, then the total."""
    yield from report.centres
    yield report.total
