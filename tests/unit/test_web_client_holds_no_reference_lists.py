"""The web apps hold no list of centres, categories or departments: they load them from
``GET /api/reference``. Every file under ``web_client/`` is searched for the demo's codes (taken
from ``majlis.demo``, the one place they are written), so a list copied back into a page, a
script or a catalog key (``category.housing``) fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from majlis.demo import DEMO_CATEGORIES, DEMO_CENTRES, DEMO_DEPARTMENTS

WEB_CLIENT = Path(__file__).parents[2] / "web_client"
CENTRES = sorted({centre[0] for centre in DEMO_CENTRES})
# Category and department codes are English words ("health", "other"): they count as a code
# where a program would write one, quoted or after a catalog prefix's dot, not in prose.
WORDS = sorted({entry[0] for entry in (*DEMO_CATEGORIES, *DEMO_DEPARTMENTS)})


def codes_in(text: str) -> list[str]:
    """The demo codes ``text`` names: a centre's code as a word of its own (lowercase, so the
    time zone "Asia/Riyadh" is not one), a category's or department's as a literal or key."""
    found = [c for c in CENTRES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    found += [w for w in WORDS if re.search(rf"""(?<=["'`.]){re.escape(w)}(?=["'`])""", text)]
    return found


def web_client_files() -> list[Path]:
    return sorted(p for p in WEB_CLIENT.rglob("*") if p.is_file())


def test_the_search_finds_the_lists_the_apps_once_held() -> None:
    old_page = '<option value="riyadh" data-i18n="centre.riyadh"></option>'
    old_script = 'for (const code of ["housing", "social_security", "health"]) {'
    old_catalog = '"category.general": "Other",'
    assert codes_in(old_page) == ["riyadh"]
    assert codes_in(old_script) == ["health", "housing", "social_security"]
    assert codes_in(old_catalog) == ["general"]
    assert codes_in('const CENTRE_TIME_ZONE = "Asia/Riyadh"; // any other centre') == []


def test_the_files_were_found() -> None:
    names = {p.name for p in web_client_files()}
    assert {"index.html", "desk.js", "office.js", "ar.json", "en.json"} <= names


@pytest.mark.parametrize("path", web_client_files(), ids=lambda p: str(p.relative_to(WEB_CLIENT)))
def test_no_centre_category_or_department_code_in_the_web_client(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return  # an image or a font: no list in it
    assert codes_in(text) == []
