"""Budget alert rules a key or team carries, the alerts the gateway recorded, and what clearing
the response cache answers. Field meanings are the gateway's (gateway/services/alerts/rules.py,
gateway/api/admin_alerts.py); unknown fields are kept, and the gateway checks the values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict

from gateway.client.types import Open


class SpendRate(BaseModel):
    """Alert when a window's spend exceeds ``multiplier`` times its 7-day average, or ``usd_per_hour``."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    window_minutes: int = 60
    multiplier: float | None = None
    min_usd: float = 1.0
    usd_per_hour: float | None = None


class AlertRules(BaseModel):
    """``thresholds``: fractions of the scope's daily and monthly budgets (0.8 = 80%), in (0, 10]."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    thresholds: list[float] = []
    webhook_url: str | None = None
    spend_rate: SpendRate | None = None

    def body(self) -> dict[str, Any]:
        """As the admin API takes it: unset entries left out."""
        return self.model_dump(exclude_none=True)


class AlertScope(Open):
    kind: str  # "key" | "team"
    id: str
    name: str | None = None


class Alert(Open):
    """One alert: what was crossed, when, and how its webhook delivery went."""

    id: str
    scope: AlertScope
    kind: str  # "threshold" | "spend_rate"
    threshold: float | None = None
    period: str
    budget_usd: float
    spend_usd: float
    detail: dict[str, Any] | None = None
    created_at: datetime
    webhook_url: str | None = None
    status: str  # "pending" | "delivered" | "failed"
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = None
    next_attempt_at: datetime | None = None


class AlertPage(Open):
    rows: list[Alert]
    next_cursor: str | None = None


class CacheCleared(Open):
    """How many cached answers went (``semantic_deleted``: entries of the semantic index)."""

    deleted: int = 0
    semantic_deleted: int = 0


def parse_thresholds(text: str) -> list[float]:
    """Thresholds as a person types them: ``50%, 80%, 1`` is [0.5, 0.8, 1.0] (a bare number is a
    fraction of the budget, one ending in % a percentage); separated by commas or spaces.
    ValueError names the part that is not a number (the gateway checks the range)."""
    found = []
    for part in text.replace(",", " ").split():
        number = part[:-1] if part.endswith("%") else part
        try:
            value = Decimal(number)
        except InvalidOperation:
            raise ValueError(f"{part!r} is not a number or a percentage") from None
        if not value.is_finite():
            raise ValueError(f"{part!r} is not a number or a percentage")
        # in decimal, so that 99.9% is 0.999 exactly as typed, not 99.9 / 100 = 0.9990000000000001
        found.append(float(value.scaleb(-2) if part.endswith("%") else value))
    return found


def as_percentage(fraction: float) -> str:
    """A threshold as the percentage parse_thresholds reads back as the very same float: 0.999 is
    "99.9%" (every digit the float has, no binary noise, no ".0")."""
    shown = Decimal(repr(fraction)).scaleb(2).normalize()
    return f"{shown:f}%"
