"""The usage explorer's questions: records matching a filter (time range, team, key, model, status,
surface), newest first a page at a time, their totals, and all of them for a CSV export.

Never prompt text: the columns read here are the ledger's facts about a request, not what it said
(its ``detail`` and caller metadata stay out). Pages use a keyset cursor (ts, id), never OFFSET;
the export walks the same way in chunks, so memory stays flat however many rows match.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, TextClause, cast, func, or_, select, text

from gateway.db.database import Database
from gateway.db.models import USAGE_ERROR_SQL, UsageDaily, UsageRecord
from gateway.services.usage.queries import decode_cursor, encode_cursor

COLUMNS = (
    "ts",
    "request_id",
    "key_id",
    "team_id",
    "model",
    "served_model",
    "deployment",
    "provider",
    "surface",
    "stream",
    "status",
    "error_type",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cost_usd",
    "latency_ms",
    "ttft_ms",
    "guardrail_action",
    "cache",
    "saved_usd",
)
_MONEY = ("cost_usd", "saved_usd")
EXPORT_CHUNK = 2000
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Explore:
    start: datetime
    end: datetime
    team_id: str | None = None
    key_id: str | None = None
    model: str | None = None
    status: str | None = None  # "ok", "error" or an HTTP status code
    surface: str | None = None

    @classmethod
    def default_range(cls, now: datetime | None = None) -> tuple[datetime, datetime]:
        now = now or datetime.now(UTC)
        return now - timedelta(days=1), now + timedelta(minutes=1)


def _conditions(where: Explore) -> list[ColumnElement[bool] | TextClause]:
    r = UsageRecord
    found: list[ColumnElement[bool] | TextClause] = [r.ts >= where.start, r.ts < where.end]
    for name in ("team_id", "key_id", "model", "surface"):
        value = getattr(where, name)
        if value:
            found.append(getattr(r, name) == value)
    if where.status == "error":
        found.append(text(f"({USAGE_ERROR_SQL})"))  # verbatim: the partial index's predicate
    elif where.status == "ok":
        found.append(text(f"NOT ({USAGE_ERROR_SQL})"))  # SQLAlchemy cannot negate a text clause (was a 500)
    elif where.status and where.status.isdigit():
        found.append(r.status == int(where.status))
    return found


def _columns() -> list[Any]:
    r = UsageRecord
    return [cast(getattr(r, c), Float).label(c) if c in _MONEY else getattr(r, c) for c in COLUMNS] + [r.id]


def page_statement(where: Explore, limit: int, cursor: str | None) -> Select[Any]:
    r = UsageRecord
    conditions = _conditions(where)
    if cursor is not None:
        ts, record_id = decode_cursor(cursor)
        conditions += [r.ts <= ts, or_(r.ts < ts, r.id < record_id)]
    return select(*_columns()).where(*conditions).order_by(r.ts.desc(), r.id.desc()).limit(limit + 1)


def totals_statement(where: Explore) -> Select[Any]:
    """Sums over the raw records that match."""
    r = UsageRecord
    return select(
        func.count().label("requests"),
        func.sum(text(f"CASE WHEN ({USAGE_ERROR_SQL}) THEN 1 ELSE 0 END")).label("errors"),
        func.sum(r.prompt_tokens).label("prompt_tokens"),
        func.sum(r.completion_tokens).label("completion_tokens"),
        cast(func.sum(r.cost_usd), Float).label("cost_usd"),
        func.sum(r.latency_ms).label("latency_ms_total"),
        func.count(r.cache).label("cache_hits"),
        cast(func.sum(r.saved_usd), Float).label("saved_usd"),
    ).where(*_conditions(where))


def rollup_statement(where: Explore, first: date, last: date) -> Select[Any]:
    """The same sums over whole UTC days, from the daily roll-up (a few rows per day and group)."""
    d = UsageDaily
    conditions = [d.day >= first, d.day <= last]
    for name in ("team_id", "key_id", "model"):
        value = getattr(where, name)
        if value:
            conditions.append(getattr(d, name) == value)
    return select(
        func.sum(d.requests).label("requests"),
        func.sum(d.errors).label("errors"),
        func.sum(d.prompt_tokens).label("prompt_tokens"),
        func.sum(d.completion_tokens).label("completion_tokens"),
        cast(func.sum(d.cost_usd), Float).label("cost_usd"),
        func.sum(d.latency_ms_total).label("latency_ms_total"),
        func.sum(d.cache_hits).label("cache_hits"),
        cast(func.sum(d.saved_usd), Float).label("saved_usd"),
    ).where(*conditions)


def _midnight(moment: datetime, later: bool) -> datetime:
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return day + timedelta(days=1) if later and day < moment else day


def plan_totals(where: Explore) -> tuple[tuple[date, date] | None, list[Explore]]:
    """Whole days the roll-up can sum (none when a filter it does not keep is set: status,
    surface), and the raw ranges left at either end."""
    first, last = _midnight(where.start, later=True), _midnight(where.end, later=False)
    if where.status or where.surface or last - first < timedelta(days=1):
        return None, [where]
    edges = [replace(where, end=first)] if where.start < first else []
    edges += [replace(where, start=last)] if last < where.end else []
    return (first.date(), (last - timedelta(days=1)).date()), edges


def _row(row: Any) -> Json:
    found = {name: getattr(row, name) for name in COLUMNS}
    ts = found["ts"]
    found["ts"] = (ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)).isoformat()
    return found


class UsageExplorer:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, where: Explore, limit: int, cursor: str | None) -> tuple[list[Json], str | None]:
        async with self.db.engine.connect() as conn:
            found = (await conn.execute(page_statement(where, limit, cursor))).all()
        rows = found[:limit]
        following = encode_cursor(rows[-1].ts, rows[-1].id) if len(found) > limit else None
        return [_row(row) for row in rows], following

    async def totals(self, where: Explore) -> Json:
        """Totals of every matching record: whole days from the roll-up, the ends from the records."""
        days, raw = plan_totals(where)
        statements = [totals_statement(part) for part in raw]
        if days is not None:
            statements.append(rollup_statement(where, *days))
        sums = dict.fromkeys(("requests", "errors", "prompt_tokens", "completion_tokens", "cache_hits"), 0)
        cost = latency = saved = 0.0
        async with self.db.engine.connect() as conn:
            for statement in statements:
                row = (await conn.execute(statement)).one()
                for name in sums:
                    sums[name] += int(getattr(row, name) or 0)
                cost += float(row.cost_usd or 0.0)
                latency += float(row.latency_ms_total or 0.0)
                saved += float(row.saved_usd or 0.0)
        requests = sums["requests"]
        return {
            **sums,
            "total_tokens": sums["prompt_tokens"] + sums["completion_tokens"],
            "cost_usd": cost,
            "latency_ms_avg": latency / requests if requests else None,
            "saved_usd": saved,
        }

    async def csv(self, where: Explore) -> AsyncIterator[bytes]:
        """Every matching record as CSV, header first, written a chunk at a time."""
        yield _csv_line(COLUMNS)
        cursor: str | None = None
        while True:
            rows, cursor = await self.page(where, EXPORT_CHUNK, cursor)
            if rows:
                yield b"".join(_csv_line([_cell(row[name]) for name in COLUMNS]) for row in rows)
            if cursor is None:
                return


def _cell(value: Any) -> Any:
    """A cell as text; one that a spreadsheet would run as a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_line(values: Any) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode()
