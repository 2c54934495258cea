"""The usage explorer's and the overview's totals agree with the records themselves, over ranges
read from the roll-ups, from the records, and from both (SQLite; no gateway needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.console.overview_data import overview
from gateway.console.usage_data import Explore, UsageExplorer, totals_statement
from gateway.db.database import Database
from gateway.services.usage.store import UsageStore
from tests.console.seed import _FlatPrice, event, run_async

DAY = 86400.0


async def _raw(db: Database, where: Explore) -> tuple[int, int, float]:
    async with db.engine.connect() as conn:
        row = (await conn.execute(totals_statement(where))).one()
    return int(row.requests or 0), int(row.prompt_tokens or 0), round(float(row.cost_usd or 0), 6)


async def _check(folder: Path) -> None:
    db = Database.connect(f"sqlite+aiosqlite:///{folder / 'strata.db'}")
    try:
        await db.prepare()
        events = [event(i * 3571.0 % (6 * DAY), f"m{i % 3}", f"k{i % 4}", None, 502 if i % 9 == 0 else 200)
                  for i in range(400)]  # fmt: skip
        store = UsageStore(db)
        await store.write(store.rows(events, _FlatPrice()))
        now = datetime.now(UTC)
        explorer = UsageExplorer(db)
        for start_ago, filters in [(5.5, {}), (3.0, {"key_id": "k1"}), (0.5, {}), (4.2, {"model": "m2"})]:
            where = Explore(now - timedelta(days=start_ago), now + timedelta(minutes=1), **filters)
            totals = await explorer.totals(where)
            assert (totals["requests"], totals["prompt_tokens"], round(totals["cost_usd"], 6)) == await _raw(db, where)
        month = await overview(db, "month")
        assert month.totals["requests"] == 400 == sum(month.series["requests"])
        assert sum(row["requests"] for row in month.breakdowns["key"]) == 400
        day = await overview(db, "day")
        assert (
            day.totals["requests"]
            == sum(day.series["requests"])
            == (await _raw(db, Explore(now - timedelta(days=1), now)))[0]
        )
        assert day.totals["p50_ms"] is not None and month.totals["p95_ms"] is not None
    finally:
        await db.aclose()


def test_totals_from_the_rollups_and_the_records_agree(tmp_path: Path) -> None:
    run_async(lambda: _check(tmp_path))


@pytest.mark.parametrize("range_", ["hour", "day", "month"])
def test_an_empty_ledger_gives_flat_series_and_no_percentiles(tmp_path: Path, range_: str) -> None:
    async def check() -> None:
        db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'strata.db'}")
        try:
            await db.prepare()
            found = await overview(db, range_)
            assert found.totals["requests"] == 0 and found.totals["p50_ms"] is None
            assert set(found.series["requests"]) == {0} and found.breakdowns["model"] == []
        finally:
            await db.aclose()

    run_async(check)
