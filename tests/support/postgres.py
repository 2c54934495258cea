"""Scratch PostgreSQL databases for tests: created fresh, migrated, dropped afterwards.

Each test module that needs PostgreSQL gets its own database (``CREATE DATABASE`` on the
server at STRATA_TEST_POSTGRES, default 127.0.0.1:5432 as postgres), so tests never see each
other's rows and a crashed run leaves nothing that a later one would trip over.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

SERVER = os.environ.get("STRATA_TEST_POSTGRES", "postgres@127.0.0.1:5432")
ADMIN_DB = os.environ.get("STRATA_TEST_POSTGRES_DB", "test")


def dsn(database: str) -> str:
    return f"postgresql://{SERVER}/{database}"


def sqlalchemy_url(database: str) -> str:
    return f"postgresql+asyncpg://{SERVER}/{database}"


def available() -> tuple[bool, str]:
    async def probe() -> None:
        conn = await asyncpg.connect(dsn(ADMIN_DB), timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return False, f"{SERVER}: {exc}"
    return True, ""


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(dsn(ADMIN_DB), timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_database(prefix: str = "strata_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    return name


async def drop_database(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(prefix: str = "strata_test") -> Iterator[str]:
    """The name of a new, empty database, dropped (connections and all) on exit."""
    name = asyncio.run(create_database(prefix))
    try:
        yield name
    finally:
        asyncio.run(drop_database(name))


async def migrate_to_head(url: str) -> None:
    from gateway.db import migrate
    from gateway.db.session import make_engine

    engine = make_engine(url)
    try:
        await migrate.upgrade(engine, url)
    finally:
        await engine.dispose()


@contextmanager
def migrated_database(prefix: str = "strata_test") -> Iterator[str]:
    """The SQLAlchemy URL of a new database migrated to head, dropped on exit; a test asking for
    one is skipped when PostgreSQL is not running (a failure under CI=true)."""
    from tests.support.require import require_service

    ok, why = available()
    require_service("PostgreSQL", ok, why)
    with scratch_database(prefix) as name:
        url = sqlalchemy_url(name)
        asyncio.run(migrate_to_head(url))
        yield url
