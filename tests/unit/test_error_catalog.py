"""Every typed error of every package can be shown to a person in Arabic and English."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from accounts import service as accounts_service
from desk import errors as desk_errors
from media import errors as media_errors
from rooms import errors as room_errors
from scheduler import errors as scheduler_errors
from signaling import errors as signaling_errors


def _errors(module: ModuleType, base: type) -> list[type]:
    return [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, base)]


ERRORS = (
    _errors(media_errors, media_errors.MediaError)
    + _errors(room_errors, room_errors.RoomError)
    + _errors(signaling_errors, signaling_errors.SignalingError)
    + _errors(desk_errors, desk_errors.DeskError)
    + _errors(scheduler_errors, scheduler_errors.SchedulingError)
    + _errors(accounts_service, accounts_service.SignInError)
)


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.__name__)
def test_error_message_key_is_in_the_catalog(language: str, error: type) -> None:
    path = Path(__file__).parents[2] / "web_client" / "i18n" / f"{language}.json"
    catalog = json.loads(path.read_text(encoding="utf-8"))
    assert catalog[error.message_key].strip()


def test_codes_are_unique_and_many() -> None:
    codes = [error.code for error in ERRORS]
    assert len(codes) == len(set(codes))
    assert len(codes) >= 29


def test_both_catalogs_have_the_same_keys() -> None:
    root = Path(__file__).parents[2] / "web_client" / "i18n"
    ar = json.loads((root / "ar.json").read_text(encoding="utf-8"))
    en = json.loads((root / "en.json").read_text(encoding="utf-8"))
    assert set(ar) == set(en)
