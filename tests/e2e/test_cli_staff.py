"""``majlis init`` without ``--demo`` and ``majlis staff …``, as an operator runs them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import free_port
from tests.e2e.test_cli import data_dir, environment, run, sql  # noqa: F401 - a fixture

ONE_TIME = re.compile(r"one-time password for (\S+) \(shown only this once\): (\S+)")


def one_time_password(output: str) -> str:
    found = ONE_TIME.search(output)
    assert found is not None, output
    return found.group(2)


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_init_without_demo_creates_the_first_admin_once(data_dir: Path) -> None:  # noqa: F811
    env = environment(data_dir, free_port())

    first = run(["init"], env)
    again = run(["init"], env)

    assert first.returncode == again.returncode == 0, first.stderr
    assert "first administrator admin created" in first.stdout
    password = one_time_password(first.stdout)
    assert "no administrator created" in again.stdout
    assert password not in again.stdout
    listing = run(["staff", "list"], env).stdout.splitlines()
    assert listing[1].split() == ["admin", "admin", "-", "yes", "no", "yes"]
    assert password not in "\n".join(listing)
    assert "audit log intact: 1 rows" in run(["audit", "verify"], env).stdout


def test_init_demo_after_a_real_init_adds_nothing(data_dir: Path) -> None:  # noqa: F811
    env = environment(data_dir, free_port())
    assert run(["init"], env).returncode == 0

    demo = run(["init", "--demo"], env)

    assert demo.returncode != 0
    assert last_line(demo) == (
        "majlis: staff accounts exist already (majlis init without --demo): no demo data added"
    )
    assert "coordinator1" not in run(["staff", "list"], env).stdout


def test_init_admin_names_the_first_administrator(data_dir: Path) -> None:  # noqa: F811
    env = environment(data_dir, free_port())

    result = run(["init", "--admin", "Noura"], env)

    assert result.returncode == 0, result.stderr
    assert "first administrator noura created" in result.stdout


def test_staff_add_disable_reset_list_are_audited(data_dir: Path) -> None:  # noqa: F811
    env = environment(data_dir, free_port())
    assert run(["init", "--demo"], env).returncode == 0  # the demo's centres: riyadh, jeddah

    added = run(
        [
            "staff",
            "add",
            "huda",
            "--role",
            "coordinator",
            "--centre",
            "riyadh",
            "--centre",
            "jeddah",
            "--display-name",
            "Huda",
        ],
        env,
    )
    assert added.returncode == 0, added.stderr
    first = one_time_password(added.stdout)
    disabled = run(["staff", "disable", "huda"], env)
    assert (disabled.returncode, disabled.stdout.strip()) == (
        0,
        "huda disabled; 0 session(s) ended",
    )
    reset = run(["staff", "reset-password", "huda"], env)
    assert reset.returncode == 0, reset.stderr
    second = one_time_password(reset.stdout)
    listing = run(["staff", "list"], env)

    assert first != second
    huda = next(line for line in listing.stdout.splitlines() if line.startswith("huda "))
    assert huda.split() == ["huda", "coordinator", "jeddah,riyadh", "no", "no", "yes"]
    assert "supervisor   *" in listing.stdout
    assert first not in listing.stdout
    assert second not in listing.stdout
    assert "audit log intact: 3 rows" in run(["audit", "verify"], env).stdout
    rows = sql(env, "SELECT actor, action, subject, detail FROM audit_log ORDER BY seq")
    assert rows == [
        ("operator", "staff.created", "staff:huda", "role=coordinator; centres jeddah,riyadh"),
        ("operator", "staff.disabled", "staff:huda", "sessions=0"),
        ("operator", "staff.password_reset", "staff:huda", "sessions=0"),
    ]


def test_staff_commands_refuse_with_one_clear_line(data_dir: Path) -> None:  # noqa: F811
    env = environment(data_dir, free_port())
    assert run(["init", "--demo"], env).returncode == 0

    unknown_centre = run(["staff", "add", "sara", "--role", "office", "--centre", "mecca"], env)
    duplicate = run(["staff", "add", "Admin", "--role", "admin"], env)
    bad_name = run(["staff", "add", "no spaces", "--role", "office"], env)
    nobody = run(["staff", "disable", "nobody"], env)
    nobody_reset = run(["staff", "reset-password", "nobody"], env)

    for result in (unknown_centre, duplicate, bad_name, nobody, nobody_reset):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        # the migration check's log lines come first; the refusal is the one last line
        assert result.stderr.count("majlis:") == 1, result.stderr
    assert last_line(unknown_centre).startswith("majlis: no centre mecca")
    assert last_line(duplicate) == "majlis: a staff account 'admin' exists already"
    assert last_line(nobody) == "majlis: no staff account 'nobody'"
    assert "sara" not in run(["staff", "list"], env).stdout


def test_staff_enable_lets_a_disabled_account_back_but_never_disables_the_last_admin(
    data_dir: Path,  # noqa: F811
) -> None:
    env = environment(data_dir, free_port())
    assert run(["init", "--demo"], env).returncode == 0  # one administrator: admin

    last = run(["staff", "disable", "admin"], env)
    assert last.returncode == 1
    assert last_line(last) == "majlis: the last active administrator is not disabled"
    assert run(["staff", "disable", "coordinator1"], env).returncode == 0
    enabled = run(["staff", "enable", "coordinator1"], env)

    assert (enabled.returncode, enabled.stdout.strip()) == (0, "coordinator1 enabled")
    listing = run(["staff", "list"], env).stdout
    coordinator = next(line for line in listing.splitlines() if line.startswith("coordinator1 "))
    assert coordinator.split()[3] == "yes"  # active again
    rows = sql(env, "SELECT actor, action, subject FROM audit_log ORDER BY seq")
    assert rows[-1] == ("operator", "staff.enabled", "staff:coordinator1")
