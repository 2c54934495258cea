"""Admin API bodies. Unknown fields are refused (a typo must not silently do nothing)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.schemas.limits import Limits

Name = Field(min_length=1, max_length=200)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TeamCreate(_In):
    name: str = Name
    limits: Limits = Limits()
    tags: list[str] = []


class TeamUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    limits: Limits | None = None
    tags: list[str] | None = None


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    limits: Limits
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class KeyCreate(_In):
    name: str = Name
    team_id: str | None = None
    is_admin: bool = False
    allowed_models: list[str] | None = Field(default=None, description="None: every model")
    guardrails: list[str] = []
    tags: list[str] = []
    limits: Limits = Limits()
    model_limits: dict[str, Limits] = Field(default={}, description="this key's limits on one model")
    expires_at: datetime | None = None
    expires_in_days: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_expiry(self) -> KeyCreate:
        if self.expires_at is not None and self.expires_in_days is not None:
            raise ValueError("give expires_at or expires_in_days, not both")
        return self


class KeyUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    is_admin: bool | None = None
    allowed_models: list[str] | None = None
    guardrails: list[str] | None = None
    tags: list[str] | None = None
    limits: Limits | None = None
    model_limits: dict[str, Limits] | None = None
    expires_at: datetime | None = None


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="the visible prefix; also the AWS access key id for SigV4")
    name: str
    team_id: str | None
    is_admin: bool
    allowed_models: list[str] | None
    guardrails: list[str]
    tags: list[str]
    limits: Limits
    model_limits: dict[str, Limits]
    expires_at: datetime | None
    revoked: bool
    created_at: datetime
    updated_at: datetime


class KeyCreated(KeyOut):
    key: str = Field(description="the key itself: shown once, never again")
