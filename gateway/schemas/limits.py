"""Limits a key, a team or a model may carry: rates, concurrency and spend (USD per day / month).

Every value is bounded, so that a limit the quota stores could not hold is refused when it is set
(a 400 naming it) rather than failing calls later: Redis counts in 64-bit integers and its Lua
scripts in doubles (exact to 2^53), and budgets become integer micro-dollars (10^9 USD is 10^15).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_COUNT = 10**12
"""The most requests or tokens per minute, or requests in flight, a limit may name."""
MAX_BUDGET_USD = 10**9
"""The largest daily or monthly budget, in USD."""


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rpm: int | None = Field(default=None, ge=1, le=MAX_COUNT, description="requests per minute")
    tpm: int | None = Field(default=None, ge=1, le=MAX_COUNT, description="tokens (prompt + completion) per minute")
    max_concurrent: int | None = Field(default=None, ge=1, le=MAX_COUNT, description="requests in flight at once")
    budget_usd_day: float | None = Field(
        default=None, ge=0, le=MAX_BUDGET_USD, allow_inf_nan=False, description="spend per UTC day"
    )
    budget_usd_month: float | None = Field(
        default=None, ge=0, le=MAX_BUDGET_USD, allow_inf_nan=False, description="spend per UTC calendar month"
    )

    @property
    def empty(self) -> bool:
        return all(value is None for value in self.model_dump().values())


NO_LIMITS = Limits()
