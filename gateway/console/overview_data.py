"""The overview's numbers: requests, tokens, cost, errors and latency over a range, as a time
series, as totals and broken down by model, team and key.

The last 30 days read the daily roll-ups (gateway/console/month_data.py). The last hour and day read raw records
through the ``ts`` index, aggregated by the database; percentiles come from PostgreSQL's
``percentile_cont``, or on SQLite (small installs) from the latencies themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Date, bindparam, text

from gateway.console.month_data import PastDays, month
from gateway.db.database import Database
from gateway.db.models import USAGE_ERROR_SQL
from gateway.db.types import UtcDateTime

Range = Literal["hour", "day", "month"]
RANGES: dict[str, tuple[str, timedelta, int]] = {  # label, span, bucket width in seconds
    "hour": ("Last hour", timedelta(hours=1), 60),
    "day": ("Last 24 hours", timedelta(days=1), 1800),
    "month": ("Last 30 days", timedelta(days=30), 86400),
}
DIMENSIONS = {"model": "model", "team": "team_id", "key": "key_id"}
SQLITE_LATENCIES = 200_000  # SQLite computes percentiles in Python from at most this many records
Json = dict[str, Any]


@dataclass
class Overview:
    range: str
    label: str
    totals: Json
    series: Json  # {"t": [epoch s], "requests": [...], "errors": [...], "tokens": [...], "cost": [...], "p50", "p95"}
    breakdowns: dict[str, list[Json]]


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _bucket_sql(db: Database, width: int) -> str:
    if db.is_sqlite:
        return f"(CAST(strftime('%s', ts) AS INTEGER) / {width})"
    return f"CAST(floor(extract(epoch from ts) / {width}) AS BIGINT)"


_SUMS = (
    f"count(*) AS requests, sum(CASE WHEN ({USAGE_ERROR_SQL}) THEN 1 ELSE 0 END) AS errors, "
    "sum(prompt_tokens + completion_tokens) AS tokens, sum(cost_usd) AS cost"
)
_PERCENTILES = (
    ", percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50"
    ", percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95"
)


async def _rows(db: Database, sql: str, **params: Any) -> Sequence[Any]:
    """Times are bound as the ledger stores them (UTC text on SQLite), so comparisons hold."""
    typed = [
        bindparam(name, type_=UtcDateTime() if isinstance(value, datetime) else Date())
        for name, value in params.items()
        if isinstance(value, date)
    ]
    async with db.engine.connect() as conn:
        return (await conn.execute(text(sql).bindparams(*typed), params)).all()


def _metrics(row: Any) -> Json:
    requests = int(row.requests or 0)
    errors = int(row.errors or 0)
    return {
        "requests": requests,
        "errors": errors,
        "error_rate": errors / requests if requests else None,
        "tokens": int(row.tokens or 0),
        "cost_usd": float(row.cost or 0),
    }


async def _recent(db: Database, span: timedelta, width: int, now: datetime) -> tuple[Json, Json]:
    """Totals and the series of the last hour or day, from raw records."""
    start = now - span
    pg = not db.is_sqlite
    bucket = _bucket_sql(db, width)
    sums = f"{_SUMS}{_PERCENTILES if pg else ''}"
    sql = f"SELECT {bucket} AS bucket, {sums} FROM usage_records WHERE ts >= :start GROUP BY 1"
    by_bucket = {int(row.bucket): row for row in await _rows(db, sql, start=start)}
    total_sql = f"SELECT {sums} FROM usage_records WHERE ts >= :start"
    total_row = (await _rows(db, total_sql, start=start))[0]
    totals = _metrics(total_row)
    latencies: dict[int, list[float]] = {}
    if pg:
        totals |= {"p50_ms": total_row.p50, "p95_ms": total_row.p95}
    else:
        sql = f"SELECT {bucket} AS bucket, latency_ms FROM usage_records WHERE ts >= :start LIMIT {SQLITE_LATENCIES}"
        for row in await _rows(db, sql, start=start):
            latencies.setdefault(int(row.bucket), []).append(float(row.latency_ms))
        every = [value for values in latencies.values() for value in values]
        totals |= {"p50_ms": _percentile(every, 0.5), "p95_ms": _percentile(every, 0.95)}
    first = int(start.timestamp()) // width  # the first bucket holds only the part after start
    series: Json = {name: [] for name in ("t", "requests", "errors", "tokens", "cost", "p50", "p95")}
    for bucket_id in range(first, int(now.timestamp()) // width + 1):
        row = by_bucket.get(bucket_id)
        metrics = _metrics(row) if row is not None else {"requests": 0, "errors": 0, "tokens": 0, "cost_usd": 0.0}
        if pg:
            p50, p95 = (row.p50, row.p95) if row is not None else (None, None)
        else:
            values = latencies.get(bucket_id, [])
            p50, p95 = _percentile(values, 0.5), _percentile(values, 0.95)
        _append(series, bucket_id * width, metrics, p50, p95)
    return totals, series


def _append(series: Json, moment: int, metrics: Json, p50: float | None, p95: float | None) -> None:
    series["t"].append(moment)
    series["requests"].append(metrics["requests"])
    series["errors"].append(metrics["errors"])
    series["tokens"].append(metrics["tokens"])
    series["cost"].append(round(metrics["cost_usd"], 6))
    series["p50"].append(None if p50 is None else round(float(p50), 2))
    series["p95"].append(None if p95 is None else round(float(p95), 2))


async def _recent_breakdown(db: Database, dimension: str, span: timedelta, now: datetime, limit: int) -> list[Json]:
    column = DIMENSIONS[dimension]
    sql = (
        f"SELECT {column} AS grp, {_SUMS}, avg(latency_ms) AS latency FROM usage_records WHERE ts >= :start "
        f"GROUP BY {column} ORDER BY cost DESC, requests DESC LIMIT {limit}"
    )
    rows = await _rows(db, sql, start=now - span)
    return [{"group": row.grp, **_metrics(row), "latency_ms_avg": row.latency} for row in rows]


async def overview(db: Database, range_: str, limit: int = 10, past: PastDays | None = None) -> Overview:
    """``past``: the process's copy of past days' roll-up sums (a fresh one: read them all now)."""
    label, span, width = RANGES[range_]
    now = datetime.now(UTC)
    if range_ == "month":
        totals, days, breakdowns = await month(_rows, db, now, limit, past or PastDays(ttl_s=0))
        series: Json = {name: [] for name in ("t", "requests", "errors", "tokens", "cost", "p50", "p95")}
        for moment, metrics, p50, p95 in days:
            _append(series, moment, metrics, p50, p95)
    else:
        totals, series = await _recent(db, span, width, now)
        breakdowns = {dim: await _recent_breakdown(db, dim, span, now, limit) for dim in DIMENSIONS}
    return Overview(range_, label, totals, series, breakdowns)
