"""``majlis backup`` while ``majlis serve`` takes new requests, ``majlis keys export``, then
``majlis restore`` into a new data directory and a second server on it: the audit log verifies,
every request and every sealed personal value decrypts, and no key is in the backup."""

from __future__ import annotations

import asyncio
import base64
import re
import sqlite3
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from stdnum import luhn

from casework.rekey import ENCRYPTED
from majlis.components import pii_cipher
from majlis.settings import Settings, load_settings
from tests.conftest import free_port
from tests.e2e.test_cli import environment, run, wait_for_health
from tests.e2e.test_restart import start_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
PASSPHRASE = "tamarind harbour lanterns 1947 mosaic"
SIGN_IN = re.compile(r"^\s+coordinator\s+(coordinator1)\s+(\S+)$", re.MULTILINE)


@dataclass
class Install:
    settings: Settings
    env: dict[str, str]
    log: Path

    @property
    def ca_file(self) -> Path:
        return self.settings.certs_dir / "ca.pem"


def install_at(directory: Path) -> Install:
    port = free_port()
    data_dir = directory / "data"
    return Install(
        load_settings(data_dir=data_dir, port=port),
        environment(data_dir, port),
        directory / "server.log",
    )


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for server in started:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def serve(install: Install, servers: list[subprocess.Popen[bytes]]) -> None:
    servers.append(start_server(install.env, install.log))
    url = f"{install.settings.base_url}/healthz"
    await asyncio.to_thread(wait_for_health, url, install.ca_file)


@dataclass
class Desk:
    """A coordinator's HTTP session on one server."""

    session: aiohttp.ClientSession
    base_url: str
    trust: ssl.SSLContext
    csrf: str = ""

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(
            method,
            self.base_url + path,
            json=body,
            ssl=self.trust,
            headers={"X-CSRF-Token": self.csrf},
        ) as response:
            return response.status, await response.json()


@pytest.fixture
async def desks() -> AsyncIterator[list[aiohttp.ClientSession]]:
    sessions: list[aiohttp.ClientSession] = []
    yield sessions
    for session in sessions:
        await session.close()


async def signed_in(install: Install, password: str, sessions: list[aiohttp.ClientSession]) -> Desk:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # an IP host
    sessions.append(session)
    trust = ssl.create_default_context(cafile=str(install.ca_file))
    desk = Desk(session, install.settings.base_url, trust)
    status, body = await desk.call(
        "POST", "/api/session", {"username": "coordinator1", "password": password}
    )
    assert status == 200, body
    desk.csrf = body["csrf_token"]
    return desk


def registration(n: int) -> dict[str, str]:
    stem = f"1{n:08d}"
    return {
        "full_name": f"نورة القحطاني {n}",
        "national_id": stem + luhn.calc_check_digit(stem),
        "phone": f"0501{n:06d}",
        "language": "ar",
        "centre": "riyadh",
        "category": "housing",
        "text": f"طلب دعم السكن رقم {n}",
    }


async def register(desk: Desk, n: int, made: dict[int, dict[str, str]]) -> None:
    status, body = await desk.call("POST", "/api/requests", registration(n))
    assert status == 201, body
    made[int(body["id"])] = registration(n)


async def keep_registering(
    desk: Desk, made: dict[int, dict[str, str]], stop: asyncio.Event
) -> None:
    n = len(made)
    while not stop.is_set():
        await register(desk, n, made)
        n += 1


def secrets_of(data_dir: Path, everything: bool = False) -> dict[str, bytes]:
    """Every key file of the installation (or every file), by name."""
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    found = {path.relative_to(data_dir).as_posix(): path.read_bytes() for path in files}
    return {
        name: data
        for name, data in found.items()
        if everything
        or name.startswith("keys/")
        or name.endswith("-key.pem")
        or "token-signing" in name
    }


def forms_of(secret: bytes) -> list[bytes]:
    """The ways a key could sit in a file: as it is, base64 (both alphabets), hex; a PEM's
    body and the DER it encodes."""
    forms = [secret]
    if secret.startswith(b"-----BEGIN"):
        body = b"".join(line for line in secret.splitlines() if not line.startswith(b"-----"))
        forms += [body, base64.b64decode(body)]
    for raw in list(forms):
        forms += [base64.b64encode(raw), base64.urlsafe_b64encode(raw), raw.hex().encode()]
        forms += [base64.b64encode(raw).rstrip(b"="), raw.hex().upper().encode()]
    return forms


def unseal_everything(settings: Settings) -> dict[str, int]:
    """Decrypt every sealed value of every row with the installation's keys (raises on one
    that does not decrypt); how many of each table."""
    cipher = pii_cipher(settings)
    counts: dict[str, int] = {}
    with closing(sqlite3.connect(settings.data_dir / "majlis.db")) as connection:
        for table, keys, places in ENCRYPTED:
            columns = [*keys, *(where.column for where in places)]
            rows = connection.execute(f"SELECT {', '.join(columns)} FROM {table.name}")
            for row in rows:
                key = row[: len(keys)]
                for where, stored in zip(places, row[len(keys) :], strict=True):
                    if stored is not None:
                        cipher.unseal(stored, where, key[0] if len(key) == 1 else tuple(key))
                counts[table.name] = counts.get(table.name, 0) + 1
    return counts


def applicants_of(settings: Settings) -> set[tuple[str, str]]:
    from casework.tables import APPLICANT_NAME, APPLICANT_NATIONAL_ID

    cipher = pii_cipher(settings)
    with closing(sqlite3.connect(settings.data_dir / "majlis.db")) as connection:
        rows = connection.execute("SELECT id, full_name_ct, national_id_ct FROM applicants")
        return {
            (cipher.unseal(name, APPLICANT_NAME, i), cipher.unseal(nid, APPLICANT_NATIONAL_ID, i))
            for i, name, nid in rows
        }


async def test_a_backup_made_while_serving_restores_with_its_keys_and_everything_decrypts(
    tmp_path: Path,
    servers: list[subprocess.Popen[bytes]],
    desks: list[aiohttp.ClientSession],
) -> None:
    live, restored = install_at(tmp_path / "live"), install_at(tmp_path / "restored")
    backup_dir, keys_file = tmp_path / "backups" / "first", tmp_path / "majlis-keys"
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    init = await asyncio.to_thread(run, ["init", "--demo"], live.env)
    assert init.returncode == 0, init.stderr
    found = SIGN_IN.search(init.stdout)
    assert found is not None, init.stdout
    password = found.group(2)
    await serve(live, servers)
    desk = await signed_in(live, password, desks)
    made: dict[int, dict[str, str]] = {}
    for n in range(3):
        await register(desk, n, made)

    stop = asyncio.Event()
    traffic = asyncio.create_task(keep_registering(desk, made, stop))
    await asyncio.sleep(0.3)
    before = len(made)
    backup = await asyncio.to_thread(run, ["backup", str(backup_dir)], live.env)
    during = len(made) - before
    stop.set()
    await traffic
    assert backup.returncode == 0, backup.stderr
    assert during > 0, "no request was made while the backup ran"
    exported = await asyncio.to_thread(
        run, ["keys", "export", str(keys_file), "--passphrase-file", str(passphrase_file)], live.env
    )
    assert exported.returncode == 0, exported.stderr
    assert "without them the personal data in every backup cannot be read" in exported.stdout

    backup_files = await asyncio.to_thread(secrets_of, backup_dir, everything=True)
    assert sorted(backup_files) == ["majlis.db", "manifest.json"]
    keys = await asyncio.to_thread(secrets_of, live.settings.data_dir)
    assert {"keys/index.key", "keys/tracking.key", "audit/signing-key.pem"} <= set(keys)
    for name, secret in keys.items():
        for form in forms_of(secret):
            assert not any(form in data for data in backup_files.values()), f"{name} in backup"
    for applicant in made.values():
        assert not any(applicant["national_id"].encode() in d for d in backup_files.values())

    restore = await asyncio.to_thread(
        run,
        [
            "restore",
            str(backup_dir),
            "--keys",
            str(keys_file),
            "--passphrase-file",
            str(passphrase_file),
        ],
        restored.env,
    )
    assert restore.returncode == 0, restore.stderr
    await serve(restored, servers)
    verified = await asyncio.to_thread(run, ["audit", "verify"], restored.env)
    assert verified.returncode == 0, verified.stdout
    assert "audit log intact" in verified.stdout

    counts = await asyncio.to_thread(unseal_everything, restored.settings)
    assert before <= counts["applicants"] <= len(made)
    people = {(r["full_name"], r["national_id"]) for r in made.values()}
    assert await asyncio.to_thread(applicants_of, restored.settings) <= people
    desk = await signed_in(restored, password, desks)
    with closing(sqlite3.connect(restored.settings.data_dir / "majlis.db")) as connection:
        request_ids = [row[0] for row in connection.execute("SELECT id FROM requests")]
    assert len(request_ids) == counts["applicants"]
    for request_id in request_ids:
        status, details = await desk.call("GET", f"/api/requests/{request_id}")
        assert status == 200, details
        assert details["versions"][0]["text"] == made[request_id]["text"]
