"""Which alerts a scope's spend calls for: pure functions, so every process decides alike.

Periods are UTC, named as the alert rows name them: ``day:2026-12-04``, ``month:2026-12``, and for
spend-rate alerts the aligned window in which the anomaly was seen, ``window:60m:2026-12-04T13:00Z``
(windows aligned to multiples of their length since the epoch). The spend itself is the sliding
window's (the last ``window_minutes``), so a burst outlives its aligned window: the store keeps a
scope's next spend-rate alert back until a full window has passed since its last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from gateway.services.alerts.rules import AlertRules, SpendRate

ScopeKind = Literal["key", "team"]
BASELINE_DAYS = 7
EPSILON_USD = 1e-9  # the ledger's sums are decimals read as floats: 0.038 must reach 0.5 x 0.076


@dataclass(frozen=True, slots=True)
class Scope:
    """A key or a team with alert rules, and its budgets (from its own ``limits``)."""

    kind: ScopeKind
    id: str
    name: str
    rules: AlertRules
    budget_day: float | None
    budget_month: float | None


@dataclass(frozen=True, slots=True)
class Spend:
    """What a scope spent: this UTC day, this UTC month, the 7 days before today, the last window."""

    day: float = 0.0
    month: float = 0.0
    previous_days: float = 0.0
    window: float = 0.0


@dataclass(frozen=True, slots=True)
class Crossing:
    """One alert to record: its identity (scope, kind, threshold, period) and what was seen."""

    scope: Scope
    kind: Literal["threshold", "spend_rate"]
    threshold: float
    period: str
    budget_usd: float
    spend_usd: float
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str, str, float, str]:
        return (self.scope.kind, self.scope.id, self.kind, self.threshold, self.period)


def day_period(today: date) -> str:
    return f"day:{today.isoformat()}"


def month_period(today: date) -> str:
    return f"month:{today.year:04d}-{today.month:02d}"


def window_period(now: datetime, minutes: int) -> str:
    length = minutes * 60
    start = datetime.fromtimestamp(int(now.timestamp()) // length * length, UTC)
    return f"window:{minutes}m:{start.strftime('%Y-%m-%dT%H:%MZ')}"


def threshold_crossings(scope: Scope, spend: Spend, today: date) -> list[Crossing]:
    """Every threshold the day's and month's spend has reached, for the budgets the scope has."""
    found: list[Crossing] = []
    budgets = ((scope.budget_day, spend.day, day_period(today)), (scope.budget_month, spend.month, month_period(today)))
    for budget, spent, period in budgets:
        if budget is None or budget <= 0:
            continue
        for threshold in scope.rules.thresholds:
            if spent + EPSILON_USD >= threshold * budget:
                found.append(Crossing(scope, "threshold", threshold, period, budget, spent))
    return found


def window_limit(rule: SpendRate, previous_days: float) -> tuple[float | None, float]:
    """The most a window may spend before it is anomalous (None: no limit yet), and the baseline:
    the 7 previous days' average spend per window of that length."""
    windows_per_baseline = BASELINE_DAYS * 24 * 60 / rule.window_minutes
    baseline = previous_days / windows_per_baseline
    limits = []
    if rule.multiplier is not None:
        limits.append(max(rule.multiplier * baseline, rule.min_usd))
    if rule.usd_per_hour is not None:
        limits.append(rule.usd_per_hour * rule.window_minutes / 60)
    return (min(limits) if limits else None), baseline


def rate_crossing(scope: Scope, spend: Spend, now: datetime) -> Crossing | None:
    """A spend-rate alert when the last window spent more than its limit (and something at all)."""
    rule = scope.rules.spend_rate
    if rule is None:
        return None
    limit, baseline = window_limit(rule, spend.previous_days)
    if limit is None or spend.window <= 0 or spend.window <= limit:
        return None
    detail = {"window_minutes": rule.window_minutes, "baseline_usd": round(baseline, 8)}
    return Crossing(scope, "spend_rate", 1.0, window_period(now, rule.window_minutes), limit, spend.window, detail)


def baseline_days(today: date) -> tuple[date, date]:
    """The 7 full UTC days before today, both inclusive."""
    return today - timedelta(days=BASELINE_DAYS), today - timedelta(days=1)
