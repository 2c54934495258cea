"""A key's or a team's usage (today, this month, the last 30 days) and what is left of its budgets,
from the daily roll-ups: a few rows however busy the key is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.db.database import Database
from gateway.services.usage.queries import UsageFilter, UsageQueries

Json = dict[str, Any]


async def spend(db: Database, limits: Json, key_id: str | None = None, team_id: str | None = None) -> Json:
    today = datetime.now(UTC).date()
    queries = UsageQueries(db)
    periods = {
        "today": UsageFilter(today, today, key_id, team_id),
        "month": UsageFilter(today.replace(day=1), today, key_id, team_id),
        "last_30_days": UsageFilter(today - timedelta(days=29), today, key_id, team_id),
    }
    found: Json = {name: (await queries.totals(where, None, 1))[0] for name, where in periods.items()}
    found["remaining_day"] = _left(limits.get("budget_usd_day"), found["today"]["cost_usd"])
    found["remaining_month"] = _left(limits.get("budget_usd_month"), found["month"]["cost_usd"])
    return found


def _left(budget: Any, spent: float) -> float | None:
    return None if budget is None else max(0.0, float(budget) - spent)
