"""The statistics CSV opens in a spreadsheet as data: no cell runs as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from reports.statistics import CentreStatusCount, Figures, statistics_csv


def figures_with_centre(centre: str, status: str = "registered") -> Figures:
    return Figures(
        requests_by_centre_and_status=(CentreStatusCount(centre, status, 3),),
        audiences_held=2,
        no_show_rate=0.5,
        average_audience_minutes=None,
        audiences_per_day=(),
        satisfaction_average=None,
        ratings=0,
        sms_sent=4,
        sms_segments=5,
    )


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_a_text_cell_that_a_spreadsheet_would_run_starts_with_an_apostrophe(cell: str) -> None:
    [_, requests_row, *_] = rows(statistics_csv(figures_with_centre(cell, cell)))
    assert requests_row[1:3] == [f"'{cell}", f"'{cell}"]


def test_ordinary_text_and_numbers_are_written_as_they_are() -> None:
    table = rows(statistics_csv(figures_with_centre("riyadh")))
    assert table[1] == ["requests", "riyadh", "registered", "3"]
    assert ["no_show_rate", "", "", "0.5"] in table
