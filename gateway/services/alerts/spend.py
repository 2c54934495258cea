"""The spend of the scopes that carry alert rules, read from the usage ledger.

Day, month and the 7-day baseline come from the daily roll-ups (``usage_daily``: a few rows per
key or team and day, through its (key | team, day) indexes); the last window's spend from the raw
records (``usage_records``' (key | team, ts) indexes). One query per scope kind, and one more per
distinct window length, whatever the number of scopes (in chunks of 500 ids).

Spend is what the budgets count: the ledger's cost, plus, for the models whose response cache
charges hits to limits (``cache: {quota: full}``), what each hit's original call cost (the ledger's
``saved_usd``: a hit costs $0 upstream, but the budget took that much). Otherwise a key that lives
on such hits would be refused "Budget reached" with no alert ever sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import UsageDaily, UsageRecord
from gateway.services.alerts.detect import Scope, Spend, baseline_days

if TYPE_CHECKING:
    from gateway.services.catalog import PublicModel

CHUNK = 500
Totals = dict[tuple[str, str], dict[str, float]]


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def charging_models(models: Iterable[PublicModel]) -> frozenset[str]:
    """The models whose cache hits take as much from the budgets as the calls they replay."""
    return frozenset(model.name for model in models if model.cache is not None and model.cache.quota == "full")


def _charged(table: type[UsageDaily] | type[UsageRecord], charging: frozenset[str]) -> Any:
    """A row's spend as the budgets count it: its cost, plus its hits' original cost where charged."""
    if not charging:
        return table.cost_usd
    return table.cost_usd + func.coalesce(case((table.model.in_(sorted(charging)), table.saved_usd), else_=0), 0)


def _sum_if(condition: Any, spent: Any) -> Any:
    return cast(func.sum(case((condition, spent), else_=0)), Float)


async def _daily(
    session: AsyncSession, kind: str, ids: list[str], today: date, totals: Totals, charging: frozenset[str]
) -> None:
    column = UsageDaily.key_id if kind == "key" else UsageDaily.team_id
    month_start = today.replace(day=1)
    first, last = baseline_days(today)
    spent = _charged(UsageDaily, charging)
    for chunk in _chunks(ids):
        statement = (
            select(
                column,
                _sum_if(UsageDaily.day == today, spent),
                _sum_if(UsageDaily.day >= month_start, spent),
                _sum_if(UsageDaily.day.between(first, last), spent),
            )
            .where(column.in_(chunk), UsageDaily.day >= min(month_start, first))
            .group_by(column)
        )
        for scope_id, day, month, previous in await session.execute(statement):
            totals[(kind, scope_id)].update(day=day or 0.0, month=month or 0.0, previous_days=previous or 0.0)


async def _window(
    session: AsyncSession, kind: str, ids: list[str], since: datetime, totals: Totals, charging: frozenset[str]
) -> None:
    column = UsageRecord.key_id if kind == "key" else UsageRecord.team_id
    for chunk in _chunks(ids):
        statement = (
            select(column, cast(func.sum(_charged(UsageRecord, charging)), Float))
            .where(column.in_(chunk), UsageRecord.ts >= since)
            .group_by(column)
        )
        for scope_id, spent in await session.execute(statement):
            totals[(kind, scope_id)]["window"] = spent or 0.0


async def spend_of(
    sessions: async_sessionmaker[AsyncSession],
    scopes: list[Scope],
    now: datetime,
    charging: frozenset[str] = frozenset(),
) -> dict[str, Spend]:
    """Each scope's spend, by ``f"{kind}:{id}"`` (a scope that spent nothing: zeros); ``charging``:
    the models whose cache hits count at their original cost (``charging_models``)."""
    totals: Totals = defaultdict(dict)
    windows: dict[tuple[str, int], list[str]] = defaultdict(list)
    for scope in scopes:
        if scope.rules.spend_rate is not None:
            windows[(scope.kind, scope.rules.spend_rate.window_minutes)].append(scope.id)
    async with sessions() as session:
        for kind in ("key", "team"):
            ids = [scope.id for scope in scopes if scope.kind == kind]
            if ids:
                await _daily(session, kind, ids, now.date(), totals, charging)
        for (kind, minutes), ids in windows.items():
            await _window(session, kind, ids, now - timedelta(minutes=minutes), totals, charging)
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
