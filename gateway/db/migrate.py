"""Applying and checking migrations from code: `strata db upgrade`, and the checks at start.

SQLite (the embedded default) is migrated automatically at start; PostgreSQL is not (several
gateways share it, and schema changes are an operator's decision): the server refuses to start
while migrations are pending and says how to apply them.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def upgrade(engine: AsyncEngine, url: str, revision: str = "head") -> None:
    config = alembic_config(url)
    async with engine.begin() as conn:

        def run(sync_connection: object) -> None:
            config.attributes["connection"] = sync_connection
            command.upgrade(config, revision)

        await conn.run_sync(run)


async def create_at_head(engine: AsyncEngine, url: str) -> bool:
    """An empty database: its tables made from the models and stamped at head, in one transaction.

    What Alembic's cookbook advises for a new database ("building an up to date database from
    scratch"): a fresh embedded database took ~0.27 s through the ten migrations (SQLite rebuilds a
    table to alter a column) and is made this way in a fraction of it. tests/integration/
    test_migrations.py keeps the models and the migrated schema equal. False (nothing done) when the
    database has any table.
    """
    from gateway.db import models  # noqa: F401  (the tables, on Base.metadata; the migrations need none)
    from gateway.db.base import Base

    async with engine.begin() as conn:

        def run(sync_connection: Connection) -> bool:
            if inspect(sync_connection).get_table_names():
                return False
            Base.metadata.create_all(sync_connection)
            config = alembic_config(url)
            config.attributes["connection"] = sync_connection
            command.stamp(config, "head")
            return True

        return await conn.run_sync(run)


async def downgrade(engine: AsyncEngine, url: str, revision: str) -> None:
    config = alembic_config(url)
    async with engine.begin() as conn:

        def run(sync_connection: object) -> None:
            config.attributes["connection"] = sync_connection
            command.downgrade(config, revision)

        await conn.run_sync(run)
