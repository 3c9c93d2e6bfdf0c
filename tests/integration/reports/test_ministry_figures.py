"""The ministry's figures on seeded data: every figure's exact value, per centre and in total,
for a Hijri year and for a range of days (issue 14). Visits, calls and requests are recorded
through the services at known moments; appointment outcomes, SMS and alerts are set in the
database where the audience itself would set them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, update

from casework.tables import outbox
from devices.service import DeviceService
from foundation.scope import EVERY_CENTRE, CentreScope
from majlis.components import pii_cipher
from reception.kinds import CallDirection, CallOutcome, CallPurpose, VisitPurpose
from reception.log import NewCall, NewVisit, ReceptionLog
from reports.ministry import MinistryFigures, MinistryReport
from reports.ministry_csv import BOM, ministry_csv
from reports.periods import day_range, gregorian_month, hijri_year
from safeguarding.tables import safeguarding_alerts
from scheduler.tables import appointments, audience_quality
from tests.integration.casework.conftest import Office, tomorrows_first_slot, valid_registration

NOV_30 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 10:00 in Riyadh; Hijri year 1448
DEC_1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)  # every period of the tests has ended
UNSAID = {"safeguarding_alerts": None}  # counted by ended Gregorian month only (below)
JUNE_10 = datetime(2026, 6, 10, 7, 0, tzinfo=UTC)  # still 1447
ROOM_MINUTES = {"room-heard-5": 6.0, "room-heard-3": 8.0, "room-elsewhere": 30.0}
APPLICANTS = (
    ("riyadh", "1000000008", "0501234567"),
    ("riyadh", "1000000016", "0501234568"),
    ("riyadh", "1000000024", "0501234569"),
    ("jeddah", "1000000032", "0501234570"),
)


async def visit(log: ReceptionLog, centre: str, arrived: datetime, minutes: float | None) -> None:
    recorded = await log.record_visit(
        NewVisit(centre, VisitPurpose.ENQUIRY, note="سألت عن موعدها"),
        "c1",
        arrived,
        scope=EVERY_CENTRE,
    )
    if minutes is not None:
        await log.finish_visit(
            recorded.id, arrived + timedelta(minutes=minutes), scope=EVERY_CENTRE
        )


async def call(log: ReceptionLog, centre: str, at: datetime) -> None:
    await log.record_call(
        NewCall(centre, CallDirection.INCOMING, CallPurpose.ENQUIRY, CallOutcome.ANSWERED, 180),
        "c1",
        at,
        scope=EVERY_CENTRE,
    )


async def seed(office: Office) -> None:
    log = ReceptionLog(office.engine, pii_cipher(office.settings))
    office.clock.set(NOV_30)
    request_ids = []
    for centre, national_id, phone in APPLICANTS:
        registered = await office.desk.register(
            valid_registration(centre=centre, national_id=national_id, phone=phone),
            "c1",
            NOV_30,
            scope=EVERY_CENTRE,
        )
        request_ids.append(registered.request_id)
    async with office.engine.begin() as connection:  # each registration's SMS, sent that hour
        sent = await connection.execute(
            update(outbox).values(status="sent", sent_at=NOV_30 + timedelta(hours=1), segments=2)
        )
        assert sent.rowcount == 4
    minute = timedelta(minutes=1)
    for offset, minutes in ((0, 6), (10, 4), (20, 11), (30, None)):
        await visit(log, "riyadh", NOV_30 + offset * minute, minutes)
    await visit(log, "jeddah", NOV_30, 9)
    await visit(log, "riyadh", JUNE_10, 60)  # another Hijri year
    await call(log, "riyadh", NOV_30)
    await call(log, "riyadh", NOV_30 + 5 * minute)
    await call(log, "jeddah", NOV_30 + 5 * minute)
    # Three audiences on 1 December at Riyadh: two held (5 and 3 stars; poor quality 5 % and
    # 25 % of their measured time), one no-show (never measured).
    first_slot = await tomorrows_first_slot(office)
    outcomes = (("heard", 5, "room-heard-5"), ("heard", 3, "room-heard-3"), ("no_show", None, None))
    measured = {0: (600, 30), 1: (400, 100)}
    for n, (status, stars, room) in enumerate(outcomes):
        booked = await office.scheduler.book(
            request_ids[n], first_slot + n, "riyadh/booth-1", "c1", NOV_30, scope=EVERY_CENTRE
        )
        async with office.engine.begin() as connection:
            await connection.execute(
                update(appointments)
                .where(appointments.c.id == booked)
                .values(status=status, rating=stars, room_id=room)
            )
            if n in measured:
                seconds, poor = measured[n]
                await connection.execute(
                    insert(audience_quality).values(
                        appointment_id=booked,
                        seconds=seconds,
                        poor_seconds=poor,
                        voice_only_seconds=0,
                        worst_poor_s=10,
                        worst_max_loss=0.3,
                    )
                )
    devices = DeviceService(office.engine)
    await devices.raise_alert("riyadh/booth-1", None, "preflight_failed", NOV_30)
    await devices.raise_alert("riyadh/booth-2", None, "help", NOV_30)  # not a failure
    await devices.raise_alert("jeddah/booth-1", None, "disconnected", DEC_1)
    async with office.engine.begin() as connection:  # counted, never read
        await connection.execute(
            insert(safeguarding_alerts).values(
                device="riyadh/booth-2", centre="riyadh", raised_at=NOV_30, handling_note=""
            )
        )


def figures(report: MinistryReport) -> dict[str, dict[str, object]]:
    rows = {row.centre or "total": asdict(row) for row in (*report.centres, report.total)}
    for row in rows.values():
        del row["centre"]
    return rows


NONE_RATED = {
    "satisfaction_average": None,
    "ratings": 0,
    "satisfaction_distribution": (0, 0, 0, 0, 0),
    "audiences_held": 0,
    "audience_minutes_average": None,
    "no_show_rate": None,
    "voice_only_audiences": 0,
    "quality_measured_audiences": 0,
    "poor_quality_rate": None,
    "poor_share_median": None,
}
RIYADH_30_NOV = {
    "visitors": 4,
    "requests_registered": 3,
    "requests_from_women": 3,
    "sms_sent": 3,
    "sms_segments": 6,
    "calls_handled": 2,
    "service_minutes_average": 7.0,  # 6, 4 and 11 minutes; the fourth is still being served
    "service_minutes_median": 6.0,
    "technical_failures": 1,
    "safeguarding_alerts": 1,
}
JEDDAH_30_NOV = {
    "visitors": 1,
    "requests_registered": 1,
    "requests_from_women": 1,
    "sms_sent": 1,
    "sms_segments": 2,
    "calls_handled": 1,
    "service_minutes_average": 9.0,
    "service_minutes_median": 9.0,
    "technical_failures": 0,
    "safeguarding_alerts": 0,
}
TOTAL_30_NOV = {
    "visitors": 5,
    "requests_registered": 4,
    "requests_from_women": 4,
    "sms_sent": 4,
    "sms_segments": 8,
    "calls_handled": 3,
    "service_minutes_average": 7.5,  # 6, 4, 11 and 9
    "service_minutes_median": 7.5,
    "technical_failures": 1,
    "safeguarding_alerts": 1,
}
RIYADH_AUDIENCES = {
    "satisfaction_average": 4.0,
    "ratings": 2,
    "satisfaction_distribution": (0, 0, 1, 0, 1),
    "audiences_held": 2,
    "audience_minutes_average": 7.0,
    "no_show_rate": 0.333,
    "voice_only_audiences": 0,
    "quality_measured_audiences": 2,
    "poor_quality_rate": 0.5,  # one of the two was poor more than a tenth of the time
    "poor_share_median": 0.15,  # 0.05 and 0.25
}


async def test_a_range_of_one_day_counts_that_day_only(office: Office) -> None:
    await seed(office)
    report = await MinistryFigures(office.engine).report(
        day_range(date(2026, 11, 30), date(2026, 11, 30)), ROOM_MINUTES, scope=EVERY_CENTRE, now=NOW
    )
    assert figures(report) == {
        "riyadh": {**RIYADH_30_NOV, **NONE_RATED, **UNSAID},
        "jeddah": {**JEDDAH_30_NOV, **NONE_RATED, **UNSAID},
        "total": {**TOTAL_30_NOV, **NONE_RATED, **UNSAID},
    }


async def test_safeguarding_alerts_are_counted_by_ended_month_only(
    office: Office,
) -> None:
    """The adversary's findings: one day's count next to that day's audiences could point at
    the woman who pressed; ranges of days overlap and subtract down to one day; a Hijri year
    minus the months it straddles leaves a few days; a month still running counts up as she
    presses. A range (even 28 days), a Hijri year and the running month say nothing; an
    ended month counts."""
    await seed(office)

    def safeguarding(report: MinistryReport) -> list[object]:
        rows = figures(report)
        return [rows[c]["safeguarding_alerts"] for c in ("riyadh", "jeddah", "total")]

    ranged = await MinistryFigures(office.engine).report(
        day_range(date(2026, 11, 3), date(2026, 11, 30)), ROOM_MINUTES, scope=EVERY_CENTRE, now=NOW
    )
    assert safeguarding(ranged) == [None, None, None]
    november = await MinistryFigures(office.engine).report(
        gregorian_month(2026, 11), ROOM_MINUTES, scope=EVERY_CENTRE, now=NOW
    )
    assert safeguarding(november) == [1, 0, 1]
    running = await MinistryFigures(office.engine).report(
        gregorian_month(2026, 11), ROOM_MINUTES, scope=EVERY_CENTRE, now=DEC_1 - timedelta(days=1)
    )
    assert safeguarding(running) == [None, None, None]


async def test_a_hijri_year_counts_its_days_and_no_other_year(office: Office) -> None:
    await seed(office)
    report = await MinistryFigures(office.engine).report(
        hijri_year(1448), ROOM_MINUTES, scope=EVERY_CENTRE, now=NOW
    )
    assert (report.period.first_day, report.period.last_day) == (
        date(2026, 6, 16),
        date(2027, 6, 5),
    )
    assert figures(report) == {
        "riyadh": {**RIYADH_30_NOV, **RIYADH_AUDIENCES, **UNSAID},
        "jeddah": {**JEDDAH_30_NOV, **NONE_RATED, "technical_failures": 1, **UNSAID},
        "total": {**TOTAL_30_NOV, **RIYADH_AUDIENCES, "technical_failures": 2, **UNSAID},
    }
    earlier = await MinistryFigures(office.engine).report(
        hijri_year(1447), ROOM_MINUTES, scope=EVERY_CENTRE, now=NOW
    )
    assert (earlier.total.visitors, earlier.total.service_minutes_median) == (1, 60.0)


async def test_a_coordinator_of_one_centre_gets_its_figures_only(office: Office) -> None:
    await seed(office)
    report = await MinistryFigures(office.engine).report(
        hijri_year(1448), ROOM_MINUTES, scope=CentreScope.of({"jeddah"}), now=NOW
    )
    assert [row.centre for row in report.centres] == ["jeddah"]
    assert figures(report)["total"] == {
        **JEDDAH_30_NOV,
        **NONE_RATED,
        "technical_failures": 1,
        **UNSAID,
    }


async def test_the_spreadsheet_has_arabic_headers_and_a_byte_order_mark(office: Office) -> None:
    await seed(office)
    report = await MinistryFigures(office.engine).report(
        day_range(date(2026, 11, 30), date(2026, 11, 30)), ROOM_MINUTES, scope=EVERY_CENTRE, now=NOW
    )
    text = ministry_csv(report, {"riyadh": "مركز الرياض", "jeddah": "=HYPERLINK()"})
    assert text.startswith(BOM)
    header, *rows = text.removeprefix(BOM).splitlines()
    assert header.startswith("المركز,من,إلى,الزوار,الطلبات المسجلة")
    assert rows[0].startswith("'=HYPERLINK(),2026-11-30,2026-11-30,1,1,1,1,2,1,,0,9.0,9.0,0,,,0")
    assert rows[1].startswith("مركز الرياض,2026-11-30,2026-11-30,4,3,3,3,6,2,,0,7.0,6.0,0,,,1")
    assert rows[2].startswith("الإجمالي,")


@pytest.mark.parametrize("year", [1342, 1500])
def test_a_hijri_year_outside_the_calendar_is_refused(year: int) -> None:
    from reports.periods import InvalidPeriod

    with pytest.raises(InvalidPeriod):
        hijri_year(year)
