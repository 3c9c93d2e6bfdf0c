"""Applying and checking Alembic migrations on an async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from majlis.database import DatabaseNotMigrated

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Apply every pending migration (a no-op on an up-to-date database)."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def downgrade_to(engine: AsyncEngine, revision: str) -> None:
    """Undo migrations down to ``revision`` (``"base"``: an empty schema), in one transaction."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def current_revisions(engine: AsyncEngine) -> set[str]:
    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def require_migrated(engine: AsyncEngine) -> None:
    """Raise ``DatabaseNotMigrated`` unless the database is at the code's head revision."""
    current = await current_revisions(engine)
    if current != head_revisions():
        shown = ", ".join(sorted(current)) or "none"
        raise DatabaseNotMigrated(
            f"the database schema is not up to date (revision {shown}); "
            "run `majlis db upgrade` first"
        )


def is_known_revision(revision: str) -> bool:
    """A revision of this code's migrations (one it can upgrade from), not a newer one."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False
