"""Arabic that reads right (issue 15): every catalog message that takes a number — the SMS
catalogs and the web apps' — has the plural form CLDR (through Babel) chooses for 0, 1, 2, 3,
11 and 100, and the SMS texts write numbers in the one numeral system of each language."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel import Locale

from casework import sms

ROOT = Path(__file__).parents[3]
WEB = ROOT / "web_client" / "i18n"
# What CLDR says, written out here rather than asked of the code under test.
ARABIC_FORMS = {0: "zero", 1: "one", 2: "two", 3: "few", 11: "many", 100: "other"}
ENGLISH_FORMS = {0: "other", 1: "one", 2: "other", 3: "other", 11: "other", 100: "other"}
FORMS = {"ar": ARABIC_FORMS, "en": ENGLISH_FORMS}


def catalogs() -> list[tuple[str, str, dict[str, str | dict[str, str]]]]:
    found = []
    for language in ("ar", "en"):
        found.append(("web", language, json.loads((WEB / f"{language}.json").read_text("utf-8"))))
        found.append(("sms", language, dict(sms.catalog(language))))
    return found


def plural_entries() -> list[tuple[str, str, str, dict[str, str]]]:
    return [
        (source, language, key, entry)
        for source, language, texts in catalogs()
        for key, entry in texts.items()
        if isinstance(entry, dict)
    ]


def test_babel_agrees_with_cldr_for_the_numbers_tested() -> None:
    for language, forms in FORMS.items():
        for count, form in forms.items():
            assert Locale.parse(language).plural_form(count) == form


def test_every_message_that_takes_a_count_has_plural_forms() -> None:
    for source, language, texts in catalogs():
        for key, entry in texts.items():
            assert not (isinstance(entry, str) and "{count}" in entry), (source, language, key)


@pytest.mark.parametrize(("source", "language", "key", "entry"), plural_entries())
def test_each_plural_message_reads_right_for_0_1_2_3_11_100(
    source: str, language: str, key: str, entry: dict[str, str]
) -> None:
    assert set(entry) == set(Locale.parse(language).plural_form.tags) | {"other"}
    for count, form in FORMS[language].items():
        rendered = sms.plural(entry, count, language)
        assert rendered == entry[form].replace("{count}", str(count)), (key, count)
        if language == "ar" and count in (1, 2):  # a word: "دقيقة واحدة", "دقيقتان"
            assert str(count) not in rendered, (key, rendered)
        elif count != 0 or language == "en":
            assert str(count) in rendered, (key, count, rendered)


def test_arabic_catalogs_write_western_digits_only() -> None:
    for source, _language, texts in catalogs():
        for key, entry in texts.items():
            for text in entry.values() if isinstance(entry, dict) else [entry]:
                assert not re.search("[\u0660-\u0669\u06f0-\u06f9]", text), (source, key)


def test_an_arabic_sms_writes_its_dates_in_western_digits() -> None:
    when = datetime(2027, 1, 3, 7, 30, tzinfo=UTC)
    text = sms.render(sms.SmsKind.BOOKED, "ar", "4821773095", when, "مركز الرياض")
    assert "10:30" in text
    assert "2027" in text
    assert not re.search("[\u0660-\u0669]", text)
    assert "لقائك" in text
    assert "مقابل" not in text
