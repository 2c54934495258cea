"""The ledger's guarantees on both databases: written once whatever the retries and however many
writers, roll-ups equal to the records, and usage queries that agree with the raw records."""

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
from gateway.services.usage.store import UsageStore, rows_for
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
    rows = rows_for(events, _Prices())  # type: ignore[arg-type]

    async def main() -> None:
        dbs = [Database.connect(url) for _ in range(4)]
        try:
            stores = [UsageStore(db) for db in dbs]
            batches = [rows[i : i + 150] for i in range(0, len(rows), 100)]  # overlapping by 50
            jobs = [store.write(batch) for store in stores for batch in batches]
            random.Random(1).shuffle(jobs)
            inserted = await asyncio.gather(*jobs)
            assert sum(inserted) == len(events)
            records, daily, latency, cost = await _totals(dbs[0])
            assert (records, daily, latency) == (600, 600, 600)
            expected = sum((row["cost_usd"] for row in rows), Decimal(0))
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
            await UsageStore(db).write(rows_for(events, _Prices()))  # type: ignore[arg-type]
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
            await UsageStore(db).write(rows_for(events, _Prices()))  # type: ignore[arg-type]
            rows = await UsageQueries(db).daily(UsageFilter(date(2026, 3, 1), date(2026, 3, 2)), None, 1)
            assert [(r["day"], r["requests"]) for r in rows] == [("2026-03-01", 1)]
            page, _ = await UsageQueries(db).records(RecordFilter(), 10, None)
            assert page[0]["ts"].startswith("2026-03-01T23:59:59.9")
        finally:
            await db.aclose()

    asyncio.run(main())
