"""The spend of the scopes that carry alert rules, read from the usage ledger.

Day, month and the 7-day baseline come from the daily roll-ups (``usage_daily``: a few rows per
key or team and day, through its (key | team, day) indexes); the last window's spend from the raw
records (``usage_records``' (key | team, ts) indexes). One query per scope kind, and one more per
distinct window length, whatever the number of scopes (in chunks of 500 ids).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import UsageDaily, UsageRecord
from gateway.services.alerts.detect import Scope, Spend, baseline_days

CHUNK = 500
Totals = dict[tuple[str, str], dict[str, float]]


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _sum_if(condition: Any) -> Any:
    return cast(func.sum(case((condition, UsageDaily.cost_usd), else_=0)), Float)


async def _daily(session: AsyncSession, kind: str, ids: list[str], today: date, totals: Totals) -> None:
    column = UsageDaily.key_id if kind == "key" else UsageDaily.team_id
    month_start = today.replace(day=1)
    first, last = baseline_days(today)
    for chunk in _chunks(ids):
        statement = (
            select(
                column,
                _sum_if(UsageDaily.day == today),
                _sum_if(UsageDaily.day >= month_start),
                _sum_if(UsageDaily.day.between(first, last)),
            )
            .where(column.in_(chunk), UsageDaily.day >= min(month_start, first))
            .group_by(column)
        )
        for scope_id, day, month, previous in await session.execute(statement):
            totals[(kind, scope_id)].update(day=day or 0.0, month=month or 0.0, previous_days=previous or 0.0)


async def _window(session: AsyncSession, kind: str, ids: list[str], since: datetime, totals: Totals) -> None:
    column = UsageRecord.key_id if kind == "key" else UsageRecord.team_id
    for chunk in _chunks(ids):
        statement = (
            select(column, cast(func.sum(UsageRecord.cost_usd), Float))
            .where(column.in_(chunk), UsageRecord.ts >= since)
            .group_by(column)
        )
        for scope_id, spent in await session.execute(statement):
            totals[(kind, scope_id)]["window"] = spent or 0.0


async def spend_of(sessions: async_sessionmaker[AsyncSession], scopes: list[Scope], now: datetime) -> dict[str, Spend]:
    """Each scope's spend, by ``f"{kind}:{id}"`` (a scope that spent nothing: zeros)."""
    totals: Totals = defaultdict(dict)
    windows: dict[tuple[str, int], list[str]] = defaultdict(list)
    for scope in scopes:
        if scope.rules.spend_rate is not None:
            windows[(scope.kind, scope.rules.spend_rate.window_minutes)].append(scope.id)
    async with sessions() as session:
        for kind in ("key", "team"):
            ids = [scope.id for scope in scopes if scope.kind == kind]
            if ids:
                await _daily(session, kind, ids, now.date(), totals)
        for (kind, minutes), ids in windows.items():
            await _window(session, kind, ids, now - timedelta(minutes=minutes), totals)
    spends: dict[str, Spend] = {}
    for scope in scopes:
        found = totals.get((scope.kind, scope.id), {})
        spends[f"{scope.kind}:{scope.id}"] = Spend(
            day=found.get("day", 0.0),
            month=found.get("month", 0.0),
            previous_days=found.get("previous_days", 0.0),
            window=found.get("window", 0.0),
        )
    return spends
