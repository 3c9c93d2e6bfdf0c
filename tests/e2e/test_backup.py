"""``majlis backup`` while ``majlis serve`` takes new requests, ``majlis keys export``, then
``majlis restore`` into a new data directory and a second server on it: the audit log verifies,
every request and every sealed personal value decrypts, and no key is in the backup."""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from sqlalchemy import select
from stdnum import luhn

from casework.pii import PiiCipher, SealedColumn
from casework.rekey import ENCRYPTED
from majlis.components import pii_cipher
from majlis.database import create_engine
from majlis.settings import Settings, load_settings
from tests.conftest import free_port
from tests.e2e.test_cli import environment, run, wait_for_health
from tests.e2e.test_restart import start_server
from tests.postgres import TemporaryCluster

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


def install_at(directory: Path, database_url: str | None) -> Install:
    """An installation in ``directory`` on ``database_url`` (None: its SQLite file)."""
    port = free_port()
    data_dir = directory / "data"
    overrides = {} if database_url is None else {"database_url": database_url}
    return Install(
        load_settings(data_dir=data_dir, port=port, **overrides),
        environment(data_dir, port, **{f"MAJLIS_{k.upper()}": v for k, v in overrides.items()}),
        directory / "server.log",
    )


@pytest.fixture
def restored_database(postgres_cluster: TemporaryCluster | None) -> Iterator[str | None]:
    """A second, empty database to restore into on PostgreSQL; None on SQLite (the file
    goes into the new data directory)."""
    if postgres_cluster is None:
        yield None
        return
    postgres_cluster.create_database("restored")
    try:
        yield postgres_cluster.url("restored")
    finally:
        postgres_cluster.drop_database("restored")


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


def dump_as_sql(dump: Path) -> bytes:
    return subprocess.run(
        ["pg_restore", "--file=-", str(dump)], capture_output=True, check=True, timeout=60
    ).stdout


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


async def unseal_everything(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Decrypt every sealed value of every row with the installation's keys (raises on one
    that does not decrypt); the rows of each table, decrypted."""
    cipher = await asyncio.to_thread(pii_cipher, settings)
    engine = create_engine(settings.effective_database_url)
    found: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with engine.connect() as connection:
            for table, keys, places in ENCRYPTED:
                columns = [table.c[name] for name in (*keys, *(w.column for w in places))]
                rows = (await connection.execute(select(*columns))).all()
                found[table.name] = [_unsealed(cipher, tuple(r), len(keys), places) for r in rows]
    finally:
        await engine.dispose()
    return found


def _unsealed(
    cipher: PiiCipher, row: tuple[Any, ...], keys: int, places: tuple[SealedColumn, ...]
) -> tuple[Any, ...]:
    """The row's key columns, then its sealed values decrypted."""
    key = row[0] if keys == 1 else row[:keys]
    return row[:keys] + tuple(
        None if stored is None else cipher.unseal(stored, where, key)
        for where, stored in zip(places, row[keys:], strict=True)
    )


async def test_a_backup_made_while_serving_restores_with_its_keys_and_everything_decrypts(
    tmp_path: Path,
    servers: list[subprocess.Popen[bytes]],
    desks: list[aiohttp.ClientSession],
    database_url: str | None,
    restored_database: str | None,
) -> None:
    live = install_at(tmp_path / "live", database_url)
    restored = install_at(tmp_path / "restored", restored_database)
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
    copy = "majlis.db" if database_url is None else "majlis.pgdump"
    assert sorted(backup_files) == [copy, "manifest.json"]
    if database_url is not None:  # a custom-format dump is compressed: grep its SQL too
        backup_files["majlis.sql"] = await asyncio.to_thread(dump_as_sql, backup_dir / copy)
    keys = await asyncio.to_thread(secrets_of, live.settings.data_dir)
    assert {"keys/index.key", "keys/tracking.key", "audit/signing-key.pem"} <= set(keys)
    for name, secret in keys.items():
        for form in forms_of(secret):
            assert not any(form in data for data in backup_files.values()), f"{name} in backup"
    for applicant in made.values():
        assert not any(applicant["national_id"].encode() in d for d in backup_files.values())

    arguments = ["restore", str(backup_dir), "--keys", str(keys_file)]
    arguments += ["--passphrase-file", str(passphrase_file)]
    restore = await asyncio.to_thread(run, arguments, restored.env)
    assert restore.returncode == 0, restore.stderr
    if restored_database is not None:  # a database with tables is refused, like a used dir
        again = {**restored.env, "MAJLIS_DATA_DIR": str(tmp_path / "again")}
        refused = await asyncio.to_thread(run, arguments, again)
        assert refused.returncode == 1
        assert "tables: restore only into an empty one" in refused.stderr
    await serve(restored, servers)
    verified = await asyncio.to_thread(run, ["audit", "verify"], restored.env)
    assert verified.returncode == 0, verified.stdout
    assert "audit log intact" in verified.stdout

    unsealed = await unseal_everything(restored.settings)
    assert before <= len(unsealed["applicants"]) <= len(made)
    people = {(r["full_name"], r["national_id"], "+966" + r["phone"][1:]) for r in made.values()}
    assert {applicant[1:] for applicant in unsealed["applicants"]} <= people
    desk = await signed_in(restored, password, desks)
    first = min(made)  # registered before the backup: in it
    status, found = await desk.call("GET", "/api/requests?q=" + quote(made[first]["phone"]))
    assert status == 200, found
    assert [r["id"] for r in found["requests"]] == [first]  # the restored index key finds her
    request_ids = [row[0] for row in unsealed["request_versions"]]
    assert len(request_ids) == len(unsealed["applicants"])
    assert all(made[request]["text"] == text for request, _, text in unsealed["request_versions"])
    for request_id in request_ids:
        status, details = await desk.call("GET", f"/api/requests/{request_id}")
        assert status == 200, details
        assert details["versions"][0]["text"] == made[request_id]["text"]
