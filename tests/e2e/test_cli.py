"""The ``majlis`` command as an operator runs it: real processes, real TLS, real files."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from majlis.database import create_engine
from majlis.settings import load_settings
from tests.conftest import free_port

MAJLIS = [sys.executable, "-m", "majlis.cli"]


def environment(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """This process's environment for a ``majlis`` command, with no MAJLIS_* variable but the
    test's database (``database_url`` in tests/conftest.py)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MAJLIS_") or key == "MAJLIS_DATABASE_URL"
    }
    env.update(MAJLIS_DATA_DIR=str(data_dir), MAJLIS_PORT=str(port), **extra)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MAJLIS, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def wait_for_health(url: str, ca_file: Path, timeout_s: float = 20) -> dict[str, object]:
    import json

    context = ssl.create_default_context(cafile=str(ca_file))
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, context=context, timeout=2) as response:
                assert response.status == 200
                return dict(json.loads(response.read()))
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def sql(env: dict[str, str], statement: str) -> list[tuple[object, ...]]:
    """Run one statement, in its own transaction, on the database that ``majlis`` commands
    started with ``env`` use (a SQLite file or PostgreSQL); the rows it returns."""

    async def execute() -> list[tuple[object, ...]]:
        settings = load_settings(
            data_dir=Path(env["MAJLIS_DATA_DIR"]), database_url=env.get("MAJLIS_DATABASE_URL")
        )
        engine = create_engine(settings.effective_database_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(execute())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_bad_setting_stops_start_up_with_one_clear_line(data_dir: Path) -> None:
    result = run(["serve"], environment(data_dir, 8443) | {"MAJLIS_PORT": "abc"})

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "MAJLIS_PORT" in lines[0]
    assert "Traceback" not in result.stderr


def test_serve_on_unmigrated_database_exits_naming_db_upgrade(data_dir: Path) -> None:
    result = run(["serve"], environment(data_dir, free_port()))

    assert result.returncode != 0
    assert "majlis db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_certs_init_prints_fingerprint_and_is_idempotent(data_dir: Path) -> None:
    env = environment(data_dir, free_port())

    first = run(["certs", "init"], env)
    second = run(["certs", "init"], env)

    assert first.returncode == second.returncode == 0
    assert "server certificate: created" in first.stdout
    assert "server certificate: kept" in second.stdout
    fingerprint = [line for line in first.stdout.splitlines() if "SHA-256" in line]
    assert fingerprint
    assert fingerprint[0].split(": ", 1)[1].count(":") == 31
    assert fingerprint[0] in second.stdout


def test_db_upgrade_is_idempotent(data_dir: Path) -> None:
    env = environment(data_dir, free_port())

    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["db", "upgrade"], env).returncode == 0


@pytest.fixture
def served(data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], int, str]]:
    port = free_port()
    env = environment(data_dir, port)
    init = run(["init", "--demo"], env)
    assert init.returncode == 0, init.stderr
    process = subprocess.Popen(
        [*MAJLIS, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process, port, init.stdout
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_init_demo_then_serve_answers_healthz_over_tls_only(
    served: tuple[subprocess.Popen[str], int, str], data_dir: Path
) -> None:
    process, port, init_output = served

    health = wait_for_health(f"https://127.0.0.1:{port}/healthz", data_dir / "certs" / "ca.pem")

    assert health["status"] == "ok"
    assert "Sign-ins (shown only this once)" in init_output
    for role in ("coordinator", "office", "supervisor", "admin"):
        assert role in init_output
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/booth", timeout=5)
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    for name in ("booth", "office", "desk"):
        assert f"https://127.0.0.1:{port}/{name}" in stdout


def test_second_init_does_not_show_passwords_again(
    served: tuple[subprocess.Popen[str], int, str], data_dir: Path
) -> None:
    _, port, first_output = served

    again = run(["init", "--demo"], environment(data_dir, port))

    assert again.returncode == 0
    assert "demo data already present" in again.stdout
    password = first_output.split("admin", 1)[1].split()[1]
    assert password not in again.stdout


def test_json_logs_are_one_object_a_line(data_dir: Path) -> None:
    import json

    result = run(["serve"], environment(data_dir, free_port(), MAJLIS_LOG_JSON="1"))

    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert records, result.stderr
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)


@pytest.mark.slow
def test_bench_media_compare_prints_the_figures_as_one_json_line(data_dir: Path) -> None:
    import json

    command = ["bench", "media", "--mode", "compare", "--audiences", "1", "--seconds", "2"]
    result = run([*command, "--e2ee", "--json"], environment(data_dir, free_port()))
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.strip().splitlines()]
    assert any(line.startswith("passthrough:") for line in lines)
    assert any(line.startswith("passthrough e2ee:") for line in lines)  # frames sealed
    assert any(line.startswith("relay:") for line in lines)
    figures = json.loads(lines[-1])
    for key in (
        "server_cpu_per_audience_s",
        "relay_server_cpu_per_audience_s",
        "cpu_ratio",
        "fps_min",
        "latency_p50_ms",
        "latency_p95_ms",
        "e2ee_server_cpu_per_audience_s",
        "e2ee_cpu_ratio",
    ):
        assert figures[key] is not None, key
    assert figures["server_decoders"] == figures["server_encoders"] == 0
    assert figures["e2ee_unopened"] == 0  # every sealed frame opened at the other end
    assert figures["e2ee_fps_min"] > 20
    # Loose bounds (one audience, two seconds, a shared machine); the real figures are in
    # docs/PERFORMANCE.md. The relay decodes and encodes: passthrough must be far cheaper.
    assert figures["cpu_ratio"] < 0.25
    assert figures["fps_min"] > 20


def test_bench_media_refuses_a_nonsense_size(data_dir: Path) -> None:
    result = run(["bench", "media", "--audiences", "0"], environment(data_dir, free_port()))
    assert result.returncode == 2
    assert "--audiences" in result.stderr


def test_demo_room_needs_a_migrated_database_then_prints_three_tokens(data_dir: Path) -> None:
    import json

    env = environment(data_dir, free_port())
    refused = run(["demo", "room"], env)
    assert refused.returncode != 0
    assert "majlis db upgrade" in refused.stderr
    assert run(["init"], env).returncode == 0
    created = run(["demo", "room", "--in-minutes", "5", "--json"], env)
    assert created.returncode == 0, created.stderr
    room = json.loads(created.stdout)
    assert set(room["tokens"]) == {"booth", "office", "desk"}
    assert all(token.startswith("mj1.") for token in room["tokens"].values())
    assert run(["demo", "room", "--in-minutes", "-3"], env).returncode == 2


def test_bench_desk_prints_queue_and_lookup_timings(data_dir: Path) -> None:
    import json

    result = run(
        ["bench", "desk", "--requests", "3000", "--appointments", "400", "--calls", "20", "--json"],
        environment(data_dir, free_port()),
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["day_queue"]["rows"] == 40  # one office's full day
    for name in ("day_queue", "status_lookup"):
        assert 0 < figures[name]["p50_ms"] <= figures[name]["p95_ms"] <= figures[name]["max_ms"]


def test_keys_rotate_adds_a_key_and_reencrypts(data_dir: Path) -> None:
    env = environment(data_dir, free_port())
    assert run(["init"], env).returncode == 0
    result = run(["keys", "rotate"], env)
    assert result.returncode == 0, result.stderr
    assert "re-encrypted rows" in result.stdout
    keys = sorted(p.name for p in (data_dir / "keys").glob("data-*.key"))
    assert len(keys) == 2
    assert all((data_dir / "keys" / k).stat().st_mode & 0o777 == 0o600 for k in keys)


def test_audit_verify_names_the_first_tampered_row(data_dir: Path) -> None:
    env = environment(data_dir, free_port())
    assert run(["init"], env).returncode == 0
    # init's one row: the first administrator (tests/e2e/test_cli_staff.py)
    assert run(["audit", "verify"], env).stdout.startswith("audit log intact: 1 rows")
    assert run(["keys", "rotate"], env).returncode == 0
    assert run(["keys", "rotate"], env).returncode == 0
    intact = run(["audit", "verify"], env)
    assert (intact.returncode, intact.stdout.splitlines()[0]) == (0, "audit log intact: 3 rows")
    sql(env, "UPDATE audit_log SET detail = 'from nowhere' WHERE seq = 1")
    broken = run(["audit", "verify"], env)
    assert broken.returncode == 1
    assert "NOT intact at row 1" in broken.stdout


def test_retention_run_reports_and_is_audited(data_dir: Path) -> None:
    env = environment(data_dir, free_port())
    assert run(["init"], env).returncode == 0
    result = run(["retention", "run"], env)
    assert result.returncode == 0, result.stderr
    assert "retention (365 days)" in result.stdout
    assert "'used_tokens_deleted': 0" in result.stdout  # the CLI purges token ids too
    # the first administrator's creation by init, then the retention run
    assert "audit log intact: 2 rows" in run(["audit", "verify"], env).stdout


def test_devices_enroll_prints_a_one_time_code_and_audits_it(data_dir: Path) -> None:
    env = environment(data_dir, free_port())
    assert run(["init", "--demo"], env).returncode == 0
    issued = run(["devices", "enroll", "riyadh/booth-1"], env)
    assert issued.returncode == 0, issued.stderr
    assert re.search(r"riyadh/booth-1: [A-Z2-9]{5}-[A-Z2-9]{5}$", issued.stdout.splitlines()[0])
    unknown = run(["devices", "enroll", "riyadh/booth-99"], env)
    assert unknown.returncode == 1
    assert unknown.stderr.splitlines()[-1] == "majlis: no device named 'riyadh/booth-99'"
    intact = run(["audit", "verify"], env)
    assert (intact.returncode, intact.stdout.splitlines()[0]) == (0, "audit log intact: 1 rows")
