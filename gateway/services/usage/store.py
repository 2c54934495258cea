"""One batch, one transaction: the records, then the roll-ups of the records that were new.

``INSERT ... ON CONFLICT (id) DO NOTHING RETURNING ...`` tells which rows this transaction really
inserted; only those are added to the daily totals. A batch written again after an ambiguous
failure (committed, but the acknowledgement was lost) therefore changes nothing, and a batch
that failed rolled back both parts together.

This runs for every request the gateway serves, and on the event loop, so it is written for
that thread's CPU: rows are plain tuples of the values the database will store, statements are
driver SQL (``exec_driver_sql``: no compiling, no bind processing per value; errors still come
wrapped as SQLAlchemy's, which the writer sorts into retry or refuse), and the summing for the
roll-ups is the database's (see rollup.py).

- PostgreSQL: the whole batch is ONE parameter, a JSON array of rows (orjson makes it, in C),
  and ONE statement inserts the records and adds the new ones to both roll-ups. asyncpg would
  spend about ten times the CPU encoding the same values as typed arrays, one by one. Times go
  as integer microseconds and costs as decimal text, which PostgreSQL turns back exactly.
- SQLite: multi-row ``VALUES`` statements (sqlite3 binds the values in C), in pieces of a few
  fixed sizes (see SqliteInserts), then the two roll-up upserts. Values are what SQLAlchemy
  stores there: times as text, costs as floats.

Conversion stays on the event loop: in a thread it would still hold the GIL, and cost a hop.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain, repeat
from math import isfinite
from operator import itemgetter
from typing import Any, Protocol

import orjson
from sqlalchemy import String, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.database import Database
from gateway.db.models import UsageRecord
from gateway.services.usage.record import UsageEvent
from gateway.services.usage.rollup import LOWER_BOUNDS, postgres_rollups, sqlite_rollups

# A ledger row (Row) is a plain tuple in this order (usage_records' columns, less ``detail``, always
# NULL): the writer makes thousands a second, and the database drivers take tuples as they are.
COLUMNS = (
    "id",
    "request_id",
    "ts",
    "key_id",
    "team_id",
    "model",
    "served_model",
    "deployment",
    "provider",
    "surface",
    "stream",
    "attempts",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cost_usd",
    "latency_ms",
    "ttft_ms",
    "status",
    "error_type",
    "guardrail_action",
    "tags",
    "request_metadata",
    "cache",
    "saved_usd",
)
ID, REQUEST_ID, LATENCY_MS = (COLUMNS.index(name) for name in ("id", "request_id", "latency_ms"))
Row = tuple[Any, ...]

RECORDS: Table = UsageRecord.__table__  # type: ignore[assignment]
_INT32 = 2**31 - 1

if {c.name for c in RECORDS.c} != {*COLUMNS, "detail"}:  # pragma: no cover - caught by any test run
    raise RuntimeError("COLUMNS no longer matches the usage_records table")


def _length(column: str) -> int:
    length: int | None = getattr(RECORDS.c[column].type, "length", None)
    assert length is not None
    return length


_ID, _REQUEST, _SURFACE = _length("id"), _length("request_id"), _length("surface")
_KEY, _TEAM, _MODEL = _length("key_id"), _length("team_id"), _length("model")
_SERVED, _DEPLOYMENT, _PROVIDER = _length("served_model"), _length("deployment"), _length("provider")
_ERROR, _GUARDRAIL = _length("error_type"), _length("guardrail_action")


class Pricing(Protocol):
    def cost(self, deployment_id: str | None, prompt: int, completion: int, cached: int = 0) -> Decimal: ...


class Refuse(Protocol):
    def __call__(self, event: UsageEvent, error: Exception) -> None: ...


def _count(value: int) -> int:
    return min(max(value, 0), _INT32)


def _microseconds(epoch: float) -> int:
    """Microseconds since the epoch, rounded as datetime.fromtimestamp rounds (half to even)."""
    second = int(epoch)
    return second * 1_000_000 + round((epoch - second) * 1e6)  # the subtraction is exact


class RowMaker(ABC):
    """Turns usage events into ledger rows for one database; subclasses say how it takes times
    (``ts``) and costs (``cost``, a builtin: no Python frame per row). Holds a few caches
    (formatted tags), so one per store."""

    cost: Callable[[Decimal], Any]

    def __init__(self) -> None:
        self._tags: dict[tuple[str, ...], str] = {(): "[]"}

    @abstractmethod
    def ts(self, epoch: float) -> Any:
        """The stored form of a record's time."""

    def row(self, e: UsageEvent, pricing: Pricing) -> Row:
        """The ledger row of an event (COLUMNS order): strings cut to their columns, counts
        made storable (and costed as stored), so that one odd request cannot make a batch fail."""
        prompt, completion, cached, attempts = e.prompt_tokens, e.completion_tokens, e.cached_tokens, e.attempts
        if not (
            0 <= prompt <= _INT32 and 0 <= completion <= _INT32 and 0 <= cached <= _INT32 and 0 <= attempts <= _INT32
        ):
            prompt, completion, cached, attempts = _count(prompt), _count(completion), _count(cached), _count(attempts)
        latency, ttft, metadata = e.latency_ms, e.ttft_ms, e.request_metadata
        tags = self._tags.get(e.tags)
        if tags is None:
            tags = orjson.dumps(e.tags).decode()
            if len(self._tags) < 1024:  # one entry per key's tags, usually
                self._tags[e.tags] = tags
        return (
            e.id[:_ID],
            e.request_id[:_REQUEST],
            self.ts(e.ts),
            e.key_id and e.key_id[:_KEY],
            e.team_id and e.team_id[:_TEAM],
            e.model and e.model[:_MODEL],
            e.served_model and e.served_model[:_SERVED],
            e.deployment and e.deployment[:_DEPLOYMENT],
            e.provider and e.provider[:_PROVIDER],
            e.surface[:_SURFACE],
            e.stream,
            attempts,
            prompt,
            completion,
            cached,
            self.cost(pricing.cost(e.deployment, prompt, completion, cached)),
            latency if isfinite(latency) else 0.0,
            ttft if ttft is None or isfinite(ttft) else None,
            e.status,
            e.error_type and e.error_type[:_ERROR],
            e.guardrail_action and e.guardrail_action[:_GUARDRAIL],
            tags,
            "null" if metadata is None else orjson.dumps(metadata).decode(),  # JSON null, as SQLAlchemy writes it
            e.cache,
            None if e.saved_usd is None else self.cost(e.saved_usd),
        )

    def rows(self, events: Iterable[UsageEvent], pricing: Pricing, refuse: Refuse | None = None) -> list[Row]:
        """One row per record id (a duplicate within a batch is written once). An event that
        cannot be made a row (metadata that is not JSON, a time that is not one) is given to
        ``refuse`` (or raises, without one) and the others go on."""
        rows: dict[str, Row] = {}
        for event in events:
            try:
                row = self.row(event, pricing)
            except (TypeError, ValueError, ArithmeticError) as error:
                if refuse is None:
                    raise
                refuse(event, error)
                continue
            rows.setdefault(row[ID], row)
        return list(rows.values())


class SqliteRows(RowMaker):
    """Times as SQLAlchemy stores a DateTime in SQLite: "YYYY-MM-DD HH:MM:SS.ffffff" text, UTC (the
    usage queries compare them as text); costs as floats, as it stores NUMERIC there."""

    cost = float

    def __init__(self) -> None:
        super().__init__()
        self._seconds: dict[int, str] = {}  # each second's date and time, formatted once

    def ts(self, epoch: float) -> str:
        second = int(epoch)
        micro = round((epoch - second) * 1e6)  # as in _microseconds
        if not 0 <= micro < 1_000_000:  # rounded up into the next second, or before 1970
            second, micro = divmod(second * 1_000_000 + micro, 1_000_000)
        prefix = self._seconds.get(second)
        if prefix is None:
            if len(self._seconds) >= 4096:
                self._seconds.clear()
            prefix = self._seconds[second] = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%d %H:%M:%S.")
        return f"{prefix}{micro:06d}"


class PostgresRows(RowMaker):
    """Times as integer microseconds since the epoch, costs as their exact decimal text: the
    statement makes them timestamptz and numeric (see postgres_write)."""

    cost = str

    def ts(self, epoch: float) -> int:
        return _microseconds(epoch)


class SqliteInserts:
    """Multi-row ``INSERT INTO usage_records ... VALUES (?, ...), ... RETURNING id``: at most
    ``most`` rows a statement (a power of two, within SQLite's bound-parameter limit), the rest in
    halving pieces. A batch of any size then uses a handful of statement texts, each prepared
    once per connection and kept in sqlite3's statement cache: preparing a 256-row statement
    costs more than running it."""

    MAX_PARAMS = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999

    def __init__(self, most: int = 256) -> None:
        fits = self.MAX_PARAMS // len(COLUMNS)
        self.most = min(most, 1 << (fits.bit_length() - 1))
        self._texts: dict[int, str] = {}

    def __call__(self, rows: Sequence[Row]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """(statement, parameters) for each piece of ``rows``."""
        start, count = 0, len(rows)
        while start < count:
            size = self.most
            while size > count - start:
                size //= 2
            yield self._text(size), tuple(chain.from_iterable(rows[start : start + size]))
            start += size

    def _text(self, size: int) -> str:
        text = self._texts.get(size)
        if text is None:
            values = ", ".join(["(" + ", ".join("?" * len(COLUMNS)) + ")"] * size)
            text = self._texts[size] = (
                f"INSERT INTO usage_records ({', '.join(COLUMNS)}) VALUES {values} "
                "ON CONFLICT (id) DO NOTHING RETURNING id"
            )
        return text


def postgres_write() -> str:
    """Records in (from the JSON array of rows in $1), new ones summed into the roll-ups, how
    many were new out: one statement. Each value is taken from its row by position and cast to
    its column's type (text goes as is: the column checks the length)."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    selected = []
    for position, name in enumerate(COLUMNS):
        kind = RECORDS.c[name].type
        if name == "ts":
            selected.append(f"timestamptz 'epoch' + (r->>{position})::int8 * interval '1 microsecond'")
        elif isinstance(kind, String):
            selected.append(f"r->>{position}")
        else:
            selected.append(f"(r->>{position})::{kind.compile(dialect=dialect)}")
    returned = (
        "ts, key_id, team_id, model, status, error_type, prompt_tokens, completion_tokens, cached_tokens, "
        "cache, saved_usd"
    )
    return f"""WITH new AS (
        INSERT INTO usage_records ({", ".join(COLUMNS)})
        SELECT {", ".join(selected)} FROM jsonb_array_elements($1::text::jsonb) AS r
        ON CONFLICT (id) DO NOTHING
        RETURNING {returned}, cost_usd, latency_ms
    ), {postgres_rollups("new", "$2::float8[]")}
    SELECT count(*) FROM new"""


def _without_nul(row: Row) -> Row:
    """The row with U+FFFD for each NUL in its strings: stored a little changed, not refused."""
    return tuple(value.replace("\x00", "\ufffd") if isinstance(value, str) else value for value in row)


_LATENCY = itemgetter(LATENCY_MS)
_ID_OF = itemgetter(ID)


class UsageStore:
    """Where the writer's batches go: ``rows`` makes them (once, before any retry), ``write``
    writes them (as often as it takes)."""

    POSTGRES_ROWS_PER_STATEMENT = 5000

    def __init__(self, db: Database) -> None:
        self.db = db
        self.is_sqlite = db.is_sqlite
        self.maker: RowMaker = SqliteRows() if self.is_sqlite else PostgresRows()
        if self.is_sqlite:
            self._inserts = SqliteInserts()
            self._sqlite_rollups = sqlite_rollups()
        else:
            self._postgres = postgres_write()

    def rows(self, events: Iterable[UsageEvent], pricing: Pricing, refuse: Refuse | None = None) -> list[Row]:
        return self.maker.rows(events, pricing, refuse)

    async def write(self, rows: Sequence[Row]) -> int:
        """Write a batch in one transaction; returns how many records were new."""
        if not rows:
            return 0
        async with self.db.engine.begin() as conn:
            if self.is_sqlite:
                return await self._write_sqlite(conn, rows)
            return await self._write_postgres(conn, rows)

    async def _write_postgres(self, conn: AsyncConnection, rows: Sequence[Row]) -> int:
        new = 0
        step = self.POSTGRES_ROWS_PER_STATEMENT
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            document = orjson.dumps(chunk)
            if b"\\u0000" in document:  # a NUL character, which PostgreSQL text cannot hold (rare)
                document = orjson.dumps([_without_nul(row) for row in chunk])
            new += (await conn.exec_driver_sql(self._postgres, (document.decode(), LOWER_BOUNDS))).scalar_one()
        return new

    async def _write_sqlite(self, conn: AsyncConnection, rows: Sequence[Row]) -> int:
        inserted: set[str] = set()
        for text, params in self._inserts(rows):
            inserted.update((await conn.exec_driver_sql(text, params)).scalars())
        if not inserted:
            return 0
        # {id: latency bucket} of the new records. Reversed: of an id given twice, the table kept
        # the first row, so the first row's bucket must be the one that stays in the dict.
        ids, latencies = map(_ID_OF, reversed(rows)), map(_LATENCY, reversed(rows))
        buckets = dict(zip(ids, map(bisect_right, repeat(LOWER_BOUNDS), latencies), strict=True))
        if len(buckets) > len(inserted):
            buckets = {record_id: buckets[record_id] for record_id in inserted}
        document = orjson.dumps(buckets).decode()
        for statement in self._sqlite_rollups:
            await conn.exec_driver_sql(statement, (document,))
        return len(inserted)
