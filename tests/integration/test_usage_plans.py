"""Every usage-API query can be served by the index designed for it (PostgreSQL EXPLAIN).

At a few thousand rows the planner rightly prefers sequential scans, which says nothing about a
million rows; so the check runs with ``enable_seqscan = off``, which makes it ask "can an index
answer this query, and which?": a query whose predicate or order its index cannot serve fails.
"Broad" queries (the whole fleet over many days) read much of a small roll-up table, where a
sequential scan is the right plan at any size; they are timed in the benchmark, not checked here.
How the plans and timings look at a million rows: bench/usage_queries.py and BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg
import pytest

from bench.usage_queries import Query, catalogue, explain, load
from bench.usage_queries import _samples as samples
from tests.integration.conftest import require_service
from tests.support import postgres

ROWS = 3000


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    with postgres.scratch_database("strata_usage_plans") as name:
        url = postgres.sqlalchemy_url(name)
        asyncio.run(postgres.migrate_to_head(url))
        asyncio.run(load(url, ROWS, datetime.now(UTC)))
        yield name


def _plans(name: str) -> list[tuple[Query, list[str]]]:
    async def run() -> list[tuple[Query, list[str]]]:
        conn = await asyncpg.connect(postgres.dsn(name))
        try:
            await conn.execute("SET enable_seqscan = off")
            queries = catalogue(await samples(conn))
            return [(query, (await explain(conn, query.sql)).indexes) for query in queries]
        finally:
            await conn.close()

    return asyncio.run(run())


def test_each_query_uses_its_index(database: str) -> None:
    plans = _plans(database)
    assert len(plans) >= 15
    narrow = [(query, indexes) for query, indexes in plans if query.index and not query.broad]
    assert len(narrow) >= 12
    wrong = {query.name: indexes for query, indexes in narrow if query.index not in indexes}
    assert wrong == {}


def test_the_rollups_count_what_was_loaded(database: str) -> None:
    async def run() -> list[int]:
        conn = await asyncpg.connect(postgres.dsn(database))
        try:
            tables = ("usage_records", "usage_daily", "usage_daily_latency")
            return [
                await conn.fetchval(f"SELECT {'count(*)' if t == 'usage_records' else 'sum(requests)'} FROM {t}")
                for t in tables
            ]
        finally:
            await conn.close()

    assert asyncio.run(run()) == [ROWS, ROWS, ROWS]
