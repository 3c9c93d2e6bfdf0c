"""Every typed media error can be shown to a person in Arabic and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from media import errors

ERRORS = [
    value
    for value in vars(errors).values()
    if isinstance(value, type) and issubclass(value, errors.MediaError)
]


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.__name__)
def test_error_message_key_is_in_the_catalog(language: str, error: type) -> None:
    path = Path(__file__).parents[3] / "web_client" / "i18n" / f"{language}.json"
    catalog = json.loads(path.read_text(encoding="utf-8"))
    assert catalog[error.message_key].strip()


def test_codes_are_unique() -> None:
    codes = [error.code for error in ERRORS]
    assert len(codes) == len(set(codes)) == 9
