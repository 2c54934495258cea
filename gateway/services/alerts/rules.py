"""Alert rules a key or a team may carry (the admin API's ``alerts`` field).

``thresholds`` are fractions of the scope's own budgets (``limits.budget_usd_day`` and
``budget_usd_month``): 0.8 alerts when 80% of a budget is spent, once per budget period (UTC day,
UTC month). Values above 1 (up to 10) alert on overspend, which quotas' estimates may allow.
``spend_rate`` alerts when the spend of the last ``window_minutes`` exceeds ``multiplier`` times
the average spend of a window that long over the previous 7 UTC days (and at least ``min_usd``),
or exceeds ``usd_per_hour`` (scaled to the window); once per burst: after an alert, the rule
alerts again only once a full window has passed (alerts/store.py), so the spend it alerted on has
left the window.
``webhook_url`` overrides the gateway's STRATA_ALERT_WEBHOOK_URL for this scope. The signing
secret is the gateway's alone (STRATA_ALERT_WEBHOOK_SECRET), never stored with a rule.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

MAX_THRESHOLDS = 10
MAX_THRESHOLD = 10.0
URL_PATTERN = r"^https?://[^\s/]+"


def deliverable(url: str | None) -> str | None:
    """A URL the deliverer can post to (httpx reads it when an alert is sent: one it cannot read
    would leave the alert pending for good); refused where it is set, where the caller sees why.
    A rule's ``webhook_url`` and the gateway's STRATA_ALERT_WEBHOOK_URL both."""
    if url is None:
        return None
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise PydanticCustomError("webhook_url", "not a usable URL: {why}", {"why": str(exc)}) from None
    if not parsed.host or any(c.isspace() for c in url):
        raise PydanticCustomError("webhook_url", "the URL names no host, or holds spaces", {})
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise PydanticCustomError("webhook_url", "the port must be 1 to 65535", {})
    return url


class SpendRate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)  # "5" or true is no rate

    window_minutes: int = Field(default=60, ge=1, le=1440, description="the window whose spend is watched")
    multiplier: float | None = Field(
        default=None, gt=1, le=1000, allow_inf_nan=False, description="times the 7-day average for such a window"
    )
    min_usd: float = Field(
        default=1.0, ge=0, le=10**9, allow_inf_nan=False, description="a relative alert needs at least this spend"
    )
    usd_per_hour: float | None = Field(
        default=None, gt=0, le=10**9, allow_inf_nan=False, description="an absolute rate, scaled to the window"
    )

    @model_validator(mode="after")
    def _one_rule(self) -> SpendRate:
        if self.multiplier is None and self.usd_per_hour is None:
            raise PydanticCustomError("spend_rate", "give multiplier or usd_per_hour (or both)")
        return self


class AlertRules(BaseModel):
    # strict: a threshold written "0.5" or true is a caller's mistake, not 0.5 or 100% (whole numbers pass)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    thresholds: list[float] = Field(
        default=[], max_length=MAX_THRESHOLDS, description="fractions of the daily and monthly budgets, in (0, 10]"
    )
    webhook_url: str | None = Field(
        default=None, max_length=2048, pattern=URL_PATTERN, description="http(s); default STRATA_ALERT_WEBHOOK_URL"
    )
    spend_rate: SpendRate | None = None

    @field_validator("webhook_url")
    @classmethod
    def _deliverable(cls, url: str | None) -> str | None:
        return deliverable(url)

    @field_validator("thresholds")
    @classmethod
    def _fractions(cls, values: list[float]) -> list[float]:
        for value in values:
            if not 0 < value <= MAX_THRESHOLD or value != value:
                raise PydanticCustomError("threshold", "each threshold must be in (0, {top}]", {"top": MAX_THRESHOLD})
        return sorted(set(values))

    @model_validator(mode="after")
    def _something_to_watch(self) -> AlertRules:
        if not self.thresholds and self.spend_rate is None:
            raise PydanticCustomError("alerts", "give thresholds or spend_rate (null removes the rules)")
        return self

    def stored(self) -> dict[str, Any]:
        """As the database keeps it: unset entries left out."""
        return self.model_dump(exclude_none=True)


def parse_stored(value: Any) -> AlertRules | None:
    """A stored rule set, or None when there is none or it cannot be read (old code, a hand edit)."""
    if not isinstance(value, dict):
        return None
    try:
        return AlertRules.model_validate(value)
    except ValueError:
        return None
