"""The ministry's figures as a spreadsheet: Arabic headers (``catalogs/report.ar.json``), one
row per centre and the total, UTF-8 with a byte-order mark so that Excel reads the Arabic."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from reports.ministry import STARS, CentreFigures, MinistryReport, centre_rows
from reports.statistics import spreadsheet_text

CATALOG = Path(__file__).parent / "catalogs" / "report.ar.json"
BOM = "\ufeff"
FIGURES = (
    "visitors",
    "requests_registered",
    "requests_from_women",
    "sms_sent",
    "sms_segments",
    "calls_handled",
    "satisfaction_average",
    "ratings",
    "service_minutes_average",
    "service_minutes_median",
    "audiences_held",
    "audience_minutes_average",
    "no_show_rate",
    "technical_failures",
    "safeguarding_alerts",
    "voice_only_audiences",
    "quality_measured_audiences",
    "poor_quality_rate",
    "poor_share_median",
)


@cache
def headers() -> dict[str, str]:
    loaded: dict[str, str] = json.loads(CATALOG.read_text(encoding="utf-8"))
    return loaded


def ministry_csv(report: MinistryReport, centre_names: Mapping[str, str]) -> str:
    """``centre_names``: code → the centre's Arabic name (a code without one is written)."""
    label = headers()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            label["centre"],
            label["first_day"],
            label["last_day"],
            *(label[name] for name in FIGURES),
            *(label[f"stars_{stars}"] for stars in STARS),
        ]
    )
    period = report.period
    for row in centre_rows(report):
        name = label["total"] if row.centre == "" else centre_names.get(row.centre, row.centre)
        writer.writerow(
            [
                spreadsheet_text(name),
                period.first_day.isoformat(),
                period.last_day.isoformat(),
                *(_cell(row, name) for name in FIGURES),
                *row.satisfaction_distribution,
            ]
        )
    return BOM + out.getvalue()


def _cell(row: CentreFigures, name: str) -> object:
    value = getattr(row, name)
    return "" if value is None else value
