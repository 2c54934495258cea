"""DELETE /admin/cache reaching every gateway process that shares the database, when there is no Redis.

With Redis the answers live in Redis (one delete drops them for every process) and the semantic
index's sharing stream carries the clear. Without it each process (``strata serve --workers N``, or
several hosts on one PostgreSQL) keeps its answers in memory: a clear made on one process is written
to ``cache_clears``, and every process reads the rows it has not seen about once a second and drops
the same answers. The read is one indexed query on a table of a few rows, off the request path.
Rows older than a day are deleted by the readers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.background import Background
from gateway.db.models import CacheClear
from gateway.logs import LOG

Apply = Callable[[str | None, str | None], Awaitable[Any]]  # (model, team): drop those answers here
KEEP = timedelta(days=1)


class CacheClears:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], interval_s: float = 1.0) -> None:
        self._sessions = sessions
        self._interval_s = interval_s
        self._seen = 0  # the last row applied (or made) here
        self._mine: set[int] = set()  # rows this process wrote: already applied when written
        self._background = Background("cache clears")
        self._failing = False

    async def record(self, model: str | None, team: str | None) -> None:
        """Tell the other processes (this one has cleared already); raises when the database fails."""
        async with self._sessions() as session, session.begin():
            row = CacheClear(ts=datetime.now(UTC), model=model, team=team)
            session.add(row)
            await session.flush()
            self._mine.add(row.id)

    def start(self, apply: Apply) -> None:
        self._background.spawn(self._follow(apply), "cache-clears")

    async def _follow(self, apply: Apply) -> None:
        self._seen = await self._retrying(self._latest)  # clears made before this process started: done
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self._apply_new(apply)
            except Exception as exc:  # boundary: the database is away; the next tick tries again
                if not self._failing:
                    LOG.warning("cache clears: cannot read the database", extra={"fields": {"error": repr(exc)}})
                self._failing = True
            else:
                self._failing = False

    async def _apply_new(self, apply: Apply) -> None:
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(CacheClear.id, CacheClear.model, CacheClear.team)
                    .where(CacheClear.id > self._seen)
                    .order_by(CacheClear.id)
                )
            ).all()
        for row_id, model, team in rows:
            if row_id not in self._mine:
                await apply(model, team)
            self._mine.discard(row_id)
            self._seen = row_id
        if rows:
            await self._prune()

    async def _prune(self) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(CacheClear).where(CacheClear.ts < datetime.now(UTC) - KEEP))

    async def _latest(self) -> int:
        async with self._sessions() as session:
            return int((await session.execute(select(func.max(CacheClear.id)))).scalar() or 0)

    async def _retrying(self, read: Callable[[], Awaitable[int]]) -> int:
        while True:
            try:
                return await read()
            except Exception as exc:  # boundary: the database is away at start; try again
                if not self._failing:
                    LOG.warning("cache clears: cannot read the database", extra={"fields": {"error": repr(exc)}})
                self._failing = True
                await asyncio.sleep(self._interval_s)

    async def aclose(self) -> None:
        await self._background.cancel()
