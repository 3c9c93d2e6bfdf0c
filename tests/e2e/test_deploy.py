"""The files of ``deploy/``: the systemd units keep their hardening, run only ``majlis``
commands that exist, pass ``systemd-analyze verify``; coturn's configuration is the one
docs/OPERATIONS.md describes."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import MAJLIS, environment, run

DEPLOY = Path(__file__).parents[2] / "deploy"
INSTALLED = "/opt/majlis/venv/bin/majlis"
SERVICES = ("majlis.service", "majlis-backup.service")
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "User": "majlis",
    "UMask": "0077",
}


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def majlis_commands(command_line: str) -> list[list[str]]:
    """The ``majlis`` subcommands a unit's command line runs (inside ``sh -c`` too)."""
    words = shlex.split(command_line.replace("$$", "$").replace("%%", "%"))
    found = []
    for index, word in enumerate(words):
        if word == "-c" and index + 1 < len(words):
            found += majlis_commands(words[index + 1])
        if word == INSTALLED:
            rest = words[index + 1 :]
            found.append(rest[: _first_argument(rest)])
    return found


def _first_argument(words: list[str]) -> int:
    for index, word in enumerate(words):
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            return index
    return len(words)


@pytest.mark.parametrize("name", SERVICES)
def test_the_service_is_hardened_and_runs_as_its_own_user(name: str) -> None:
    service = unit(name)["Service"]

    for key, value in HARDENING.items():
        assert service.get(key) == value, key
    assert "majlis" in service["StateDirectory"].split()
    lines = (DEPLOY / name).read_text().splitlines()
    assert "Environment=MAJLIS_DATA_DIR=/var/lib/majlis" in lines  # the StateDirectory


def test_the_server_unit_migrates_then_serves() -> None:
    service = unit("majlis.service")["Service"]

    assert majlis_commands(service["ExecStartPre"]) == [["db", "upgrade"]]
    assert majlis_commands(service["ExecStart"]) == [["serve"]]


def test_every_majlis_command_of_the_units_exists() -> None:
    commands = [
        command
        for name in SERVICES
        for key, line in unit(name)["Service"].items()
        if key.startswith("Exec")
        for command in majlis_commands(line)
    ]
    env = environment(Path("/nonexistent"), 1)

    assert {tuple(c) for c in commands} == {("db", "upgrade"), ("serve",), ("backup",)}
    for command in commands:
        result = run([*command, "--help"], env)
        assert result.returncode == 0, (command, result.stderr)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("name", [*SERVICES, "majlis-backup.timer"])
def test_systemd_analyze_verifies_the_unit(name: str, tmp_path: Path) -> None:
    # The units name the installed command; here it is this checkout's.
    majlis = shutil.which("majlis", path=str(Path(MAJLIS[0]).parent))
    assert majlis is not None
    for file in DEPLOY.glob("majlis*"):
        (tmp_path / file.name).write_text(file.read_text().replace(INSTALLED, majlis))

    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


def test_the_coturn_configuration_is_the_one_the_operations_guide_describes() -> None:
    settings = [
        line
        for line in (DEPLOY / "turnserver.conf").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    guide = (DEPLOY.parent / "docs" / "OPERATIONS.md").read_text()

    assert "deploy/turnserver.conf" in guide
    assert {"use-auth-secret", "no-tcp-relay", "denied-peer-ip=127.0.0.0-127.255.255.255"} <= set(
        settings
    )
    assert "denied-peer-ip=10.0.0.0-10.255.255.255" in settings
    assert any(line.startswith("allowed-peer-ip=") for line in settings)
