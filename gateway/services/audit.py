"""The audit log: who (which admin key) created, changed, revoked or deleted what, and when.

Written by the admin API and the console after a change succeeded, read by ``GET /admin/audit``
and the console's audit page. Entries name fields and their new values, never a key's secret;
they are kept in the database, so every gateway process sees the same log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import AuditEntry
from gateway.logs import LOG
from gateway.services.utc import utc_text

Via = Literal["api", "console"]
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive


# What a page cursor of the audit log (and of the alerts, whose ids are made alike) looks like: an id.
PAGE_CURSOR = r"^[0-9a-f]{32}$"


def _new_id(moment: datetime) -> str:
    """Sortable by time (microseconds, hex), then random: two entries never share an id."""
    return f"{int(moment.timestamp() * 1_000_000):014x}{os.urandom(9).hex()}"


def entry_json(row: AuditEntry) -> Json:
    return {
        "id": row.id,
        "ts": utc_text(row.ts),
        "actor": row.actor,
        "via": row.via,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "details": row.details if isinstance(row.details, dict) else None,
    }


class AuditLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(
        self,
        actor: str,
        via: Via,
        action: str,
        target_type: str,
        target_id: str | None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """One entry, after the change it describes succeeded. A failure to write it is logged and
        does not undo the change (which already happened); the log line keeps the facts."""
        now = datetime.now(UTC)
        fields = {"actor": actor, "via": via, "action": action, "target_type": target_type, "target_id": target_id}
        entry = AuditEntry(id=_new_id(now), ts=now, details=dict(details) if details else None, **fields)
        try:
            async with self._sessions.begin() as session:
                session.add(entry)
        except Exception:  # boundary: the change is done; losing its entry must be seen in the logs
            LOG.exception("audit entry not written", extra={"fields": fields})

    async def query(self, where: AuditFilter, limit: int, before: str | None = None) -> tuple[list[Json], str | None]:
        """Newest first, ``limit`` at a time; ``before`` is the last id of the previous page."""
        conditions: list[ColumnElement[bool]] = []
        for name in ("actor", "action", "target_type", "target_id"):
            value = getattr(where, name)
            if value is not None:
                conditions.append(getattr(AuditEntry, name) == value)
        if where.start is not None:
            conditions.append(AuditEntry.ts >= where.start)
        if where.end is not None:
            conditions.append(AuditEntry.ts < where.end)
        if before is not None:
            conditions.append(AuditEntry.id < before)
        statement = select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(limit + 1)
        async with self._sessions() as session:
            rows = list((await session.execute(statement)).scalars())
        page = rows[:limit]
        following = page[-1].id if len(rows) > limit else None
        return [entry_json(row) for row in page], following
