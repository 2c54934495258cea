"""Usage queries at a million rows: does each one use its index, and how fast is it?

Loads N usage records (default 1,000,000: 30 days, 1,000 keys with a Zipf-like skew, 50 teams,
12 models, 3% errors) into a scratch PostgreSQL database with COPY, builds the daily roll-ups
(in SQL, with the writer's bucket formula), then runs every query the usage API makes under
EXPLAIN (ANALYZE, BUFFERS), checks that it uses the intended index, times it, and writes a table
into BENCHMARKS.md. For comparison it also times an exact p95 over the raw records.

    .venv/bin/python bench/usage_queries.py [--rows 1000000] [--keep] [--no-write]

The same catalogue of queries is checked on a small table by tests/integration/test_usage_plans.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from sqlalchemy import Select  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402
from sqlalchemy.schema import CreateIndex  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from gateway.db.models import UsageRecord  # noqa: E402
from gateway.services.usage.queries import (  # noqa: E402
    RecordFilter,
    UsageFilter,
    daily_statement,
    encode_cursor,
    histogram_statement,
    records_statement,
    totals_statement,
)
from gateway.services.usage.rollup import BUCKETS_PER_DOUBLING, MAX_BUCKET  # noqa: E402
from gateway.services.usage.store import COLUMNS as LEDGER_COLUMNS  # noqa: E402
from tests.support import postgres  # noqa: E402

DAYS = 30
KEYS, TEAMS = 1000, 50
MODELS = [f"model-{i:02d}" for i in range(12)]
COLUMNS = [*LEDGER_COLUMNS, "detail"]  # the writer's columns, plus the one it leaves NULL


# ---------------------------------------------------------------- data


def _records(count: int, end: datetime, seed: int = 42) -> Iterator[tuple[Any, ...]]:
    """Skewed like real traffic: a few keys make most requests; each key uses one to three models."""
    rng = random.Random(seed)
    keys = rng.choices(range(KEYS), [1 / (rank**1.1) for rank in range(1, KEYS + 1)], k=count)
    picks = rng.choices((0, 1, 2), (70, 20, 10), k=count)
    statuses = rng.choices((200, 429, 502, 400), (97, 1.5, 1, 0.5), k=count)
    span = DAYS * 86400
    tags = json.dumps(["env:prod"])
    for index in range(count):
        key, status = keys[index], statuses[index]
        model = (key * 7 + (0, 3, 5)[picks[index]]) % len(MODELS)
        name = MODELS[model]
        prompt, completion = rng.randint(10, 4000), (rng.randint(1, 800) if status == 200 else 0)
        latency = rng.lognormvariate(6 + model / 10, 0.8)
        yield (
            os.urandom(16).hex(), os.urandom(16).hex(), end - timedelta(seconds=rng.random() * span),
            f"strata_{key:04d}", None if key % 10 == 9 else f"team-{key % TEAMS:02d}", name, name, f"{name}/0",
            "openai", "openai", index % 3 == 0, 1, prompt, completion, 0,
            Decimal(prompt * 3 + completion * 15) / Decimal(10**7), latency, latency * 0.3, status,
            None if status == 200 else "api_error", None, tags, None, None, None, None,
        )  # fmt: skip


# The writer's roll-up (gateway.services.usage.rollup.aggregate), done in SQL over the loaded rows:
# a million rows through Python upserts would take minutes. Same buckets: floor(4 * log2(ms)) + 1.
ROLLUP_SQL = [
    """INSERT INTO usage_daily (day, key_id, team_id, model, requests, errors, prompt_tokens, completion_tokens,
           cost_usd, latency_ms_total, cached_tokens, cache_hits, saved_usd)
       SELECT (ts AT TIME ZONE 'UTC')::date, coalesce(key_id, ''), coalesce(team_id, ''), coalesce(model, ''),
           count(*), count(*) FILTER (WHERE status >= 400 OR status = 0 OR error_type IS NOT NULL),
           sum(prompt_tokens), sum(completion_tokens), sum(cost_usd), sum(latency_ms), sum(cached_tokens),
           count(*) FILTER (WHERE cache IS NOT NULL), coalesce(sum(saved_usd), 0)
       FROM usage_records GROUP BY 1, 2, 3, 4""",
    f"""INSERT INTO usage_daily_latency (day, key_id, team_id, model, bucket, requests)
       SELECT (ts AT TIME ZONE 'UTC')::date, coalesce(key_id, ''), coalesce(team_id, ''), coalesce(model, ''),
           CASE WHEN latency_ms >= 1
                THEN least(floor(log(2, latency_ms::numeric) * {BUCKETS_PER_DOUBLING})::int + 1, {MAX_BUCKET})
                ELSE 0 END,
           count(*)
       FROM usage_records GROUP BY 1, 2, 3, 4, 5""",
]


async def load(url: str, count: int, end: datetime, chunk: int = 100_000) -> float:
    """COPY `count` records in, then build their roll-ups; returns seconds taken.

    The usual bulk load: the secondary indexes are dropped first and built again after, from the
    very Index objects the migrations created (so the queries meet the same indexes)."""
    started = time.perf_counter()
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    indexes = list(UsageRecord.__table__.indexes)
    try:
        for index in indexes:
            await conn.execute(f"DROP INDEX {index.name}")
        source = _records(count, end)
        while batch := [row for _, row in zip(range(chunk), source, strict=False)]:
            await conn.copy_records_to_table("usage_records", records=batch, columns=COLUMNS)
        for index in indexes:
            await conn.execute(str(CreateIndex(index).compile(dialect=postgresql.dialect())))
        for statement in ROLLUP_SQL:
            await conn.execute(statement)
        for table in ("usage_records", "usage_daily", "usage_daily_latency"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    finally:
        await conn.close()
    return time.perf_counter() - started


# ---------------------------------------------------------------- the queries


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    index: str | None  # the index that serves it (None: not an API query)
    broad: bool = False  # reads much of a roll-up: at scale a sequential scan is the right plan too


def _sql(statement: Select[Any]) -> str:
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


async def _samples(conn: asyncpg.Connection) -> dict[str, Any]:
    """Real values to ask about: the busiest key, a team, a model, a request id, a cursor."""
    key = await conn.fetchval("SELECT key_id FROM usage_daily GROUP BY key_id ORDER BY sum(requests) DESC LIMIT 1")
    quiet = await conn.fetchval("SELECT key_id FROM usage_daily GROUP BY key_id ORDER BY sum(requests) LIMIT 1")
    team = await conn.fetchval("SELECT team_id FROM usage_daily WHERE team_id <> '' LIMIT 1")
    row = await conn.fetchrow(
        "SELECT id, request_id, ts FROM usage_records WHERE key_id = $1 ORDER BY ts DESC OFFSET 100 LIMIT 1", key
    )
    end = await conn.fetchval("SELECT max(day) FROM usage_daily")
    return {"key": key, "quiet_key": quiet, "team": team, "model": MODELS[0], "end": end, "row": row}


def catalogue(samples: dict[str, Any]) -> list[Query]:
    """Each query the usage API makes, with real parameters."""
    end: date = samples["end"]
    month = UsageFilter(end - timedelta(days=DAYS - 1), end)
    week = UsageFilter(end - timedelta(days=6), end)
    key, team, model = samples["key"], samples["team"], samples["model"]
    one_key = UsageFilter(month.start, end, key_id=key)
    row = samples["row"]
    moment = row["ts"]
    return [
        Query("totals, all, 30 days", _sql(totals_statement(month, None, 1)), "pk_usage_daily", broad=True),
        Query("totals by key, 7 days", _sql(totals_statement(week, "key", 1000)), "pk_usage_daily", broad=True),
        Query(
            "totals by model, one key, 30 days",
            _sql(totals_statement(one_key, "model", 1000)),
            "ix_usage_daily_key_day",
        ),
        Query(
            "totals by model, quiet key, 30 days",
            _sql(totals_statement(UsageFilter(month.start, end, key_id=samples["quiet_key"]), "model", 1000)),
            "ix_usage_daily_key_day",
        ),
        Query(
            "totals by key, one team, 30 days",
            _sql(totals_statement(UsageFilter(month.start, end, team_id=team), "key", 1000)),
            "ix_usage_daily_team_day",
        ),
        Query(
            "totals by key, one model, 7 days",
            _sql(totals_statement(UsageFilter(week.start, end, model=model), "key", 1000)),
            "ix_usage_daily_model_day",
        ),
        Query("daily series, one key", _sql(daily_statement(one_key, None, [])), "ix_usage_daily_key_day"),
        Query(
            "daily series by model (top 20), 30 days",
            _sql(daily_statement(month, "model", MODELS)),
            "pk_usage_daily",
            broad=True,
        ),
        Query(
            "latency histogram, all, 30 days",
            _sql(histogram_statement(month, [])),
            "pk_usage_daily_latency",
            broad=True,
        ),
        Query(
            "latency histogram, one key, 30 days",
            _sql(histogram_statement(one_key, [])),
            "ix_usage_daily_latency_key_day",
        ),
        Query(
            "latency histograms by model, 7 days",
            _sql(histogram_statement(week, ["model"])),
            "pk_usage_daily_latency",
            broad=True,
        ),
        Query("records, newest page", _sql(records_statement(RecordFilter(), 100, None)), "ix_usage_records_ts"),
        Query(
            "records, one key, newest page",
            _sql(records_statement(RecordFilter(key_id=key), 100, None)),
            "ix_usage_records_key_ts",
        ),
        Query(
            "records, one key, next page",
            _sql(records_statement(RecordFilter(key_id=key), 100, encode_cursor(moment, row["id"]))),
            "ix_usage_records_key_ts",
        ),
        Query(
            "records, one team, one day",
            _sql(
                records_statement(RecordFilter(start=moment - timedelta(days=1), end=moment, team_id=team), 100, None)
            ),
            "ix_usage_records_team_ts",
        ),
        Query(
            "records, one model, newest page",
            _sql(records_statement(RecordFilter(model=model), 100, None)),
            "ix_usage_records_model_ts",
        ),
        Query(
            "records, errors only, newest page",
            _sql(records_statement(RecordFilter(errors_only=True), 100, None)),
            "ix_usage_records_errors_ts",
        ),
        Query(
            "record by request id",
            _sql(records_statement(RecordFilter(request_id=row["request_id"]), 100, None)),
            "ix_usage_records_request_id",
        ),
    ]


RAW_P95 = Query(
    "(for comparison) exact p95 by model from raw records, 30 days",
    "SELECT model, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FROM usage_records "
    "WHERE ts >= now() - interval '30 days' GROUP BY model",
    None,
)


def _walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _walk(child)


@dataclass
class Explained:
    nodes: list[str]
    indexes: list[str]
    execution_ms: float
    buffers: int
    rows: int


async def explain(conn: asyncpg.Connection, sql: str) -> Explained:
    raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
    top = json.loads(raw)[0]
    plan = top["Plan"]
    nodes = list(_walk(plan))
    return Explained(
        nodes=[n["Node Type"] for n in nodes],
        indexes=[n["Index Name"] for n in nodes if "Index Name" in n],
        execution_ms=float(top["Execution Time"]),
        buffers=int(plan.get("Shared Hit Blocks", 0)) + int(plan.get("Shared Read Blocks", 0)),
        rows=int(plan.get("Actual Rows", 0)),
    )


async def timed(conn: asyncpg.Connection, sql: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await conn.fetch(sql)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def _verdict(query: Query, used: bool, ok: bool) -> str:
    if query.index is None:
        return "n/a"
    if used:
        return f"yes (`{query.index}`)"
    return "seq scan (broad: right at this size)" if ok else f"**NO** (`{query.index}`)"


def _plan_text(result: Explained) -> str:
    interesting = [n for n in result.nodes if "Scan" in n]
    return ", ".join(dict.fromkeys(interesting + [f"`{i}`" for i in result.indexes]))


async def measure(name: str, rows: int) -> tuple[list[list[str]], dict[str, int], float, str, bool]:
    url = postgres.sqlalchemy_url(name)
    await postgres.migrate_to_head(url)
    load_s = await load(url, rows, datetime.now(UTC))
    conn = await asyncpg.connect(postgres.dsn(name))
    try:
        tables = ("usage_records", "usage_daily", "usage_daily_latency")
        counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
        table_rows, all_ok = [], True
        for query in [*catalogue(await _samples(conn)), RAW_P95]:
            result = await explain(conn, query.sql)
            used = query.index in result.indexes
            ok = query.index is None or used or (query.broad and "Seq Scan" in result.nodes)
            all_ok &= ok
            median = await timed(conn, query.sql)
            table_rows.append([
                query.name, _plan_text(result), _verdict(query, used, ok),
                f"{result.buffers}", f"{result.execution_ms:.2f}", f"{median:.2f}",
            ])  # fmt: skip
        version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    return table_rows, counts, load_s, version, all_ok


async def run(rows: int, keep: bool) -> tuple[str, bool]:
    name = await postgres.create_database("strata_bench_usage")
    try:
        table_rows, counts, load_s, version, all_ok = await measure(name, rows)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            await postgres.drop_database(name)
    text = "\n".join(
        [
            f"### Usage queries at {counts['usage_records']:,} records (PostgreSQL {version})",
            "",
            f"Loaded in {load_s:.0f} s (COPY without the secondary indexes, which are then rebuilt; roll-ups in SQL): "
            f"{counts['usage_daily']:,} daily roll-up rows, {counts['usage_daily_latency']:,} latency-histogram rows. "
            "Each query as the usage API builds it, under `EXPLAIN (ANALYZE, BUFFERS)`; time is the median of 5 runs "
            "from the client (asyncpg).",
            "",
            markdown_table(
                ["query", "plan (scans, indexes)", "intended index used", "buffers", "execution ms", "median ms"],
                table_rows,
            ),
            "",
            machine_line(("sqlalchemy", "asyncpg", "alembic")) + f"; load average {_load_average()} (a shared machine)",
        ]
    )
    return text, all_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave BENCHMARKS.md alone")
    args = parser.parse_args()
    text, all_ok = asyncio.run(run(args.rows, args.keep))
    print(text)
    if not args.no_write:
        write_section("usage_queries", text)
    if not all_ok:
        sys.exit("some queries did not use their intended index")


if __name__ == "__main__":
    main()
