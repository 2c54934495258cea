"""The ledger's guarantees on both databases: written once whatever the retries and however many
writers, roll-ups equal to the records, odd values stored or made storable, and usage queries
that agree with the raw records."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from gateway.db.database import Database
from gateway.services.usage.queries import RecordFilter, UsageFilter, UsageQueries
from gateway.services.usage.record import UsageEvent
from gateway.services.usage.rollup import LOWER_BOUNDS, latency_bucket
from gateway.services.usage.store import UsageStore
from gateway.services.usage.writer import UsageWriter
from tests.integration.conftest import require_service
from tests.support import postgres


class _Prices:
    def cost(self, deployment: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        return Decimal("0.00001") * prompt + Decimal("0.00003") * completion


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('store') / 'usage.db'}"
        return
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    with postgres.scratch_database("strata_usage_store") as name:
        yield postgres.sqlalchemy_url(name)


@pytest.fixture()
def url(database_url: str) -> str:
    """The module's database, migrated and emptied for each test."""

    async def reset() -> None:
        db = Database.connect(database_url)
        try:
            if db.is_sqlite:
                await db.prepare()
            else:
                await postgres.migrate_to_head(database_url)
            async with db.engine.begin() as conn:
                for table in ("usage_records", "usage_daily", "usage_daily_latency"):
                    await conn.execute(text(f"DELETE FROM {table}"))
        finally:
            await db.aclose()

    asyncio.run(reset())
    return database_url


def _events(count: int, seed: int = 7, days: int = 3) -> list[UsageEvent]:
    rng = random.Random(seed)
    start = datetime(2026, 3, 1, tzinfo=UTC).timestamp()
    return [
        UsageEvent(
            id=uuid.uuid4().hex,
            request_id=f"req-{i}",
            ts=start + rng.random() * days * 86400,
            surface=rng.choice(["openai", "bedrock"]),
            status=rng.choice([200] * 8 + [429, 502]),
            latency_ms=rng.lognormvariate(5, 1),
            key_id=rng.choice(["k1", "k2", "k3", None]),
            team_id=rng.choice(["t1", "t2", None]),
            model=rng.choice(["m1", "m2"]),
            deployment="m1/0",
            prompt_tokens=rng.randint(1, 500),
            completion_tokens=rng.randint(0, 200),
        )
        for i in range(count)
    ]


async def _totals(db: Database) -> tuple[int, int, int, Decimal]:
    async with db.engine.connect() as conn:
        records = (await conn.execute(text("SELECT count(*) FROM usage_records"))).scalar_one()
        daily, cost = (await conn.execute(text("SELECT sum(requests), sum(cost_usd) FROM usage_daily"))).one()
        latency = (await conn.execute(text("SELECT sum(requests) FROM usage_daily_latency"))).scalar_one()
    return records, int(daily or 0), int(latency or 0), Decimal(str(cost or 0))


def test_concurrent_writers_and_retries_count_each_record_once(url: str) -> None:
    """Four writers (as from four replicas, each retrying) write overlapping batches at once."""
    events = _events(600)

    async def main() -> None:
        dbs = [Database.connect(url) for _ in range(4)]
        try:
            stores = [UsageStore(db) for db in dbs]
            rows = stores[0].rows(events, _Prices())
            batches = [rows[i : i + 150] for i in range(0, len(rows), 100)]  # overlapping by 50
            jobs = [store.write(batch) for store in stores for batch in batches]
            random.Random(1).shuffle(jobs)
            inserted = await asyncio.gather(*jobs)
            assert sum(inserted) == len(events)
            records, daily, latency, cost = await _totals(dbs[0])
            assert (records, daily, latency) == (600, 600, 600)
            prices = _Prices()
            expected = sum(
                (prices.cost(e.deployment, e.prompt_tokens, e.completion_tokens) for e in events), Decimal(0)
            )
            if dbs[0].is_sqlite:  # SQLite keeps NUMERIC as a float: sums are exact to ~1e-15 only
                assert float(cost) == pytest.approx(float(expected), rel=1e-12)
            else:
                assert cost == expected  # PostgreSQL: NUMERIC(18, 8), exact
        finally:
            for db in dbs:
                await db.aclose()

    asyncio.run(main())


def test_queries_agree_with_the_raw_records(url: str) -> None:
    events = _events(3000, seed=3)

    async def main() -> None:
        db = Database.connect(url)
        try:
            store = UsageStore(db)
            await store.write(store.rows(events, _Prices()))
            queries = UsageQueries(db)
            where = UsageFilter(date(2026, 3, 1), date(2026, 3, 3))
            by_key = {row["group"]: row for row in await queries.totals(where, "key", 100)}
            for key in ("k1", "k2", "k3", None):
                mine = [e for e in events if e.key_id == key]
                assert by_key[key]["requests"] == len(mine)
                assert by_key[key]["errors"] == sum(e.is_error for e in mine)
                assert by_key[key]["prompt_tokens"] == sum(e.prompt_tokens for e in mine)
                latencies = sorted(e.latency_ms for e in mine)
                exact = latencies[len(latencies) // 2]
                assert abs(by_key[key]["latency_ms_p50"] - exact) / exact < 0.09
            assert list(by_key) == sorted(by_key, key=lambda k: -by_key[k]["cost_usd"])  # most expensive first

            only_t1 = await queries.totals(UsageFilter(where.start, where.end, team_id="t1", model="m2"), None, 1)
            expected = [e for e in events if e.team_id == "t1" and e.model == "m2"]
            assert only_t1[0]["requests"] == len(expected)

            series = await queries.daily(where, "model", 10)
            assert [(r["day"], r["group"]) for r in series] == [
                (d, m) for d in ("2026-03-01", "2026-03-02", "2026-03-03") for m in ("m1", "m2")
            ]
            for row in series:
                day = date.fromisoformat(row["day"])
                count = sum(
                    1 for e in events if e.model == row["group"] and datetime.fromtimestamp(e.ts, UTC).date() == day
                )
                assert row["requests"] == count

            first_day = await queries.totals(UsageFilter(date(2026, 3, 1), date(2026, 3, 1)), "day", 10)
            assert [r["group"] for r in first_day] == ["2026-03-01"]

            seen: list[str] = []
            cursor = None
            window = RecordFilter(
                start=datetime(2026, 3, 2, tzinfo=UTC),
                end=datetime(2026, 3, 2, tzinfo=UTC) + timedelta(days=1),
                key_id="k2",
            )
            while True:
                page, cursor = await queries.records(window, 97, cursor)
                seen += [row["id"] for row in page]
                if cursor is None:
                    break
            expected_ids = {
                e.id
                for e in events
                if e.key_id == "k2" and window.start.timestamp() <= e.ts < window.end.timestamp()  # type: ignore[union-attr]
            }
            assert len(seen) == len(set(seen)) and set(seen) == expected_ids
        finally:
            await db.aclose()

    asyncio.run(main())


def test_a_day_is_a_utc_day(url: str) -> None:
    late = datetime(2026, 3, 1, 23, 59, 59, 900000, tzinfo=UTC).timestamp()
    events = [UsageEvent(id="late", request_id="late", ts=late, surface="openai", status=200, latency_ms=5)]

    async def main() -> None:
        db = Database.connect(url)
        try:
            store = UsageStore(db)
            await store.write(store.rows(events, _Prices()))
            rows = await UsageQueries(db).daily(UsageFilter(date(2026, 3, 1), date(2026, 3, 2)), None, 1)
            assert [(r["day"], r["requests"]) for r in rows] == [("2026-03-01", 1)]
            page, _ = await UsageQueries(db).records(RecordFilter(), 10, None)
            assert page[0]["ts"].startswith("2026-03-01T23:59:59.9")
        finally:
            await db.aclose()

    asyncio.run(main())


Totals = dict[tuple[str, ...], tuple[float, ...]]  # (day, key, team, model): (requests, errors, ...)
Buckets = dict[tuple[str, ...], int]  # (day, key, team, model, bucket): requests


async def _rollups(db: Database) -> tuple[Totals, Buckets]:
    """What the roll-up tables say: {(day, key, team, model): (requests, errors, prompt, completion,
    cached, cost, latency total)} and {(day, key, team, model, bucket): requests}."""
    async with db.engine.connect() as conn:
        daily = await conn.execute(
            text(
                "SELECT day, key_id, team_id, model, requests, errors, prompt_tokens, completion_tokens, "
                "cached_tokens, cost_usd, latency_ms_total FROM usage_daily"
            )
        )
        latency = await conn.execute(
            text("SELECT day, key_id, team_id, model, bucket, requests FROM usage_daily_latency")
        )
        totals = {(str(r[0]), *r[1:4]): tuple(float(v) for v in r[4:]) for r in daily}
        buckets = {(str(r[0]), *r[1:4], str(r[4])): int(r[5]) for r in latency}
    return totals, buckets


def _expected_rollups(events: list[UsageEvent]) -> tuple[Totals, Buckets]:
    totals: Totals = {}
    buckets: Buckets = {}
    prices = _Prices()
    for e in events:
        day = datetime.fromtimestamp(e.ts, UTC).date().isoformat()
        key = (day, e.key_id or "", e.team_id or "", e.model or "")
        cost = prices.cost(e.deployment, e.prompt_tokens, e.completion_tokens, e.cached_tokens)
        values = (
            1.0,
            float(e.is_error),
            e.prompt_tokens,
            e.completion_tokens,
            e.cached_tokens,
            float(cost),
            e.latency_ms,
        )
        totals[key] = tuple(a + b for a, b in zip(totals.get(key, (0.0,) * 7), values, strict=True))
        bucket = (*key, str(latency_bucket(e.latency_ms)))
        buckets[bucket] = buckets.get(bucket, 0) + 1
    return totals, buckets


def test_rollups_add_up_exactly_the_new_records(url: str) -> None:
    """Grouped by UTC day, key, team and model; errors as the errors index says; each latency in
    its bucket, edges included. A batch that is partly old adds only its new records."""
    rng = random.Random(11)
    midnight = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
    latencies = [0.0, 0.4, 1.0, *LOWER_BOUNDS[1::7], 1e12]
    events = [
        UsageEvent(
            id=f"rec-{i}",
            request_id="r",
            ts=midnight + rng.uniform(-5, 5),
            surface="openai",
            status=rng.choice([200, 200, 200, 0, 429, 503]),
            latency_ms=rng.choice(latencies) if i % 2 else rng.lognormvariate(5, 1),
            key_id=rng.choice(["k1", "k2", None]),
            team_id=rng.choice(["t1", None]),
            model=rng.choice(["m1", "m2", None]),
            deployment="m1/0",
            prompt_tokens=rng.randint(0, 900),
            completion_tokens=rng.randint(0, 300),
            error_type=rng.choice([None, None, None, "api_error"]),
        )
        for i in range(400)
    ]

    async def main() -> None:
        db = Database.connect(url)
        try:
            store = UsageStore(db)
            assert await store.write(store.rows(events[:300], _Prices())) == 300
            assert await store.write(store.rows(events[200:], _Prices())) == 100  # 100 old, 100 new
            totals, buckets = await _rollups(db)
            expected_totals, expected_buckets = _expected_rollups(events)
            assert buckets == expected_buckets
            assert totals.keys() == expected_totals.keys()
            for key, values in totals.items():
                assert values == pytest.approx(expected_totals[key], rel=1e-9), key
        finally:
            await db.aclose()

    asyncio.run(main())


def test_a_batch_larger_than_one_statement_is_written_whole(url: str) -> None:
    """More rows than SQLite binds in one statement (32766 values, 23 a row), duplicates inside."""
    events = _events(4000, seed=5)
    batch = [*events, *events[:10], *events[-10:]]

    async def main() -> None:
        db = Database.connect(url)
        try:
            store = UsageStore(db)
            store.POSTGRES_ROWS_PER_STATEMENT = 1500  # PostgreSQL, too, writes it in several statements
            rows = store.rows(batch, _Prices())
            assert len(rows) == 4000
            assert await store.write(rows) == 4000
            assert await store.write(rows[1000:3000]) == 0
            records, daily, latency, _ = await _totals(db)
            assert (records, daily, latency) == (4000, 4000, 4000)
        finally:
            await db.aclose()

    asyncio.run(main())


def test_odd_values_come_back_as_sent_or_made_storable(url: str) -> None:
    moment = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC).timestamp()
    odd = 'naïve 日本語 עברית 🚀 "quoted" back\\slash \\u0000 new\nline'
    metadata = {"project": odd, "nested": {"list": [1, 2.5, None, True]}, "ключ": "значение"}
    events = [
        UsageEvent(
            id="unicode",
            request_id=odd,
            ts=moment,
            surface="bedrock",
            status=200,
            latency_ms=12.345678,
            key_id="k-🔑",
            model=odd,
            served_model="m" * 500,
            tags=("env:prod", odd),
            request_metadata=metadata,
            prompt_tokens=2**70,
            completion_tokens=-5,
            cached_tokens=2**31,
            ttft_ms=float("nan"),
        ),
        UsageEvent(
            id="bare", request_id="bare", ts=moment, surface="openai", status=0, latency_ms=float("inf"), stream=True
        ),
        UsageEvent(id="nul", request_id="nul", ts=moment, surface="openai", status=200, latency_ms=1, model="a\x00b"),
    ]

    async def main() -> None:
        db = Database.connect(url)
        try:
            store = UsageStore(db)
            assert await store.write(store.rows(events, _Prices())) == 3
            page, _ = await UsageQueries(db).records(RecordFilter(), 10, None)
            got = {record["id"]: record for record in page}
            unicode, bare = got["unicode"], got["bare"]
            assert unicode["request_id"] == odd and unicode["model"] == odd and unicode["key_id"] == "k-🔑"
            assert unicode["served_model"] == "m" * 200
            assert unicode["tags"] == ["env:prod", odd] and unicode["request_metadata"] == metadata
            assert (unicode["prompt_tokens"], unicode["completion_tokens"], unicode["cached_tokens"]) == (
                2**31 - 1,
                0,
                2**31 - 1,
            )
            assert unicode["cost_usd"] == pytest.approx(float(_Prices().cost(None, 2**31 - 1, 0)))
            assert unicode["ts"] == "2026-03-01T12:00:00.123456Z" and unicode["latency_ms"] == 12.35
            assert unicode["ttft_ms"] is None and unicode["stream"] is False
            assert bare["request_metadata"] is None and bare["tags"] == [] and bare["stream"] is True
            assert bare["latency_ms"] == 0.0 and bare["model"] is None and bare["error_type"] is None
            # PostgreSQL text cannot hold a NUL: the record is kept with U+FFFD in its place.
            assert got["nul"]["model"] == ("a\x00b" if db.is_sqlite else "a\ufffdb")
        finally:
            await db.aclose()

    asyncio.run(main())


def test_a_record_that_can_never_be_stored_costs_only_itself(url: str) -> None:
    """A lone surrogate is not UTF-8: that record is refused (and counted), its batch written."""
    events = _events(20, seed=9)
    events[7] = UsageEvent(
        id="bad", request_id="bad", ts=events[7].ts, surface="openai", status=200, latency_ms=1, model="broken \ud800"
    )

    async def main() -> None:
        db = Database.connect(url)
        try:
            writer = UsageWriter(db, _Prices(), interval_s=0.02, retry_max_wait_s=0.05)  # type: ignore[arg-type]
            for event in events:
                writer.submit(event)
            await writer.stop()
            assert (writer.written, writer.rejected, writer.lost) == (19, 1, 0)
            records, daily, latency, _ = await _totals(db)
            assert (records, daily, latency) == (19, 19, 19)
        finally:
            await db.aclose()

    asyncio.run(main())
