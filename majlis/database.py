"""The database engine: SQLite (WAL) by default, PostgreSQL by URL; migration state checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from foundation.serial_transactions import begin_immediate_when_serial, lock_when_serial


class DatabaseNotMigrated(Exception):
    """The schema is older than this code; ``majlis db upgrade`` fixes it."""


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url``; a SQLite file gets WAL, foreign keys and a busy timeout.
    Either way ``foundation.serial_transactions`` engines begin serially (see there why the
    two databases need different means)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_async_engine(url, pool_pre_ping=True)
        event.listen(engine.sync_engine, "begin", lock_when_serial)
        return engine
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    # ``foundation.serial_engine`` transactions take the write lock as they begin.
    event.listen(engine.sync_engine, "begin", begin_immediate_when_serial)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while the single writer commits; the busy timeout makes a
    # second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error:
        cursor.close()
        raise
    cursor.close()


async def ping(engine: AsyncEngine) -> None:
    """Raise if the database cannot answer a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
