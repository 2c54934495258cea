"""Stored responses (the Responses API's ``store``), for ``GET /v1/responses/{id}`` and for
continuing a conversation with ``previous_response_id``.

A row belongs to its owner: the key's team, or the key itself when it has none. Every read,
continuation and deletion names the owner, so another tenant's id is exactly as unknown as an id
that never existed (a 404 either way). Rows older than the retention period are deleted by a
sweep that runs at start and then hourly, off the request path.

Writes are committed before the response is sent (the stream's last event waits for it): a
follow-up call made the moment the previous one returned must find it, in whichever gateway
process it lands. That is one INSERT per stored call (BENCHMARKS.md says what it costs);
``store: false`` writes nothing. On PostgreSQL the write commits without waiting for the WAL to
reach the disk (``synchronous_commit`` off for that transaction only): other processes see the
row at once all the same, and what a database crash could lose is the last fraction of a second
of stored responses, not the calls themselves; the flush cost 8 ms per call on the test machine.
A write that fails does not fail the call the model already answered: the response says
``"store": false`` and the failure is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.models import StoredResponse
from gateway.errors import ServiceUnavailable
from gateway.logs import LOG
from gateway.services.context import Principal

Json = dict[str, Any]
SWEEP_INTERVAL_S = 3600.0
TIMEOUT_S = 5.0  # a database that hangs costs a call at most this
_TABLE = cast(Table, StoredResponse.__table__)
_FAILURES = (SQLAlchemyError, OSError, TimeoutError)


def owner_of(principal: Principal) -> str:
    """Whose a stored response is: the key's team, else the key."""
    return f"team:{principal.team_id}" if principal.team_id else f"key:{principal.key_id}"


@dataclass(frozen=True, slots=True)
class StoredTurn:
    id: str
    owner: str
    created_at: int  # epoch seconds, as the response says
    response: Json
    input_items: list[Json]
    conversation: list[Json]


class ResponseStore:
    def __init__(self, engine: AsyncEngine, retention_days: float) -> None:
        self._engine = engine
        self._async_commit = engine.dialect.name == "postgresql"
        self.retention = timedelta(days=retention_days)
        self._sweeper: asyncio.Task[None] | None = None

    async def save(self, turn: StoredTurn, request_id: str) -> bool:
        """Commit one response; False (logged) when the database would not take it."""
        row = {
            "id": turn.id,
            "owner": turn.owner,
            "created_at": datetime.fromtimestamp(turn.created_at, UTC),
            "response": turn.response,
            "input_items": turn.input_items,
            "conversation": turn.conversation,
        }
        try:
            async with asyncio.timeout(TIMEOUT_S), self._engine.begin() as conn:
                if self._async_commit:
                    await conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                await conn.execute(insert(_TABLE), row)
        except _FAILURES as exc:
            fields = {"request_id": request_id, "response_id": turn.id, "error": repr(exc)}
            LOG.error("response not stored", extra={"fields": fields})
            return False
        return True

    async def _one(self, column: str, response_id: str, owner: str) -> Any:
        statement = select(_TABLE.c[column]).where(_TABLE.c.id == response_id, _TABLE.c.owner == owner)
        try:
            async with asyncio.timeout(TIMEOUT_S), self._engine.connect() as conn:
                return (await conn.execute(statement)).scalar_one_or_none()
        except _FAILURES as exc:
            LOG.error("stored responses unreadable", extra={"fields": {"error": repr(exc)}})
            raise ServiceUnavailable("Stored responses cannot be read right now; retry shortly.") from None

    async def conversation(self, response_id: str, owner: str) -> list[Json] | None:
        """The conversation up to and including a response (None: no such response of this owner's)."""
        found: list[Json] | None = await self._one("conversation", response_id, owner)
        return found

    async def response(self, response_id: str, owner: str) -> Json | None:
        found: Json | None = await self._one("response", response_id, owner)
        return found

    async def input_items(self, response_id: str, owner: str) -> list[Json] | None:
        found: list[Json] | None = await self._one("input_items", response_id, owner)
        return found

    async def delete(self, response_id: str, owner: str) -> bool:
        statement = delete(_TABLE).where(_TABLE.c.id == response_id, _TABLE.c.owner == owner)
        try:
            async with asyncio.timeout(TIMEOUT_S), self._engine.begin() as conn:
                return (await conn.execute(statement)).rowcount > 0
        except _FAILURES as exc:
            LOG.error("stored response not deleted", extra={"fields": {"error": repr(exc)}})
            raise ServiceUnavailable("Stored responses cannot be changed right now; retry shortly.") from None

    async def delete_expired(self, now: datetime | None = None) -> int:
        """Delete the responses older than the retention period; how many went."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        async with self._engine.begin() as conn:
            return (await conn.execute(delete(_TABLE).where(_TABLE.c.created_at < cutoff))).rowcount

    def start(self) -> None:
        """The retention sweep: now, then every SWEEP_INTERVAL_S, until aclose()."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="responses-retention")

    async def _sweep_forever(self) -> None:
        while True:
            try:
                removed = await self.delete_expired()
                if removed:
                    LOG.info("expired responses deleted", extra={"fields": {"count": removed}})
            except Exception:  # boundary: a failed sweep is tried again at the next interval
                LOG.exception("response retention sweep failed")
            await asyncio.sleep(SWEEP_INTERVAL_S)

    async def aclose(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
