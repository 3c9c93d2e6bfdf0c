"""SMS texts: both languages for every kind, right Hijri dates, right segment counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casework.sms import SmsKind, catalog, hijri_date, render, segments

WHEN = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)  # 10:30 in Riyadh


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("kind", list(SmsKind))
def test_every_kind_renders_in_both_languages(language: str, kind: SmsKind) -> None:
    text = render(kind, language, "5246 1346 77", WHEN, "Riyadh", "referred")
    assert "5246 1346 77" in text
    assert "{" not in text
    if kind in (SmsKind.BOOKED, SmsKind.CONFIRMED, SmsKind.REMINDER_DAY, SmsKind.RESCHEDULED):
        assert "1448" in text  # the Hijri year
        assert "2026" in text
    if language == "ar":
        assert segments(text).encoding == "ucs2"


def test_both_catalogs_have_the_same_keys() -> None:
    assert set(catalog("ar")) == set(catalog("en"))


@pytest.mark.parametrize(
    ("gregorian", "hijri_en", "hijri_ar"),
    [
        (datetime(2024, 3, 11, 9, tzinfo=UTC), "1 Ramadan 1445 AH", "1 رمضان 1445 هـ"),
        (datetime(2025, 6, 26, 9, tzinfo=UTC), "1 Muharram 1447 AH", "1 محرم 1447 هـ"),
        (datetime(2026, 11, 29, 9, tzinfo=UTC), "19 Jumada al-Akhirah 1448 AH", None),
    ],
)
def test_hijri_dates_follow_umm_al_qura(
    gregorian: datetime, hijri_en: str, hijri_ar: str | None
) -> None:
    assert hijri_date(gregorian, "en") == hijri_en
    if hijri_ar:
        assert hijri_date(gregorian, "ar") == hijri_ar


def test_the_date_is_riyadh_s_not_utc_s() -> None:
    late_evening_utc = datetime(2024, 3, 10, 22, 0, tzinfo=UTC)  # 01:00 on 11 March in Riyadh
    assert hijri_date(late_evening_utc, "en").startswith("1 Ramadan")


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # extension characters take two septets
        ("€" * 81, "gsm7", 162, 2),
        ("ب" * 70, "ucs2", 70, 1),
        ("ب" * 71, "ucs2", 71, 2),
        ("ب" * 134, "ucs2", 134, 2),
        ("ب" * 135, "ucs2", 135, 3),
        ("a" * 69 + "😀", "ucs2", 71, 2),  # an emoji is two UTF-16 units
        ("", "gsm7", 0, 1),
    ],
)
def test_segment_counts(text: str, encoding: str, units: int, count: int) -> None:
    result = segments(text)
    assert (result.encoding, result.units, result.count) == (encoding, units, count)


def test_every_status_has_a_name_for_the_applicant_in_both_languages() -> None:
    import json
    from pathlib import Path

    from casework.lifecycle import RequestStatus

    root = Path(__file__).parents[3] / "web_client" / "i18n"
    for language in ("ar", "en"):
        web = json.loads((root / f"{language}.json").read_text(encoding="utf-8"))
        for status in RequestStatus:
            assert web[f"status.{status.value}"] == catalog(language)[f"status.{status.value}"]
