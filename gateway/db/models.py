"""Tables: teams, API keys, the usage ledger and its daily roll-ups, guardrails and their versions.

Indexes follow the queries the console and usage API make: by key, team and model over a time
range, and by time alone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db.base import Base
from gateway.db.types import TolerantJSON, UtcDateTime

USD = Numeric(18, 8)
# A failed request: an error status, no status at all (the client left), or a stream that failed
# after its 200. The errors index is partial on exactly this; queries must use it verbatim.
USAGE_ERROR_SQL = "status >= 400 OR status = 0 OR error_type IS NOT NULL"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    limits: Mapped[dict[str, Any]] = mapped_column(TolerantJSON, default=dict)
    tags: Mapped[list[str]] = mapped_column(TolerantJSON, default=list)
    guardrails: Mapped[list[str]] = mapped_column(TolerantJSON, default=list)  # ID or ID:VERSION, every key's
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiKey(Base):
    """A virtual key. The secret is stored encrypted (SigV4 needs it) and as a keyed hash (lookups)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the visible prefix, AWS access key id
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256, hex
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM: nonce + ciphertext
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    allowed_models: Mapped[list[str] | None] = mapped_column(TolerantJSON, nullable=True)
    guardrails: Mapped[list[str]] = mapped_column(TolerantJSON, default=list)
    tags: Mapped[list[str]] = mapped_column(TolerantJSON, default=list)
    limits: Mapped[dict[str, Any]] = mapped_column(TolerantJSON, default=dict)
    model_limits: Mapped[dict[str, Any]] = mapped_column(TolerantJSON, default=dict)  # model name -> limits
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UsageRecord(Base):
    """One row per request, successful or not; written in batches, idempotent by record id.

    ``id`` is the gateway's own id for the request: ``request_id`` is the x-request-id the caller
    saw, which callers may choose (and reuse), so it cannot be what makes a row unique.
    """

    __tablename__ = "usage_records"
    __table_args__ = (
        Index("ix_usage_records_ts", "ts"),
        Index("ix_usage_records_key_ts", "key_id", "ts"),
        Index("ix_usage_records_team_ts", "team_id", "ts"),
        Index("ix_usage_records_model_ts", "model", "ts"),
        Index("ix_usage_records_request_id", "request_id"),
        # Partial: only failed requests, so "the latest errors" never walks past the successes.
        Index(
            "ix_usage_records_errors_ts",
            "ts",
            postgresql_where=text(USAGE_ERROR_SQL),
            sqlite_where=text(USAGE_ERROR_SQL),
        ),
    )

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(128))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    key_id: Mapped[str | None] = mapped_column(String(40))
    team_id: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(200))
    served_model: Mapped[str | None] = mapped_column(String(200))
    deployment: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(32))
    surface: Mapped[str] = mapped_column(String(16))
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(USD, default=Decimal(0))
    latency_ms: Mapped[float] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    error_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guardrail_action: Mapped[str | None] = mapped_column(String(128), nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    request_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class UsageDaily(Base):
    """Daily totals per key, team and model, kept up to date by the usage writer."""

    __tablename__ = "usage_daily"
    __table_args__ = (
        Index("ix_usage_daily_key_day", "key_id", "day"),
        Index("ix_usage_daily_team_day", "team_id", "day"),
        Index("ix_usage_daily_model_day", "model", "day"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" for none
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" for none
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cached_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(USD, default=Decimal(0))
    latency_ms_total: Mapped[float] = mapped_column(Float, default=0.0)


class UsageDailyLatency(Base):
    """How many requests of a day's (key, team, model) fell in each latency bucket.

    Percentiles cannot be summed, but histograms can: p50/p95 over any range of days come from
    adding these counts (a few rows per group and day) instead of sorting every raw record.
    Buckets are logarithmic (see gateway.services.usage.rollup), so a percentile is within ~9%.
    """

    __tablename__ = "usage_daily_latency"
    __table_args__ = (
        Index("ix_usage_daily_latency_key_day", "key_id", "day"),
        Index("ix_usage_daily_latency_team_day", "team_id", "day"),
        Index("ix_usage_daily_latency_model_day", "model", "day"),
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" for none
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" for none
    model: Mapped[str] = mapped_column(String(200), primary_key=True)  # "" for none
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)


class GatewayMeta(Base):
    """Facts every gateway sharing the database must agree on, by name (e.g. the secret-key check)."""

    __tablename__ = "gateway_meta"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Guardrail(Base):
    """A guardrail's DRAFT: the definition UpdateGuardrail edits (CreateGuardrail's body, as stored).

    ``latest_version`` only grows: a deleted version's number is never given again, since other
    processes cache numbered versions for good.
    """

    __tablename__ = "guardrails"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(TolerantJSON)
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    client_request_token: Mapped[str | None] = mapped_column(String(256), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GuardrailVersion(Base):
    """An immutable numbered version: the DRAFT as it was when CreateGuardrailVersion was called."""

    __tablename__ = "guardrail_versions"

    guardrail_id: Mapped[str] = mapped_column(ForeignKey("guardrails.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(TolerantJSON)
    client_request_token: Mapped[str | None] = mapped_column(String(256), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
