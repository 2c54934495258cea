"""Daily roll-ups: totals and latency histograms per (day, key, team, model).

They are updated in the same transaction as the records they count, from the records that
transaction actually inserted, so a batch written twice (a retry after an ambiguous failure)
counts once. Counters are added with ``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``,
atomic on both SQLite and PostgreSQL, so any number of gateway replicas may write at once.

Latency percentiles come from logarithmic histograms (four buckets per doubling), which add
up across days and groups where percentiles would not: a percentile read back from one is
within about 9% of the exact value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db.base import Base
from gateway.db.models import UsageDaily, UsageDailyLatency

BUCKETS_PER_DOUBLING = 4
MAX_BUCKET = 120  # 2 ** (119 / 4) ms is about nine days: anything slower shares the last bucket

GroupKey = tuple[date, str, str, str]  # day, key id, team id, model ("" for none)
Row = dict[str, Any]

_COUNTERS = (
    "requests",
    "errors",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cost_usd",
    "latency_ms_total",
)
_GROUP = ("day", "key_id", "team_id", "model")


def latency_bucket(ms: float) -> int:
    """Bucket 0 holds [0, 1) ms; bucket b >= 1 holds [2 ** ((b-1)/4), 2 ** (b/4)) ms."""
    if not ms >= 1:  # also NaN
        return 0
    return min(int(math.log2(ms) * BUCKETS_PER_DOUBLING) + 1, MAX_BUCKET)


def bucket_bounds(bucket: int) -> tuple[float, float]:
    if bucket <= 0:
        return 0.0, 1.0
    return 2 ** ((bucket - 1) / BUCKETS_PER_DOUBLING), 2 ** (bucket / BUCKETS_PER_DOUBLING)


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0..1) of a {bucket: count} histogram, interpolated inside its bucket."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        if count <= 0:
            continue
        if seen + count >= rank:
            low, high = bucket_bounds(bucket)
            fraction = (rank - seen) / count
            if bucket == 0:
                return low + (high - low) * fraction
            return float(low * (high / low) ** fraction)
        seen += count
    return bucket_bounds(max(histogram))[1]  # rounding left the rank just past the last count


def group_key(row: Row) -> GroupKey:
    return (row["ts"].date(), row["key_id"] or "", row["team_id"] or "", row["model"] or "")


def aggregate(records: Iterable[Row]) -> tuple[list[Row], list[Row]]:
    """(daily rows, latency rows) for newly inserted record rows, sorted by primary key so that
    concurrent writers take row locks in one order (no deadlocks between replicas)."""
    daily: dict[GroupKey, Row] = {}
    latency: dict[tuple[GroupKey, int], int] = {}
    for record in records:
        key = group_key(record)
        totals = daily.get(key)
        if totals is None:
            totals = daily[key] = dict.fromkeys(_COUNTERS, 0) | {"cost_usd": Decimal(0), "latency_ms_total": 0.0}
        totals["requests"] += 1
        totals["errors"] += 1 if record["is_error"] else 0
        totals["prompt_tokens"] += record["prompt_tokens"]
        totals["completion_tokens"] += record["completion_tokens"]
        totals["cached_tokens"] += record["cached_tokens"]
        totals["cost_usd"] += record["cost_usd"]
        totals["latency_ms_total"] += record["latency_ms"]
        bucket_key = (key, latency_bucket(record["latency_ms"]))
        latency[bucket_key] = latency.get(bucket_key, 0) + 1
    daily_rows = [dict(zip(_GROUP, key, strict=True)) | daily[key] for key in sorted(daily)]
    latency_rows = [
        dict(zip(_GROUP, key, strict=True)) | {"bucket": bucket, "requests": count}
        for (key, bucket), count in sorted(latency.items())
    ]
    return daily_rows, latency_rows


def _insert(model: type[Base], is_sqlite: bool) -> Any:
    return (sqlite.insert if is_sqlite else postgresql.insert)(model)


def upsert_daily(is_sqlite: bool) -> Insert:
    table = UsageDaily.__table__
    stmt = _insert(UsageDaily, is_sqlite)
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(_GROUP), set_={name: table.c[name] + stmt.excluded[name] for name in _COUNTERS}
    )


def upsert_latency(is_sqlite: bool) -> Insert:
    table = UsageDailyLatency.__table__
    stmt = _insert(UsageDailyLatency, is_sqlite)
    return stmt.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[*_GROUP, "bucket"], set_={"requests": table.c.requests + stmt.excluded.requests}
    )
