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


async def downgrade(engine: AsyncEngine, url: str, revision: str) -> None:
    config = alembic_config(url)
    async with engine.begin() as conn:

        def run(sync_connection: object) -> None:
            config.attributes["connection"] = sync_connection
            command.downgrade(config, revision)

        await conn.run_sync(run)
