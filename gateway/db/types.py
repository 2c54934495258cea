"""Column types that read back what was written, on SQLite as on PostgreSQL.

SQLite has no time zone type: SQLAlchemy stores a DateTime there as "YYYY-MM-DD HH:MM:SS.ffffff"
text and drops any offset, so an aware time went in and a naive one came out (and a non-UTC one
came back shifted). ``UtcDateTime`` stores UTC (that same text on SQLite, which the usage ledger
writes with its own SQL and queries compare as text) and always returns aware UTC datetimes.

``TolerantJSON`` reads a stored value that is not JSON at all (possible on SQLite, written by hand)
as ``UNREADABLE`` instead of failing the whole query (and every listing with it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from gateway.logs import LOG


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already (as the database stores it)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL, UTC text on SQLite; aware UTC in Python either way."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = as_utc(value)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Unreadable:
    """A stored value that is not JSON. Deliberately not None: where None means "no restriction"
    (a key's allowed_models), code that uses the value must fail, not open up; the admin API shows
    it as the field's default."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unreadable JSON>"


UNREADABLE = Unreadable()


class TolerantJSON(TypeDecorator[Any]):
    """JSON whose unreadable stored values come back as UNREADABLE (logged) rather than as an error."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        inner = super().result_processor(dialect, coltype)
        if inner is None:
            return None

        def process(value: Any) -> Any:
            try:
                return inner(value)
            except ValueError as exc:  # json.JSONDecodeError and orjson's errors are ValueErrors
                LOG.warning("unreadable JSON in the database", extra={"fields": {"error": repr(exc)}})
                return UNREADABLE

        return process
