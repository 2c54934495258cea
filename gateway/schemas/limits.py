"""Limits a key, a team or a model may carry: rates, concurrency and spend (USD per day / month)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rpm: int | None = Field(default=None, ge=1, description="requests per minute")
    tpm: int | None = Field(default=None, ge=1, description="tokens (prompt + completion) per minute")
    max_concurrent: int | None = Field(default=None, ge=1, description="requests in flight at once")
    budget_usd_day: float | None = Field(default=None, ge=0, description="spend per UTC day")
    budget_usd_month: float | None = Field(default=None, ge=0, description="spend per UTC calendar month")

    @property
    def empty(self) -> bool:
        return all(value is None for value in self.model_dump().values())


NO_LIMITS = Limits()
