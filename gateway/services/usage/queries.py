"""What the usage API asks of the database.

Totals and daily series read the roll-ups (usage_daily, usage_daily_latency): a few rows per
key, team, model and day, however many requests there were; each query is a range scan of one
of their (key | team | model, day) indexes, or of the primary key (day first) when unfiltered.
Raw records are read newest first, a page at a time, through the (key | team | model, ts) and
(ts) indexes of usage_records, with a keyset cursor (never OFFSET, which reads what it skips).
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Float, Select, TextClause, cast, func, or_, select, text

from gateway.db.database import Database
from gateway.db.models import USAGE_ERROR_SQL, UsageDaily, UsageDailyLatency, UsageRecord
from gateway.services.usage.rollup import percentile
from gateway.services.utc import utc_text

Dimension = Literal["key", "team", "model"]
_COLUMN_OF: dict[str, str] = {"key": "key_id", "team": "team_id", "model": "model"}
Json = dict[str, Any]


class BadCursor(ValueError):
    """A records cursor that this API did not hand out."""


@dataclass(frozen=True, slots=True)
class UsageFilter:
    start: date  # UTC days, both inclusive
    end: date
    key_id: str | None = None
    team_id: str | None = None
    model: str | None = None


@dataclass(frozen=True, slots=True)
class RecordFilter:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    key_id: str | None = None
    team_id: str | None = None
    model: str | None = None
    request_id: str | None = None
    errors_only: bool = False


def _conditions(table: type[UsageDaily] | type[UsageDailyLatency], where: UsageFilter) -> list[ColumnElement[bool]]:
    conditions = [table.day >= where.start, table.day <= where.end]
    for column in ("key_id", "team_id", "model"):
        value = getattr(where, column)
        if value is not None:
            conditions.append(getattr(table, column) == value)
    return conditions


def _totals_columns() -> list[Any]:
    d = UsageDaily
    return [
        func.sum(d.requests).label("requests"),
        func.sum(d.errors).label("errors"),
        func.sum(d.prompt_tokens).label("prompt_tokens"),
        func.sum(d.completion_tokens).label("completion_tokens"),
        func.sum(d.cached_tokens).label("cached_tokens"),
        cast(func.sum(d.cost_usd), Float).label("cost_usd"),
        func.sum(d.latency_ms_total).label("latency_ms_total"),
        func.sum(d.cache_hits).label("cache_hits"),
        cast(func.sum(d.saved_usd), Float).label("saved_usd"),
    ]


def _metrics(row: Any, histogram: dict[int, int] | None) -> Json:
    requests = int(row.requests or 0)
    prompt, completion = int(row.prompt_tokens or 0), int(row.completion_tokens or 0)
    return {
        "requests": requests,
        "errors": int(row.errors or 0),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "cached_tokens": int(row.cached_tokens or 0),
        "total_tokens": prompt + completion,
        "cost_usd": round(float(row.cost_usd or 0.0), 8),
        "latency_ms_avg": round(float(row.latency_ms_total or 0.0) / requests, 2) if requests else None,
        "latency_ms_p50": _rounded(percentile(histogram, 0.5)) if histogram else None,
        "latency_ms_p95": _rounded(percentile(histogram, 0.95)) if histogram else None,
        "cache_hits": int(row.cache_hits or 0),  # answered from the response cache
        "saved_usd": round(float(row.saved_usd or 0.0), 8),  # what those answers first cost
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _name(value: Any) -> Any:
    return None if value == "" else value  # roll-ups store "" for "no key / team / model"


def _group_column(group_by: str) -> Any:
    return _dimension_column(UsageDaily, group_by)


def totals_statement(where: UsageFilter, group_by: str | None, limit: int) -> Select[Any]:
    """Sums over the days, per group: the most expensive groups first (days: in order)."""
    conditions = _conditions(UsageDaily, where)
    if group_by is None:
        return select(*_totals_columns()).where(*conditions)
    column = _group_column(group_by)
    order = [column] if group_by == "day" else [func.sum(UsageDaily.cost_usd).desc(), column]
    return (
        select(column.label("group"), *_totals_columns())
        .where(*conditions)
        .group_by(column)
        .order_by(*order)
        .limit(limit)
    )


def daily_statement(where: UsageFilter, group_by: str | None, chosen: Sequence[Any]) -> Select[Any]:
    """Sums per day (and per group, for the chosen groups only)."""
    dims = ["day"] if group_by is None else ["day", group_by]
    columns = [_group_column(dim) for dim in dims]
    conditions = _conditions(UsageDaily, where)
    if group_by is not None:
        conditions.append(columns[1].in_(chosen))
    labelled = [c.label(d) for c, d in zip(columns, dims, strict=True)]
    return select(*labelled, *_totals_columns()).where(*conditions).group_by(*columns).order_by(*columns)


def histogram_statement(where: UsageFilter, dims: Sequence[str], chosen: Sequence[Any] = ()) -> Select[Any]:
    """Latency bucket counts per group (dims: "day" and/or one dimension) for the chosen groups."""
    table = UsageDailyLatency
    columns = [_dimension_column(table, dim) for dim in dims]
    conditions = _conditions(table, where)
    grouped = [c for c, d in zip(columns, dims, strict=True) if d != "day"]
    if grouped and chosen:
        conditions.append(grouped[0].in_(chosen))
    return select(*columns, table.bucket, func.sum(table.requests)).where(*conditions).group_by(*columns, table.bucket)


_RECORD_COLUMNS = [c for c in UsageRecord.__table__.c if c.name not in ("cost_usd", "detail")]


def records_statement(where: RecordFilter, limit: int, cursor: str | None) -> Select[Any]:
    """Newest first; a page past ``cursor`` (the last row of the previous page)."""
    r = UsageRecord
    conditions: list[ColumnElement[bool] | TextClause] = []
    if where.start is not None:
        conditions.append(r.ts >= where.start)
    if where.end is not None:
        conditions.append(r.ts < where.end)
    for column in ("key_id", "team_id", "model", "request_id"):
        value = getattr(where, column)
        if value is not None:
            conditions.append(getattr(r, column) == value)
    if where.errors_only:
        conditions.append(text(f"({USAGE_ERROR_SQL})"))  # verbatim: it is the partial index's predicate
    if cursor is not None:
        ts, record_id = decode_cursor(cursor)
        # (ts, id) < cursor, with ts <= cursor's ts on its own so that it bounds the index range
        conditions += [r.ts <= ts, or_(r.ts < ts, r.id < record_id)]
    columns = [*_RECORD_COLUMNS, cast(r.cost_usd, Float).label("cost_usd")]
    return select(*columns).where(*conditions).order_by(r.ts.desc(), r.id.desc()).limit(limit + 1)


class UsageQueries:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _all(self, statement: Select[Any]) -> Sequence[Any]:
        async with self.db.engine.connect() as conn:
            rows: Sequence[Any] = (await conn.execute(statement)).all()
        return rows

    async def totals(self, where: UsageFilter, group_by: Dimension | Literal["day"] | None, limit: int) -> list[Json]:
        """One row per group (or one row), the most expensive groups first."""
        rows = await self._all(totals_statement(where, group_by, limit))
        if group_by is None:
            histograms = await self._histograms(where, [])
            return [_metrics(rows[0], histograms.get(()))]
        histograms = await self._histograms(where, [group_by], [row.group for row in rows])
        return [{"group": _group_value(row.group), **_metrics(row, histograms.get((row.group,)))} for row in rows]

    async def daily(self, where: UsageFilter, group_by: Dimension | None, groups: int) -> list[Json]:
        """A time series: one row per day (and group: the ``groups`` most expensive ones)."""
        chosen: list[Any] = []
        dims = ["day"]
        if group_by is not None:
            chosen = [row.group for row in await self._all(totals_statement(where, group_by, groups))]
            if not chosen:
                return []
            dims.append(group_by)
        rows = await self._all(daily_statement(where, group_by, chosen))
        histograms = await self._histograms(where, dims, chosen)
        out = []
        for row in rows:
            entry: Json = {"day": _group_value(row.day)}
            if group_by is not None:
                entry["group"] = _name(getattr(row, group_by))
            key = tuple(getattr(row, d) for d in dims)
            out.append(entry | _metrics(row, histograms.get(key)))
        return out

    async def _histograms(
        self, where: UsageFilter, dims: Sequence[str], chosen: Sequence[Any] = ()
    ) -> dict[tuple[Any, ...], dict[int, int]]:
        """{group values: {bucket: requests}} from the latency roll-up."""
        histograms: dict[tuple[Any, ...], dict[int, int]] = defaultdict(dict)
        for row in await self._all(histogram_statement(where, dims, chosen)):
            *key, bucket, count = row
            histograms[tuple(key)][int(bucket)] = int(count)
        return histograms

    async def records(self, where: RecordFilter, limit: int, cursor: str | None) -> tuple[list[Json], str | None]:
        """A page of raw records, newest first, and the cursor of the next page (None at the end)."""
        found = await self._all(records_statement(where, limit, cursor))
        page = found[:limit]
        following = encode_cursor(page[-1].ts, page[-1].id) if len(found) > limit else None
        return [_record_json(row) for row in page], following


def _dimension_column(table: type[UsageDaily] | type[UsageDailyLatency], dim: str) -> Any:
    return table.day if dim == "day" else getattr(table, _COLUMN_OF[dim])


def _group_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":  # SQLite returns days as text
        return value
    return _name(value)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def encode_cursor(ts: datetime, record_id: str) -> str:
    raw = f"{_utc(ts).isoformat()}|{record_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, record_id = raw.split("|", 1)
        return _utc(datetime.fromisoformat(moment)), record_id
    except ValueError as error:
        raise BadCursor("This cursor was not issued by this API.") from error


def _record_json(record: Any) -> Json:
    return {
        "id": record.id,
        "request_id": record.request_id,
        "ts": utc_text(record.ts),  # as every admin API time: ...Z
        "key_id": record.key_id,
        "team_id": record.team_id,
        "model": record.model,
        "served_model": record.served_model,
        "deployment": record.deployment,
        "provider": record.provider,
        "surface": record.surface,
        "stream": record.stream,
        "attempts": record.attempts,
        "prompt_tokens": record.prompt_tokens,
        "completion_tokens": record.completion_tokens,
        "cached_tokens": record.cached_tokens,
        "cost_usd": float(record.cost_usd),
        "latency_ms": round(record.latency_ms, 2),
        "ttft_ms": None if record.ttft_ms is None else round(record.ttft_ms, 2),
        "status": record.status,
        "error_type": record.error_type,
        "guardrail_action": record.guardrail_action,
        "tags": record.tags,
        "request_metadata": record.request_metadata,
        "cache": record.cache,
        "saved_usd": None if record.saved_usd is None else float(record.saved_usd),
    }
