"""The PostgreSQL side of ``majlis backup``/``restore``: ``pg_dump --format=custom`` inside a
snapshot this process exported, and ``pg_restore`` into an empty database.

The exporting transaction (REPEATABLE READ) reads the schema revision and the audit head, and
stays open while ``pg_dump --snapshot`` copies: both see the same committed state, while the
server goes on writing. The connection's password goes to the tools through ``PGPASSWORD`` in
their environment, never on a command line another user could read with ``ps``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis.backup import AUDIT_HEAD_SQL, REVISION_SQL, BackupError, Snapshot


def libpq_environment(url: str) -> dict[str, str]:
    """The ``PG*`` variables that name the database of a SQLAlchemy URL."""
    parsed: URL = make_url(url)
    values = {
        "PGHOST": parsed.query.get("host") or parsed.host,
        "PGPORT": parsed.port,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
    }
    found = {name: str(value) for name, value in values.items() if value}
    return {**os.environ, **found}


async def pg_snapshot(engine: AsyncEngine, url: str, target: Path) -> Snapshot:
    pg_dump = _tool("pg_dump")
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            snapshot = (await connection.execute(text("SELECT pg_export_snapshot()"))).scalar()
            revision = (await connection.execute(text(REVISION_SQL))).scalar()
            if revision is None:
                raise BackupError("the database has no schema yet (run `majlis init`)")
            head = (await connection.execute(text(AUDIT_HEAD_SQL))).first()
            await _run(
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                f"--file={target}",
                env=libpq_environment(url),
            )
    return Snapshot(target, str(revision), (int(head[0]), str(head[1])) if head else None)


async def require_empty_database(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    if tables:
        raise BackupError(
            f"the database already has {len(tables)} tables: restore only into an empty one"
        )


async def pg_restore_into(url: str, dump: Path) -> None:
    environment = libpq_environment(url)
    await _run(
        _tool("pg_restore"),
        "--exit-on-error",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        f"--dbname={environment.get('PGDATABASE', '')}",
        str(dump),
        env=environment,
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install postgresql-client (the server's version)")
    return found


async def _run(program: str, *arguments: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        program,
        *arguments,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{Path(program).name} failed ({process.returncode}): {last[0]}")
