"""``majlis backup`` and ``majlis restore``: a consistent copy of the database taken while the
server runs, with a manifest; never the keys (``majlis.keys_file`` carries those, apart).

SQLite is copied with its online backup API in one step: that is one read transaction, which
under WAL sees one committed state while the server goes on writing (``VACUUM INTO`` would be
as consistent and more compact, but rebuilds every index on a busy server's time; the backup
API copies pages). PostgreSQL is dumped by ``pg_dump`` inside a snapshot this process exported
(``majlis.backup_postgres``). In both, the schema revision and the audit chain's head are read
from the very state that was copied, and the head is signed with the audit checkpoint's key:
a restore installs that signed head, so a backup whose newest audit rows were cut off fails
``majlis audit verify`` like a live database would.

A backup is a directory: the database file and ``manifest.json`` (format, time, backend,
schema revision, the file's SHA-256 and size, the signed audit head, the ids of the data keys
its personal data may be sealed with — ids, never keys).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from majlis import __version__

FORMAT = "majlis-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "majlis.db"
POSTGRES_FILE = "majlis.pgdump"
REVISION_SQL = "SELECT version_num FROM alembic_version"
AUDIT_HEAD_SQL = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"


class BackupError(Exception):
    """A backup cannot be made or restored; the message is one line for the operator."""


@dataclass(frozen=True)
class Snapshot:
    """What was copied: the file, and the state read from the copy itself."""

    file: Path
    revision: str
    audit_head: tuple[int, str] | None


@dataclass(frozen=True)
class Manifest:
    format: str
    created_at: str
    majlis_version: str
    backend: str  # "sqlite" or "postgresql"
    database_file: str
    sha256: str
    size_bytes: int
    schema_revision: str
    audit_checkpoint: dict[str, Any] | None
    data_key_ids: list[str]
    keys: str = "not in this backup: restore with --keys FILE from `majlis keys export`"

    def write(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        try:
            data = json.loads(path.read_text())
            manifest = cls(**data)
        except FileNotFoundError:
            raise BackupError(f"{path} not found: not a Majlis backup directory") from None
        except (ValueError, TypeError):
            raise BackupError(f"{path} is not a Majlis backup manifest") from None
        if manifest.format != FORMAT:
            raise BackupError(f"unknown backup format {manifest.format!r} (expected {FORMAT})")
        if Path(manifest.database_file).name != manifest.database_file:
            raise BackupError(f"{path} names a database file outside the backup")
        return manifest


def new_manifest(
    backend: str,
    snapshot: Snapshot,
    now: datetime,
    audit_checkpoint: dict[str, Any] | None,
    data_key_ids: list[str],
) -> Manifest:
    size = snapshot.file.stat().st_size
    return Manifest(
        FORMAT,
        now.isoformat(timespec="seconds"),
        __version__,
        backend,
        snapshot.file.name,
        sha256_of(snapshot.file),
        size,
        snapshot.revision,
        audit_checkpoint,
        data_key_ids,
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checked_database_file(directory: Path, manifest: Manifest) -> Path:
    """The backup's database file, once its size and SHA-256 match the manifest."""
    path = directory / manifest.database_file
    if not path.is_file():
        raise BackupError(f"{path} is missing: the backup is incomplete")
    found = sha256_of(path)
    if found != manifest.sha256 or path.stat().st_size != manifest.size_bytes:
        raise BackupError(
            f"{path} does not match its manifest (sha256 {found[:16]}…, expected "
            f"{manifest.sha256[:16]}…): the backup is damaged; restore another one"
        )
    return path


def prepare_target(directory: Path) -> None:
    """A new backup goes into a directory that does not exist yet, or is empty."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} exists and is not empty: back up into a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # the personal data in it is sealed, the rest (names of staff) not


def require_empty(data_dir: Path) -> None:
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise BackupError(
            f"the data directory {data_dir} is not empty: restore only into an empty one "
            "(set MAJLIS_DATA_DIR to a new directory)"
        )


# -- SQLite ---------------------------------------------------------------------------------------


def sqlite_snapshot(database: Path, target: Path) -> Snapshot:
    """Copy the live database file ``database`` to ``target`` (runs in a thread)."""
    if not database.is_file():
        raise BackupError(f"no database at {database}: nothing to back up")
    # Read-write, like the server's own connections: a read-only one cannot open a WAL
    # database whose -shm file is gone (the server stopped cleanly). Nothing is written.
    source = sqlite3.connect(database, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: every page in one step, one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if copy.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError("the copied database fails SQLite's quick_check")
        revision, head = read_state(copy)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from None
    finally:
        copy.close()
        source.close()
    return Snapshot(target, revision, head)


def read_state(connection: sqlite3.Connection) -> tuple[str, tuple[int, str] | None]:
    try:
        revision = connection.execute(REVISION_SQL).fetchone()
    except sqlite3.OperationalError:
        revision = None
    if revision is None:
        raise BackupError("the database has no schema yet (run `majlis init`): nothing to back up")
    head = connection.execute(AUDIT_HEAD_SQL).fetchone()
    return str(revision[0]), (int(head[0]), str(head[1])) if head else None


def restore_sqlite_file(backup_file: Path, database: Path) -> None:
    if database.exists():
        raise BackupError(f"{database} exists: restore only into an empty data directory")
    database.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    target = sqlite3.connect(database)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
