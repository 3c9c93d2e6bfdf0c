"""Every typed error of every package can be shown to a person in Arabic and English.

The errors are found, not listed: every module of every product package is imported and every
subclass of ``TypedError`` is checked, so a new error without catalog texts fails here."""

from __future__ import annotations

import importlib
import json
import pkgutil
import tomllib
from pathlib import Path

import pytest

from typed_errors import TypedError

ROOT = Path(__file__).parents[2]


def _product_packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(p.removesuffix("*") for p in patterns)


def _all_typed_errors() -> list[type[TypedError]]:
    for package in _product_packages():
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name and ".bench" not in info.name:
                importlib.import_module(info.name)
    found: list[type[TypedError]] = []
    pending = [TypedError]
    while pending:
        for sub in pending.pop().__subclasses__():
            found.append(sub)
            pending.append(sub)
    return sorted(set(found), key=lambda e: f"{e.__module__}.{e.__qualname__}")


ERRORS = _all_typed_errors()


def test_the_errors_were_found() -> None:
    assert len(ERRORS) > 40  # every package's errors, not an empty walk


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{e.__module__}.{e.__name__}")
def test_error_message_key_is_in_the_catalog(language: str, error: type[TypedError]) -> None:
    path = ROOT / "web_client" / "i18n" / f"{language}.json"
    catalog = json.loads(path.read_text(encoding="utf-8"))
    assert catalog.get(error.message_key, "").strip(), error.message_key
