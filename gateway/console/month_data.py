"""The overview's last 30 days, from the daily roll-ups: sums per day, per model, team and key, and
latency percentiles from the summed histograms.

Past days no longer change (but for records of requests that crossed midnight, written seconds
later), so each process keeps their sums for ``PAST_TTL_S`` and reads only today's afresh: at a
million records the latency histograms of 30 days take a PostgreSQL scan of ~300k roll-up rows
(~100 ms on two cores), today's a thirtieth of that.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gateway.db.database import Database
from gateway.services.usage.rollup import percentile

PAST_TTL_S = 300.0
DIMENSIONS = {"model": "model", "team": "team_id", "key": "key_id"}
_SUMS = (
    "sum(requests) AS requests, sum(errors) AS errors, sum(prompt_tokens + completion_tokens) AS tokens, "
    "sum(cost_usd) AS cost, sum(latency_ms_total) AS latency"
)
_FIELDS = ("requests", "errors", "tokens", "cost_usd", "latency_total")
Json = dict[str, Any]
Rows = Callable[..., Any]  # overview_data._rows: (db, sql, **params) -> rows


def _sums(row: Any) -> Json:
    return {
        "requests": int(row.requests or 0),
        "errors": int(row.errors or 0),
        "tokens": int(row.tokens or 0),
        "cost_usd": float(row.cost or 0),
        "latency_total": float(row.latency or 0),
    }


def _add(into: Json, other: Json) -> None:
    for name in _FIELDS:
        into[name] = into.get(name, 0) + other[name]


def _day(value: Any) -> date:
    """A roll-up's day (SQLite returns it as text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass
class DaySums:
    """Summable facts about some days: per day, per day's latency bucket, per group."""

    days: dict[date, Json] = field(default_factory=dict)
    histograms: dict[date, dict[int, int]] = field(default_factory=dict)
    groups: dict[str, dict[Any, Json]] = field(default_factory=lambda: {dim: {} for dim in DIMENSIONS})

    def add(self, other: DaySums) -> DaySums:
        merged = DaySums()
        for source in (self, other):
            for day, sums in source.days.items():
                _add(merged.days.setdefault(day, {}), sums)
            for day, histogram in source.histograms.items():
                target = merged.histograms.setdefault(day, {})
                for bucket, count in histogram.items():
                    target[bucket] = target.get(bucket, 0) + count
            for dim, groups in source.groups.items():
                for group, sums in groups.items():
                    _add(merged.groups[dim].setdefault(group, {}), sums)
        return merged


async def day_sums(rows: Rows, db: Database, first: date, last: date) -> DaySums:
    """The roll-ups' sums for the days first..last (inclusive)."""
    window = "WHERE day >= :first AND day <= :last"
    found = DaySums()
    for row in await rows(db, f"SELECT day, {_SUMS} FROM usage_daily {window} GROUP BY day", first=first, last=last):
        found.days[_day(row.day)] = _sums(row)
    sql = f"SELECT day, bucket, sum(requests) AS n FROM usage_daily_latency {window} GROUP BY day, bucket"
    for row in await rows(db, sql, first=first, last=last):
        found.histograms.setdefault(_day(row.day), {})[int(row.bucket)] = int(row.n)
    for dim, column in DIMENSIONS.items():
        sql = f"SELECT {column} AS grp, {_SUMS} FROM usage_daily {window} GROUP BY {column}"
        for row in await rows(db, sql, first=first, last=last):
            found.groups[dim][row.grp or None] = _sums(row)
    return found


@dataclass
class PastDays:
    """One process's copy of the past days' sums, for ``ttl_s``."""

    ttl_s: float = PAST_TTL_S
    _key: tuple[date, date] | None = None
    _value: DaySums | None = None
    _at: float = 0.0

    async def get(self, rows: Rows, db: Database, first: date, last: date) -> DaySums:
        if self._value is None or self._key != (first, last) or time.monotonic() - self._at > self.ttl_s:
            self._value = await day_sums(rows, db, first, last)
            self._key, self._at = (first, last), time.monotonic()
        return self._value


def _metrics(sums: Json | None) -> Json:
    sums = sums or dict.fromkeys(_FIELDS, 0)
    requests = sums["requests"]
    return {
        "requests": requests,
        "errors": sums["errors"],
        "error_rate": sums["errors"] / requests if requests else None,
        "tokens": sums["tokens"],
        "cost_usd": sums["cost_usd"],
        "latency_ms_avg": sums["latency_total"] / requests if requests else None,
    }


def _percentiles(histogram: dict[int, int] | None) -> tuple[float | None, float | None]:
    if not histogram:
        return None, None
    return percentile(histogram, 0.5), percentile(histogram, 0.95)


async def month(
    rows: Rows, db: Database, now: datetime, limit: int, past: PastDays
) -> tuple[Json, list[tuple[int, Json, float | None, float | None]], dict[str, list[Json]]]:
    """Totals, one (moment, metrics, p50, p95) per day, and the top ``limit`` groups by cost."""
    today = now.date()
    first = today - timedelta(days=29)
    sums = (await past.get(rows, db, first, today - timedelta(days=1))).add(await day_sums(rows, db, today, today))
    overall: dict[int, int] = {}
    totals: Json = dict.fromkeys(_FIELDS, 0)
    days = []
    for offset in range(30):
        day = first + timedelta(days=offset)
        for bucket, count in sums.histograms.get(day, {}).items():
            overall[bucket] = overall.get(bucket, 0) + count
        if day in sums.days:
            _add(totals, sums.days[day])
        moment = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        days.append((moment, _metrics(sums.days.get(day)), *_percentiles(sums.histograms.get(day))))
    p50, p95 = _percentiles(overall)
    breakdowns = {dim: _top(groups, limit) for dim, groups in sums.groups.items()}
    return _metrics(totals) | {"p50_ms": p50, "p95_ms": p95}, days, breakdowns


def _top(groups: dict[Any, Json], limit: int) -> list[Json]:
    ranked: Sequence[tuple[Any, Json]] = sorted(
        groups.items(), key=lambda item: (-item[1]["cost_usd"], -item[1]["requests"], str(item[0]))
    )
    return [{"group": group, **_metrics(sums)} for group, sums in ranked[:limit]]
