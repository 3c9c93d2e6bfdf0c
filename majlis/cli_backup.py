"""``majlis backup``, ``majlis restore`` and ``majlis keys export``: the operator's side of
``majlis.backup`` and ``majlis.keys_file``.

The passphrase of a keys file is asked on the terminal (twice when exporting), or read from
``--passphrase-file`` (a file, or ``/dev/stdin`` in a script): never a command-line value that
``ps`` would show. A refusal is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from accounts.passwords import weakness_of
from audit.log import AuditEntry, Checkpoint, verify
from casework.pii import data_key_ids
from certs.files import PRIVATE_MODE, write_file_atomically
from majlis.backup import (
    POSTGRES_FILE,
    SQLITE_FILE,
    BackupError,
    Manifest,
    Snapshot,
    checked_database_file,
    new_manifest,
    prepare_target,
    require_empty,
    restore_sqlite_file,
    sqlite_snapshot,
)
from majlis.backup_postgres import pg_restore_into, pg_snapshot, require_empty_database
from majlis.components import (
    audit_dir,
    audit_log,
    keys_dir,
    load_keyring,
    pii_cipher,
    tracking_numbers,
)
from majlis.database import create_engine
from majlis.keys_file import KeyBundle, KeysFileError, collect, install, seal, unseal
from majlis.migrate import head_revisions, is_known_revision, upgrade_to_head
from majlis.settings import Settings

EXIT_FAILURE = 1
ACTOR = "operator"
COMMANDS = ("backup", "restore", "keys")
LOSS_WARNING = (
    "Keep this file and its passphrase safe and apart from the backups: without them the "
    "personal data in every backup cannot be read, and nobody can recover it."
)


def add_backup_commands(commands: Any) -> None:
    """``backup``, ``restore`` and the ``keys`` group of the ``majlis`` parser."""
    backup = commands.add_parser(
        "backup", help="copy the database (while serving) and a manifest; never the keys"
    )
    backup.add_argument("path", type=Path, help="a new (or empty) directory for the backup")
    restore = commands.add_parser(
        "restore", help="restore a backup and its keys file into an empty data directory"
    )
    restore.add_argument("path", type=Path, help="a directory written by `majlis backup`")
    restore.add_argument(
        "--keys", type=Path, required=True, metavar="FILE", help="from `majlis keys export`"
    )
    _passphrase_option(restore)
    keys = commands.add_parser("keys", help="encryption keys of personal data")
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    actions.add_parser(
        "rotate", help="add a new data key and re-encrypt every stored personal value with it"
    )
    export = actions.add_parser(
        "export", help="write every key to one file sealed with a passphrase (for restores)"
    )
    export.add_argument("file", type=Path, help="a new file")
    _passphrase_option(export)


def _passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help="read the passphrase from FILE's first line (/dev/stdin in scripts); "
        "default: ask on the terminal",
    )


def run_backup_command(settings: Settings, arguments: argparse.Namespace) -> int:
    try:
        if arguments.command == "backup":
            manifest = asyncio.run(backup(settings, arguments.path))
            print(
                f"backup written to {arguments.path}: {manifest.database_file} "
                f"({manifest.size_bytes} bytes, schema {manifest.schema_revision}, "
                f"sha256 {manifest.sha256})"
            )
            print("  the keys are not in it: keep a `majlis keys export` file apart")
        elif arguments.command == "restore":
            bundle = unseal(arguments.keys.read_bytes(), _passphrase(arguments, confirm=False))
            manifest = asyncio.run(restore(settings, arguments.path, bundle))
            print(
                f"restored the backup of {manifest.created_at} (schema "
                f"{manifest.schema_revision}) into {settings.data_dir}; audit log intact"
            )
            print("  start the server: majlis serve")
        else:
            _export_keys(settings, arguments)
    except (BackupError, KeysFileError) as error:
        print(f"majlis: {error}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _export_keys(settings: Settings, arguments: argparse.Namespace) -> None:
    target: Path = arguments.file
    if target.exists():
        raise BackupError(f"{target} exists: export into a new file")
    passphrase = _passphrase(arguments, confirm=True)
    weakness = weakness_of(passphrase, ())
    if weakness is not None:
        advice = " ".join((weakness.warning, *weakness.suggestions)).strip()
        raise BackupError(f"the passphrase is too weak ({weakness.reason}): {advice}")
    checkpoint = Checkpoint(audit_dir(settings))
    _make_missing_keys(settings, checkpoint)
    bundle = collect(settings.data_dir, (keys_dir(settings), settings.certs_dir), checkpoint)
    write_file_atomically(target, seal(bundle, passphrase), PRIVATE_MODE)
    asyncio.run(_audit_keys_export(settings, len(bundle.files)))
    print(f"{len(bundle.files)} key files sealed into {target}")
    print(f"  {LOSS_WARNING}")
    print("  Export again after `majlis keys rotate` or `majlis certs init`.")


def _make_missing_keys(settings: Settings, checkpoint: Checkpoint) -> None:
    """Keys are made at their first use (most when the server first starts): make them now, so
    the export holds every key this installation will use."""
    pii_cipher(settings)
    tracking_numbers(settings)
    load_keyring(settings)
    checkpoint.ensure_key()


async def _audit_keys_export(settings: Settings, files: int) -> None:
    engine = create_engine(settings.effective_database_url)
    try:
        entry = AuditEntry(ACTOR, "keys.export", "keys", f"files={files}")
        await audit_log(settings, engine).record(entry, datetime.now(UTC))
    finally:
        await engine.dispose()


def _passphrase(arguments: argparse.Namespace, confirm: bool) -> str:
    if arguments.passphrase_file is not None:
        lines = arguments.passphrase_file.read_text().splitlines()
        passphrase = lines[0] if lines else ""
    elif sys.stdin.isatty():
        passphrase = getpass.getpass("passphrase of the keys file: ")
        if confirm and getpass.getpass("the same passphrase again: ") != passphrase:
            raise BackupError("the two passphrases differ")
    else:
        raise BackupError("no terminal to ask the passphrase on: give --passphrase-file FILE")
    if not passphrase:
        raise BackupError("the passphrase is empty")
    return passphrase


# -- the use cases --------------------------------------------------------------------------------


async def backup(settings: Settings, target: Path) -> Manifest:
    """Copy the configured database into ``target`` while it may be serving."""
    prepare_target(target)
    url = settings.effective_database_url
    backend = make_url(url).get_backend_name()
    engine = create_engine(url)
    try:
        snapshot = await _snapshot(engine, url, backend, target)
        snapshot.file.chmod(0o600)
        log = audit_log(settings, engine)
        head = snapshot.audit_head
        signed = None if head is None else await asyncio.to_thread(log.checkpoint.signed, *head)
        now = datetime.now(UTC)
        manifest = await asyncio.to_thread(
            new_manifest, backend, snapshot, now, signed, data_key_ids(keys_dir(settings))
        )
        manifest.write(target)
        detail = f"schema={manifest.schema_revision}; sha256={manifest.sha256[:16]}"
        await log.record(AuditEntry(ACTOR, "backup.created", f"backup:{backend}", detail), now)
        return manifest
    except BaseException:
        _empty(target)
        raise
    finally:
        await engine.dispose()


async def _snapshot(engine: AsyncEngine, url: str, backend: str, target: Path) -> Snapshot:
    if backend == "sqlite":
        database = Path(make_url(url).database or "")
        return await asyncio.to_thread(sqlite_snapshot, database, target / SQLITE_FILE)
    return await pg_snapshot(engine, url, target / POSTGRES_FILE)


async def restore(settings: Settings, source: Path, bundle: KeyBundle) -> Manifest:
    """Restore ``source`` with the keys of ``bundle`` into the configured, empty data directory
    (and empty database); migrate it forward when it is older than this code."""
    manifest = Manifest.read(source)
    database_file = await asyncio.to_thread(checked_database_file, source, manifest)
    if not is_known_revision(manifest.schema_revision):
        raise BackupError(
            f"the backup's schema {manifest.schema_revision} is newer than this Majlis "
            f"(knows up to {', '.join(sorted(head_revisions()))}): upgrade Majlis first"
        )
    url = settings.effective_database_url
    backend = make_url(url).get_backend_name()
    if backend != manifest.backend:
        raise BackupError(f"a {manifest.backend} backup cannot go into a {backend} database")
    held = {name.removeprefix("keys/data-").removesuffix(".key") for name in bundle.names()}
    missing = sorted(set(manifest.data_key_ids) - held)
    if missing:
        raise BackupError(
            f"the keys file lacks data key(s) {', '.join(missing)} of this backup: "
            "use a keys file exported after the backup was made"
        )
    require_empty(settings.data_dir)
    engine = create_engine(url)
    try:
        if backend != "sqlite":
            await require_empty_database(engine)
        try:
            await _put_back(settings, manifest, database_file, bundle, url)
        except BaseException:
            _empty(settings.data_dir)
            raise
        await _check_restored(settings, engine, manifest)
    finally:
        await engine.dispose()
    return manifest


async def _put_back(
    settings: Settings, manifest: Manifest, database_file: Path, bundle: KeyBundle, url: str
) -> None:
    await asyncio.to_thread(install, bundle, settings.data_dir)
    if manifest.audit_checkpoint is not None:
        try:
            await asyncio.to_thread(
                Checkpoint(audit_dir(settings)).install, manifest.audit_checkpoint
            )
        except ValueError:
            raise BackupError(
                "the keys file does not belong to this backup: the backup's audit head is "
                "not signed by its audit key"
            ) from None
    if manifest.backend == "sqlite":
        database = Path(make_url(url).database or "")
        await asyncio.to_thread(restore_sqlite_file, database_file, database)
    else:
        await pg_restore_into(url, database_file)


async def _check_restored(settings: Settings, engine: AsyncEngine, manifest: Manifest) -> None:
    await upgrade_to_head(engine)  # a no-op unless the backup is older than this code
    log = audit_log(settings, engine)
    verdict = await verify(engine, log.checkpoint)
    if not verdict.ok:
        raise BackupError(
            f"the restored audit log is NOT intact at row {verdict.first_bad_seq}: "
            f"{verdict.problem}"
        )
    detail = f"made {manifest.created_at}; schema={manifest.schema_revision}"
    entry = AuditEntry(ACTOR, "backup.restored", f"backup:{manifest.backend}", detail)
    await log.record(entry, datetime.now(UTC))


def _empty(directory: Path) -> None:
    """Undo a failed backup or restore: the directory was empty before it."""
    if not directory.is_dir():
        return
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
