"""Majlis installs generic top-level import packages (``api``, ``limits``, ``media``, ...). In
an environment shared with another distribution that ships one of those names, one silently
overwrites the other. This fails, naming the distribution, if any installed distribution other
than Majlis provides a top-level module of ours. The names come from pyproject.toml, so a new
top-level package is covered the day it is added."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
US = "majlis"


def our_top_level_packages(pyproject: Mapping[str, Any]) -> set[str]:
    """The top-level names of ``[tool.setuptools.packages.find] include`` ("desk*" → desk)."""
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return {pattern.split(".")[0].rstrip("*") for pattern in patterns}


def _normalised(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def clashes(
    ours: Iterable[str], providers: Mapping[str, Iterable[str]], us: str = US
) -> dict[str, set[str]]:
    """Each of our names that another distribution also provides → those distributions."""
    found = {
        name: {d for d in providers.get(name, ()) if _normalised(d) != _normalised(us)}
        for name in ours
    }
    return {name: others for name, others in found.items() if others}


def report(found: Mapping[str, set[str]]) -> str:
    lines = [f"{name}: also provided by {', '.join(sorted(found[name]))}" for name in sorted(found)]
    return "; ".join(lines) + " — install Majlis into its own virtual environment (README)"


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_no_other_installed_distribution_provides_one_of_our_top_level_packages() -> None:
    found = clashes(our_top_level_packages(pyproject()), packages_distributions())
    assert not found, report(found)


def test_our_names_come_from_pyproject_and_are_the_folders_at_the_top() -> None:
    ours = our_top_level_packages(pyproject())
    assert {"majlis", "api", "limits", "media", "signaling", "rooms", "scheduler"} <= ours
    assert all((ROOT / name / "__init__.py").is_file() for name in ours), ours


def test_a_new_pattern_in_pyproject_adds_its_top_level_name() -> None:
    include = {"tool": {"setuptools": {"packages": {"find": {"include": ["reports*", "x.y*"]}}}}}
    assert our_top_level_packages(include) == {"reports", "x"}


def test_a_clash_is_found_and_the_report_names_the_distribution() -> None:
    installed = {
        "limits": ["majlis", "limits"],  # the rate-limiting library from PyPI
        "api": ["Majlis"],  # ours alone, however the name is spelt
        "media": ["majlis", "majlis"],  # an editable install can list us twice
        "numpy": ["numpy"],  # not one of our names
    }

    found = clashes({"limits", "api", "media", "rooms"}, installed)

    assert found == {"limits": {"limits"}}
    assert "limits: also provided by limits" in report(found)


def test_a_distribution_installed_beside_us_that_ships_limits_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What `pip install limits` leaves in site-packages, as far as importlib.metadata reads it.
    dist_info = tmp_path / "limits-3.13.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: limits\nVersion: 3.13.0\n")
    (dist_info / "top_level.txt").write_text("limits\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    found = clashes(our_top_level_packages(pyproject()), packages_distributions())

    assert found == {"limits": {"limits"}}
