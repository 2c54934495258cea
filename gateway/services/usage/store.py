"""One batch, one transaction: the records, then the roll-ups of the records that were new.

``INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id`` tells which rows this transaction really
inserted; only those are added to the daily totals. A batch written again after an ambiguous
failure (committed, but the acknowledgement was lost) therefore changes nothing, and a batch
that failed rolled back both parts together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db.database import Database
from gateway.db.models import UsageRecord
from gateway.services.pricing import PriceTable
from gateway.services.usage.record import UsageEvent
from gateway.services.usage.rollup import Row, aggregate, upsert_daily, upsert_latency

_COLUMNS = UsageRecord.__table__.c
_INT32 = 2**31 - 1


def _limit(column: str) -> int:
    length: int | None = getattr(_COLUMNS[column].type, "length", None)
    assert length is not None
    return length


_LIMITS = {
    name: _limit(name)
    for name in (
        "id",
        "request_id",
        "key_id",
        "team_id",
        "model",
        "served_model",
        "deployment",
        "provider",
        "surface",
        "error_type",
        "guardrail_action",
    )
}


def _cut(value: str | None, column: str) -> str | None:
    return value if value is None or len(value) <= _LIMITS[column] else value[: _LIMITS[column]]


def _count(value: int) -> int:
    return min(max(value, 0), _INT32)


def _ms(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def record_row(event: UsageEvent, cost: Decimal) -> Row:
    """The ledger row of an event: strings cut to their columns, counts made storable, so that
    one odd request cannot make a whole batch fail."""
    return {
        "id": _cut(event.id, "id"),
        "request_id": _cut(event.request_id, "request_id"),
        "ts": datetime.fromtimestamp(event.ts, UTC),
        "key_id": _cut(event.key_id, "key_id"),
        "team_id": _cut(event.team_id, "team_id"),
        "model": _cut(event.model, "model"),
        "served_model": _cut(event.served_model, "served_model"),
        "deployment": _cut(event.deployment, "deployment"),
        "provider": _cut(event.provider, "provider"),
        "surface": _cut(event.surface, "surface"),
        "stream": event.stream,
        "attempts": _count(event.attempts),
        "prompt_tokens": _count(event.prompt_tokens),
        "completion_tokens": _count(event.completion_tokens),
        "cached_tokens": _count(event.cached_tokens),
        "cost_usd": cost,
        "latency_ms": _ms(event.latency_ms) or 0.0,
        "ttft_ms": _ms(event.ttft_ms),
        "status": event.status,
        "error_type": _cut(event.error_type, "error_type"),
        "guardrail_action": _cut(event.guardrail_action, "guardrail_action"),
        "tags": list(event.tags),
        "request_metadata": event.request_metadata,
        "detail": None,
        "is_error": event.is_error,  # for the roll-up; not a column (dropped before the insert)
    }


def rows_for(events: Iterable[UsageEvent], pricing: PriceTable) -> list[Row]:
    """Rows with their cost, one per record id (a duplicate within a batch is written once)."""
    rows: dict[str, Row] = {}
    for event in events:
        cost = pricing.cost(event.deployment, event.prompt_tokens, event.completion_tokens, event.cached_tokens)
        rows.setdefault(event.id, record_row(event, cost))
    return list(rows.values())


class UsageStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        is_sqlite = db.is_sqlite
        insert = (sqlite.insert if is_sqlite else postgresql.insert)(UsageRecord)
        self._insert_records: Insert = insert.on_conflict_do_nothing(index_elements=["id"]).returning(UsageRecord.id)
        self._upsert_daily = upsert_daily(is_sqlite)
        self._upsert_latency = upsert_latency(is_sqlite)

    async def write(self, rows: Sequence[Row]) -> int:
        """Write a batch in one transaction; returns how many records were new."""
        if not rows:
            return 0
        columns = [{k: v for k, v in row.items() if k != "is_error"} for row in rows]
        async with self.db.engine.begin() as conn:
            result = await conn.execute(self._insert_records, columns)
            inserted = set(result.scalars().all())
            new = [row for row in rows if row["id"] in inserted]
            if new:
                daily, latency = aggregate(new)
                await conn.execute(self._upsert_daily, daily)
                await conn.execute(self._upsert_latency, latency)
        return len(new)
