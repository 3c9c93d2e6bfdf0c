"""SMS texts: rendered from the Arabic and English catalogs (``casework/catalogs/sms.*.json``)
with Hijri (Umm al-Qura, ``hijridate``) and Gregorian dates, and their segment counts.

Segments: a text made only of GSM 03.38 characters is sent as GSM-7 (160 septets in one
message, 153 a part when split; extension-table characters cost two septets); anything else
(Arabic) is UCS-2: 70 UTF-16 units in one message, 67 a part.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import format_decimal
from hijridate import Gregorian

CATALOGS = Path(__file__).parent / "catalogs"
RIYADH = ZoneInfo("Asia/Riyadh")
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


class SmsKind(StrEnum):
    REGISTERED = "registered"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    REMINDER_DAY = "reminder_day"
    REMINDER_HOUR = "reminder_hour"
    RESCHEDULED = "rescheduled"
    MOVED = "moved"  # same time, another booth of the centre (the first one is out of service)
    CANCELLED = "cancelled"
    STATUS_CHANGED = "status_changed"
    CLOSED = "closed"  # resolved
    CLOSED_NOT_POSSIBLE = "closed_not_possible"
    REFERRED = "referred"
    DEPARTMENT_REPLIED = "department_replied"
    CONTACT_CHANGED = "contact_changed"
    TECHNICAL_FAILURE = "technical_failure"  # an apology: she will be called to rebook


@dataclass(frozen=True)
class Segments:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets or UTF-16 code units
    count: int


def segments(text: str) -> Segments:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        septets = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        count = 1 if septets <= 160 else math.ceil(septets / 153)
        return Segments("gsm7", septets, count)
    units = len(text.encode("utf-16-le")) // 2
    count = 1 if units <= 70 else math.ceil(units / 67)
    return Segments("ucs2", units, count)


# A catalog entry is a text, or its plural forms keyed by CLDR category ("zero", "one", "two",
# "few", "many", "other" in Arabic), chosen by Babel from the number "count" (the web catalogs'
# scheme, docs/ARCHITECTURE.md "Arabic text").
Entry = str | dict[str, str]


@cache
def catalog(language: str) -> dict[str, Entry]:
    if language not in ("ar", "en"):
        raise ValueError(f"no SMS catalog for {language!r}")
    loaded: dict[str, Entry] = json.loads(
        (CATALOGS / f"sms.{language}.json").read_text(encoding="utf-8")
    )
    return loaded


def number(value: int, language: str) -> str:
    """A number in the language's one numeral system: Western digits in Arabic too, as on the
    screens (docs/ARCHITECTURE.md, "Arabic text"); no grouping (years, days, minutes)."""
    return format_decimal(value, locale=language, numbering_system="latn", group_separator=False)


def plural(entry: Entry, count: int, language: str) -> str:
    """The form of ``entry`` that CLDR's plural rules choose for ``count`` in ``language``."""
    if isinstance(entry, str):
        return entry
    category = Locale.parse(language).plural_form(count)
    return entry.get(category, entry["other"]).replace("{count}", number(count, language))


def text(key: str, language: str, count: int | None = None) -> str:
    entry = catalog(language)[key]
    if isinstance(entry, dict):
        if count is None:
            raise ValueError(f"{key} takes a count")
        return plural(entry, count, language)
    return entry


def hijri_date(moment: datetime, language: str) -> str:
    local = moment.astimezone(RIYADH)
    hijri = Gregorian(local.year, local.month, local.day).to_hijri()
    lang: Literal["ar", "en"] = "ar" if language == "ar" else "en"
    day, year = number(hijri.day, language), number(hijri.year, language)
    return f"{day} {hijri.month_name(lang)} {year} {hijri.notation(lang)}"


def gregorian_date(moment: datetime, language: str) -> str:
    local = moment.astimezone(RIYADH)
    month = text(f"month.{local.month}", language)
    return f"{number(local.day, language)} {month} {number(local.year, language)}"


def isolated_tracking(tracking: str) -> str:
    """In an Arabic text the tracking number's digit groups would be laid out right to left
    ("95 7730 4821"): a left-to-right isolate (U+2066 … U+2069) keeps them in reading order.
    English texts need none, and stay GSM-7."""
    return f"\u2066{tracking}\u2069"


def render(
    kind: SmsKind,
    language: str,
    tracking: str,
    when: datetime | None = None,
    centre: str = "",
    status: str = "",
) -> str:
    """The SMS text; no request content and no national ID ever go into it."""
    values = {
        "tracking": isolated_tracking(tracking) if language == "ar" else tracking,
        "centre": centre,
        "status": text(f"status.{status}", language)
        if f"status.{status}" in catalog(language)
        else status,
        "hijri": hijri_date(when, language) if when else "",
        "gregorian": gregorian_date(when, language) if when else "",
        "time": when.astimezone(RIYADH).strftime("%H:%M") if when else "",
    }
    return text(f"sms.{kind.value}", language).format(**values)
