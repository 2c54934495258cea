"""Migrations upgrade and downgrade cleanly on SQLite and PostgreSQL, step by step, keeping data,
and the models match the migrated schema (autogenerate finds nothing to do)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from gateway.db import migrate
from gateway.db.base import Base
from gateway.db.session import make_engine
from tests.integration.conftest import require_service
from tests.support import postgres


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database of each kind, fresh for every test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('migrations') / 'strata.db'}"
        return
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    with postgres.scratch_database("strata_migrations") as name:
        yield postgres.sqlalchemy_url(name)


def _revisions(url: str) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _diff(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(sync: Connection) -> set[str]:
    return set(inspect(sync).get_table_names()) - {"alembic_version"}


def test_upgrade_to_head_matches_the_models(url: str) -> None:
    async def main() -> None:
        engine = make_engine(url)
        try:
            await migrate.upgrade(engine, url)
            assert await migrate.current_revision(engine) == migrate.head_revision(url)
            async with engine.connect() as conn:
                assert await conn.run_sync(_diff) == []
                assert await conn.run_sync(_tables) == set(Base.metadata.tables)
                pk = await conn.run_sync(lambda s: inspect(s).get_pk_constraint("usage_records"))
                assert pk["constrained_columns"] == ["id"]
        finally:
            await engine.dispose()

    asyncio.run(main())


def test_every_step_upgrades_and_downgrades(url: str) -> None:
    async def main() -> None:
        engine = make_engine(url)
        try:
            revisions = _revisions(url)
            previous = "base"
            for revision in revisions:
                await migrate.upgrade(engine, url, revision)
                await migrate.downgrade(engine, url, previous)
                assert await migrate.current_revision(engine) == (None if previous == "base" else previous)
                await migrate.upgrade(engine, url, revision)
                previous = revision
            await migrate.downgrade(engine, url, "base")
            async with engine.connect() as conn:
                assert await conn.run_sync(_tables) == set()
            await migrate.upgrade(engine, url)
            assert await migrate.current_revision(engine) == revisions[-1]
        finally:
            await engine.dispose()

    asyncio.run(main())


def test_usage_rows_survive_the_upgrade_to_record_ids(url: str) -> None:
    """Rows written before 0002 keep their request id as their record id; cached tokens are 0."""

    async def main() -> None:
        engine = make_engine(url)
        try:
            await migrate.upgrade(engine, url, "0001")
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO usage_records (request_id, ts, surface, stream, attempts, prompt_tokens, "
                        "completion_tokens, cached_tokens, cost_usd, latency_ms, status, tags) VALUES "
                        "('old-1', CURRENT_TIMESTAMP, 'openai', false, 1, 5, 6, 0, 0.5, 12.5, 200, '[]')"
                    )
                )
                await conn.execute(
                    text("INSERT INTO usage_daily VALUES ('2026-01-01', 'k', 't', 'm', 1, 0, 5, 6, 0.5, 12.5)")
                )
            await migrate.upgrade(engine, url, "0002")
            async with engine.begin() as conn:
                assert (await conn.execute(text("SELECT id, request_id FROM usage_records"))).all() == [
                    ("old-1", "old-1")
                ]
                assert (await conn.execute(text("SELECT requests, cached_tokens FROM usage_daily"))).all() == [(1, 0)]
                # A caller's request id may now repeat; the downgrade keeps one row per request id.
                await conn.execute(
                    text(
                        "INSERT INTO usage_records (id, request_id, ts, surface, stream, attempts, prompt_tokens, "
                        "completion_tokens, cached_tokens, cost_usd, latency_ms, status, tags) VALUES "
                        "('new-2', 'old-1', CURRENT_TIMESTAMP, 'openai', false, 1, 5, 6, 0, 0.5, 12.5, 200, '[]')"
                    )
                )
            await migrate.downgrade(engine, url, "0001")
            async with engine.connect() as conn:
                assert (await conn.execute(text("SELECT request_id FROM usage_records"))).all() == [("old-1",)]
        finally:
            await engine.dispose()

    asyncio.run(main())


def _schema(sync: Connection) -> dict[str, Any]:
    """Every table's columns, keys, indexes and constraints, as the database reports them."""
    found = inspect(sync)
    schema: dict[str, Any] = {}
    for table in sorted(_tables(sync)):
        columns = {
            c["name"]: (str(c["type"]), c["nullable"], str(c.get("default")).strip("'\"()"))
            for c in found.get_columns(table)
        }
        schema[table] = {
            "columns": columns,
            "pk": found.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)
            ),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)),
            "foreign": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in found.get_foreign_keys(table)
            ),
        }
    return schema


def test_a_new_database_is_made_at_head_with_the_schema_the_migrations_build(
    url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    async def main() -> None:
        migrated, made = make_engine(url), None
        try:
            await migrate.upgrade(migrated, url)
            async with migrated.connect() as conn:
                expected = await conn.run_sync(_schema)
            if url.startswith("sqlite"):
                fresh = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('made') / 'strata.db'}"
                made = make_engine(fresh)
                assert await migrate.create_at_head(made, fresh) is True
                assert await migrate.current_revision(made) == migrate.head_revision(fresh)
                async with made.connect() as conn:
                    assert await conn.run_sync(_schema) == expected
                assert await migrate.create_at_head(made, fresh) is False, "a database with tables is left alone"
            else:  # a migrated database has tables: nothing is made over it
                assert await migrate.create_at_head(migrated, url) is False
        finally:
            await migrated.dispose()
            if made is not None:
                await made.dispose()

    asyncio.run(main())
