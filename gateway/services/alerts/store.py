"""The ``budget_alerts`` table: each crossing recorded once, delivered by one process at a time.

- ``insert``: ``INSERT ... ON CONFLICT DO NOTHING`` on (scope kind, scope id, kind, threshold,
  period): of several gateway processes that see the same crossing, exactly one inserts the row,
  and only that one logs it and delivers it first. A spend-rate alert is also dropped when its
  scope had one less than a window ago: the rule reads a sliding window, so the burst it alerted on
  is still in the window when the next aligned period starts. Decided in the inserting transaction
  (after its row is written, and on PostgreSQL under a per-scope advisory lock), so two processes
  never both send one.
- ``claim``: ``UPDATE ... SET claimed_until = now + lease WHERE status = 'pending' AND (claimed_until
  IS NULL OR claimed_until < now)``: one process wins a delivery round; a process that dies in the
  middle of one loses its claim when the lease ends, and another retries (receivers de-duplicate by
  ``x-strata-alert-id``). Every attempt is counted (``attempts``, ``last_error``) as it happens.
- ``redeliver``: pending again, to the rule's current webhook URL (alerts/owners.py).
- ``query``: the admin API's listing, newest first, keyset-paginated by id (ids sort by time).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import BudgetAlert
from gateway.services.alerts.detect import Crossing
from gateway.services.alerts.owners import Redelivery, redelivery_url
from gateway.services.utc import utc_text

Json = dict[str, Any]
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
_UNIQUE = ["scope_kind", "scope_id", "kind", "threshold", "period"]


SHOWN_ID = 64  # ids are 32 characters: a longer one is cut short where it is echoed


def shown_id(alert_id: str) -> str:
    """An alert id as a 404 echoes it: a caller's megabyte goes in no message, span or log."""
    return alert_id if len(alert_id) <= SHOWN_ID else alert_id[:SHOWN_ID] + "..."


class _Quiet(Exception):
    """The scope had a spend-rate alert within the window: the new one is rolled back."""


def new_id(moment: datetime) -> str:
    """Sortable by time (microseconds, hex), then random: ids page like the audit log's."""
    return f"{int(moment.timestamp() * 1_000_000):014x}{os.urandom(9).hex()}"


def _usd(value: float) -> Decimal:
    return Decimal(str(round(value, 8)))


def alert_json(row: BudgetAlert) -> Json:
    """An alert as the admin API lists it (the webhook's payload, plus its delivery)."""
    return {
        "id": row.id,
        "scope": {"kind": row.scope_kind, "id": row.scope_id, "name": row.scope_name},
        "kind": row.kind,
        "threshold": row.threshold,
        "period": row.period,
        "budget_usd": float(row.budget_usd),
        "spend_usd": float(row.spend_usd),
        "detail": row.detail if isinstance(row.detail, dict) else None,
        "created_at": utc_text(row.created_at),
        "webhook_url": row.webhook_url,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "delivered_at": utc_text(row.delivered_at) if row.delivered_at else None,
        "next_attempt_at": utc_text(row.next_attempt_at) if row.status == PENDING else None,
    }


@dataclass(frozen=True, slots=True)
class AlertFilter:
    scope_kind: str | None = None
    scope_id: str | None = None
    kind: str | None = None
    status: str | None = None
    since: datetime | None = None  # inclusive


class AlertStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], dialect: str) -> None:
        self._sessions = sessions
        self._dialect = dialect
        self._insert = pg_insert if dialect == "postgresql" else sqlite_insert

    async def insert(self, crossing: Crossing, webhook_url: str | None, now: datetime, max_age_s: float) -> str | None:
        """The new alert's id, or None when another process (or an earlier tick) recorded it."""
        kind, scope_id, alert_kind, threshold, period = crossing.identity
        values = {
            "id": new_id(now),
            "scope_kind": kind,
            "scope_id": scope_id,
            "scope_name": crossing.scope.name[:200],
            "kind": alert_kind,
            "threshold": threshold,
            "period": period,
            "budget_usd": _usd(crossing.budget_usd),
            "spend_usd": _usd(crossing.spend_usd),
            "detail": crossing.detail or None,
            "webhook_url": webhook_url,
            "status": PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
            "give_up_at": now + timedelta(seconds=max_age_s),
        }
        statement = self._insert(BudgetAlert).values(values).on_conflict_do_nothing(index_elements=_UNIQUE)
        rate = crossing.kind == "spend_rate"
        try:
            async with self._sessions.begin() as session:
                if rate and self._dialect == "postgresql":  # one process at a time decides for the scope
                    await session.execute(
                        select(func.pg_advisory_xact_lock(func.hashtext(f"strata-alert:{kind}:{scope_id}")))
                    )
                inserted = (await session.execute(statement)).rowcount  # type: ignore[attr-defined]
                if inserted and rate and await _alerted_within(session, crossing, str(values["id"]), now):
                    raise _Quiet
        except _Quiet:
            return None
        return str(values["id"]) if inserted else None

    async def due(self, now: datetime, limit: int = 50) -> list[str]:
        """Pending alerts whose next attempt is due and that no live claim holds, oldest first."""
        statement = (
            select(BudgetAlert.id)
            .where(BudgetAlert.status == PENDING, BudgetAlert.next_attempt_at <= now, _claimable(now))
            .order_by(BudgetAlert.next_attempt_at)
            .limit(limit)
        )
        async with self._sessions() as session:
            return list((await session.execute(statement)).scalars())

    async def claim(self, alert_id: str, now: datetime, lease_s: float) -> BudgetAlert | None:
        """The alert, now this process's to deliver until the lease ends; None when another has it."""
        statement = (
            update(BudgetAlert)
            .where(BudgetAlert.id == alert_id, BudgetAlert.status == PENDING, _claimable(now))
            .values(claimed_until=now + timedelta(seconds=lease_s))
        )
        async with self._sessions.begin() as session:
            if not (await session.execute(statement)).rowcount:  # type: ignore[attr-defined]
                return None
            return await session.get(BudgetAlert, alert_id)

    async def _set(self, alert_id: str, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(BudgetAlert).where(BudgetAlert.id == alert_id).values(**values))

    async def attempted(self, alert_id: str, error: str | None, url: str) -> None:
        """One more attempt, to ``url`` (kept: the alert says where it was sent), and what went
        wrong with it (None: it succeeded)."""
        async with self._sessions.begin() as session:
            statement = (
                update(BudgetAlert)
                .where(BudgetAlert.id == alert_id)
                .values(attempts=BudgetAlert.attempts + 1, last_error=error[:2000] if error else None, webhook_url=url)
            )
            await session.execute(statement)

    async def delivered(self, alert_id: str, now: datetime) -> None:
        await self._set(alert_id, status=DELIVERED, delivered_at=now, claimed_until=None)

    async def failed(self, alert_id: str, error: str) -> None:
        """Given up: nothing more will be tried unless an admin asks for a redelivery."""
        await self._set(alert_id, status=FAILED, last_error=error[:2000], claimed_until=None)

    async def round_failed(self, alert_id: str, now: datetime, retry_in_s: float) -> bool:
        """Back to pending for a later round, or failed past its age; True when given up."""
        async with self._sessions.begin() as session:
            row = await session.get(BudgetAlert, alert_id)
            if row is None:
                return True
            row.claimed_until = None
            if now + timedelta(seconds=retry_in_s) > row.give_up_at:
                row.status = FAILED
                return True
            row.next_attempt_at = now + timedelta(seconds=retry_in_s)
            return False

    async def redeliver(
        self, alert_id: str, now: datetime, max_age_s: float, default_url: str | None
    ) -> tuple[BudgetAlert, Redelivery] | None:
        """Pending again, due now, retried for another max age (a delivered one is sent again), to
        the URL its rule names now: an admin who fixed a wrong URL redelivers to the fixed one."""
        async with self._sessions.begin() as session:
            row = await session.get(BudgetAlert, alert_id)
            if row is None:
                return None
            where = await redelivery_url(session, row.scope_kind, row.scope_id, row.webhook_url, default_url)
            row.webhook_url = where.url
            row.status, row.next_attempt_at, row.claimed_until = PENDING, now, None
            row.give_up_at = now + timedelta(seconds=max_age_s)
            return row, where

    async def query(self, where: AlertFilter, limit: int, before: str | None) -> tuple[list[Json], str | None]:
        """Newest first, ``limit`` at a time; ``before`` is the last id of the previous page."""
        conditions: list[ColumnElement[bool]] = []
        for name in ("scope_kind", "scope_id", "kind", "status"):
            value = getattr(where, name)
            if value is not None:
                conditions.append(getattr(BudgetAlert, name) == value)
        if where.since is not None:
            conditions.append(BudgetAlert.created_at >= where.since)
        if before is not None:
            conditions.append(BudgetAlert.id < before)
        statement = select(BudgetAlert).where(*conditions).order_by(BudgetAlert.id.desc()).limit(limit + 1)
        async with self._sessions() as session:
            rows = list((await session.execute(statement)).scalars())
        page = rows[:limit]
        return [alert_json(row) for row in page], page[-1].id if len(rows) > limit else None


async def _alerted_within(session: AsyncSession, crossing: Crossing, alert_id: str, now: datetime) -> bool:
    """Whether the scope has another spend-rate alert from the last window (of the rule now)."""
    rule = crossing.scope.rules.spend_rate
    minutes = rule.window_minutes if rule is not None else 0
    earlier = exists().where(
        BudgetAlert.scope_kind == crossing.scope.kind,
        BudgetAlert.scope_id == crossing.scope.id,
        BudgetAlert.kind == "spend_rate",
        BudgetAlert.created_at > now - timedelta(minutes=minutes),
        BudgetAlert.id != alert_id,
    )
    return bool(await session.scalar(select(earlier)))


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(BudgetAlert.claimed_until.is_(None), BudgetAlert.claimed_until < now)
