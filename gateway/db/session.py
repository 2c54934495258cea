"""Engines and sessions. SQLite (the embedded default) gets WAL and a busy timeout; PostgreSQL asyncpg."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str) -> AsyncEngine:
    """JSON columns serialise with orjson: the usage writer's batches spent most of their
    event-loop time in the standard library's json.dumps."""
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, json_serializer=_json)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, json_serializer=_json)


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
