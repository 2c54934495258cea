"""The usage writer over a real (SQLite) database: batching, idempotency, outages, the bounded
buffer, flushing at stop. The same against PostgreSQL is in tests/integration/test_usage_store.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from gateway.db.database import Database
from gateway.services.usage.record import UsageEvent
from gateway.services.usage.store import Row
from gateway.services.usage.writer import UsageWriter


class _Prices:
    def cost(self, deployment: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal:
        return Decimal("0.001") * prompt


def _event(key: str = "k1", **fields: Any) -> UsageEvent:
    values: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "request_id": "r",
        "ts": time.time(),
        "surface": "openai",
        "status": 200,
        "latency_ms": 12.0,
        "key_id": key,
        "model": "m",
        "prompt_tokens": 10,
    }
    return UsageEvent(**(values | fields))


def _run(tmp_path: Path, body: Callable[[Database], Awaitable[None]]) -> None:
    async def main() -> None:
        db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'usage.db'}")
        await db.prepare()
        try:
            await body(db)
        finally:
            await db.aclose()

    asyncio.run(main())


async def _counts(db: Database) -> tuple[int, int, int]:
    """(records, sum of daily requests, sum of latency-histogram requests)."""
    async with db.engine.connect() as conn:
        records = (await conn.execute(text("SELECT count(*) FROM usage_records"))).scalar_one()
        daily = (await conn.execute(text("SELECT coalesce(sum(requests), 0) FROM usage_daily"))).scalar_one()
        latency = (await conn.execute(text("SELECT coalesce(sum(requests), 0) FROM usage_daily_latency"))).scalar_one()
    return records, daily, latency


def _writer(db: Database, **options: Any) -> UsageWriter:
    options.setdefault("interval_s", 0.02)
    options.setdefault("retry_max_wait_s", 0.05)
    return UsageWriter(db, _Prices(), **options)  # type: ignore[arg-type]


def _flaky(writer: UsageWriter, fail: Callable[[int], str | None]) -> list[int]:
    """Wrap the store: ``fail(call number)`` says 'before' (fail without writing), 'after' (write,
    commit, then fail: an ambiguous failure) or None (succeed). Returns the list of calls made."""
    real = writer.store.write
    calls: list[int] = []

    async def write(rows: Sequence[Row]) -> int:
        calls.append(len(rows))
        mode = fail(len(calls))
        if mode == "before":
            raise sa_exc.OperationalError("INSERT", {}, ConnectionRefusedError("database down"))
        inserted = await real(rows)
        if mode == "after":
            raise sa_exc.OperationalError("COMMIT", {}, ConnectionResetError("connection lost after commit"))
        return inserted

    writer.store.write = write  # type: ignore[method-assign]
    return calls


def test_batches_are_written_with_their_rollups(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db, batch_size=1000)
        calls = _flaky(writer, lambda n: None)
        writer.start()
        for index in range(2500):
            writer.submit(_event(key=f"k{index % 7}"))
        await writer.stop()
        assert calls == [1000, 1000, 500]
        assert await _counts(db) == (2500, 2500, 2500)
        assert writer.written == 2500 and writer.snapshot()["buffered"] == 0

    _run(tmp_path, body)


def test_a_steady_trickle_is_written_once_per_interval_not_a_transaction_per_handful(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db, interval_s=0.2)
        real = writer.store.write
        calls: list[int] = []

        async def slow_write(rows: Sequence[Row]) -> int:  # a database that takes 50 ms a batch
            calls.append(len(rows))
            await asyncio.sleep(0.05)
            return await real(rows)

        writer.store.write = slow_write  # type: ignore[method-assign]
        writer.start()
        started = time.monotonic()
        submitted = 0
        while time.monotonic() - started < 1.0:  # records keep arriving while batches are written
            writer.submit(_event())
            submitted += 1
            await asyncio.sleep(0.002)
        elapsed = time.monotonic() - started
        await writer.stop()
        # One batch per wake (interval + write >= 0.25 s); writing again as soon as a batch is done
        # would make one every 50 ms.
        assert len(calls) <= elapsed / 0.2 + 2, calls
        assert sum(calls) == submitted and await _counts(db) == (submitted, submitted, submitted)

    _run(tmp_path, body)


def test_the_same_record_twice_is_one_row_counted_once(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db)
        event = _event()
        writer.submit(event)
        writer.submit(event)  # in one batch
        await writer.stop()
        writer.submit(event)  # and again in a later one
        await writer.stop()
        assert await _counts(db) == (1, 1, 1)
        assert (writer.written, writer.duplicates) == (1, 1)

    _run(tmp_path, body)


def test_a_retry_after_an_ambiguous_failure_doubles_nothing(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db)
        calls = _flaky(writer, lambda n: "after" if n == 1 else None)  # committed, then "failed"
        writer.start()
        for _ in range(50):
            writer.submit(_event())
        await writer.stop()
        assert len(calls) == 2
        assert await _counts(db) == (50, 50, 50)
        assert (writer.written, writer.duplicates) == (0, 50)  # the retry found every row already there

    _run(tmp_path, body)


def test_an_outage_is_retried_and_caught_up(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        down = True
        writer = _writer(db)
        _flaky(writer, lambda n: "before" if down else None)
        writer.start()
        for _ in range(30):
            writer.submit(_event())
        await asyncio.sleep(0.3)
        snapshot = writer.snapshot()
        assert snapshot["state"] == "retrying" and snapshot["buffered"] == 30
        assert snapshot["oldest_unwritten_age_s"] >= 0.25 and "database down" in snapshot["last_error"]
        writer.submit(_event())  # requests go on meanwhile
        down = False
        await writer.flush()
        assert await _counts(db) == (31, 31, 31)
        assert writer.snapshot()["state"] == "ok" and writer.snapshot()["oldest_unwritten_age_s"] is None
        await writer.stop()

    _run(tmp_path, body)


def test_a_full_buffer_drops_the_oldest_and_says_so(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db, max_buffer=100)
        events = [_event(request_id=str(i)) for i in range(150)]
        for event in events:  # not started: nothing drains
            writer.submit(event)
        assert writer.snapshot()["buffered"] == 100 and writer.snapshot()["dropped"] == 50
        await writer.stop()
        async with db.engine.connect() as conn:
            kept = {r for (r,) in await conn.execute(text("SELECT request_id FROM usage_records"))}
        assert kept == {str(i) for i in range(50, 150)}

    _run(tmp_path, body)


def test_stop_flushes_without_waiting_for_the_interval(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db, interval_s=60)
        writer.start()
        await asyncio.sleep(0.05)
        for _ in range(10):
            writer.submit(_event())
        started = time.monotonic()
        await writer.stop()
        assert time.monotonic() - started < 5
        assert await _counts(db) == (10, 10, 10)

    _run(tmp_path, body)


def test_stop_gives_up_after_its_timeout_and_counts_the_loss(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db, shutdown_timeout_s=0.3)
        _flaky(writer, lambda n: "before")
        writer.start()
        for _ in range(5):
            writer.submit(_event())
        started = time.monotonic()
        await writer.stop()
        assert time.monotonic() - started < 3
        assert writer.lost == 5 and await _counts(db) == (0, 0, 0)

    _run(tmp_path, body)


def test_a_record_the_database_refuses_does_not_block_the_others(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db)
        writer.submit(_event())
        writer.submit(_event(request_metadata={"not json": object()}))
        writer.submit(_event())
        await writer.stop()
        assert (writer.written, writer.rejected) == (2, 1)
        assert await _counts(db) == (2, 2, 2)

    _run(tmp_path, body)


def test_a_record_that_cannot_be_stored_is_counted_once_even_through_an_outage(tmp_path: Path) -> None:
    async def body(db: Database) -> None:
        writer = _writer(db, shutdown_timeout_s=0.3)
        _flaky(writer, lambda n: "before")
        writer.start()
        for index in range(5):
            writer.submit(_event(request_metadata={"not json": object()}) if index == 2 else _event())
        await asyncio.sleep(0.1)
        await writer.stop()
        assert (writer.rejected, writer.lost, writer.written) == (1, 4, 0)

    _run(tmp_path, body)
