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
    UniqueConstraint,
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
    # ID or ID:VERSION, every key's; '[]' for rows made before the column (migration 0004 keeps it)
    guardrails: Mapped[list[str]] = mapped_column(TolerantJSON, default=list, server_default="[]")
    # Budget alert rules (gateway.services.alerts.rules); SQL NULL when none, so the monitor skips the rest.
    alerts: Mapped[dict[str, Any] | None] = mapped_column(TolerantJSON(none_as_null=True), nullable=True)
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
    alerts: Mapped[dict[str, Any] | None] = mapped_column(TolerantJSON(none_as_null=True), nullable=True)  # see Team
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
    cache: Mapped[str | None] = mapped_column(String(16), nullable=True)  # "hit" | "semantic-hit"
    saved_usd: Mapped[Decimal | None] = mapped_column(USD, nullable=True)  # a hit: the original call's cost


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
    cache_hits: Mapped[int] = mapped_column(Integer, default=0)
    saved_usd: Mapped[Decimal] = mapped_column(USD, default=Decimal(0))


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


class AuditEntry(Base):
    """Who changed what through the admin API or the console, and when (never a secret).

    ``actor`` is the admin key's id (``master`` for the master key); ``via`` is ``api`` or
    ``console``; ``details`` holds the fields changed, as sent, so an entry reads on its own.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_ts", "ts"),
        Index("ix_audit_log_actor_ts", "actor", "ts"),
        Index("ix_audit_log_target_type_target_id", "target_type", "target_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(40))
    via: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(TolerantJSON, nullable=True)


class ConsoleSession(Base):
    """A signed-in console user, shared by every gateway process on the database.

    ``id`` is the SHA-256 of the cookie's token, so a copy of this table opens no session; ``csrf``
    is the token each state-changing request must carry.
    """

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(40), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StoredResponse(Base):
    """A Responses API response kept (``store``) for GET /v1/responses/{id} and for continuing its
    conversation (``previous_response_id``), readable only by its owner: ``team:ID`` for a key in a
    team, ``key:ID`` for one without. ``conversation`` is the whole conversation up to and including
    this response, in the canonical form, so that a follow-up reads one row. Rows older than the
    retention period (STRATA_RESPONSES_RETENTION_DAYS) are deleted by a sweep off the request path.
    """

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_created_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    input_items: Mapped[list[Any]] = mapped_column(JSON)
    conversation: Mapped[list[Any]] = mapped_column(JSON)


class InvocationLog(Base):
    """One model call's invocation record (Bedrock's model invocation logging): metadata always,
    the canonical request and response bodies only where enabled for its model, key or team.
    Written in batches off the request path; rows older than the retention are deleted."""

    __tablename__ = "invocation_logs"
    __table_args__ = (
        Index("ix_invocation_logs_ts", "ts"),
        Index("ix_invocation_logs_key_ts", "key_id", "ts"),
        Index("ix_invocation_logs_request_id", "request_id"),
    )

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # the usage record's id
    request_id: Mapped[str] = mapped_column(String(128))
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    surface: Mapped[str] = mapped_column(String(16))
    operation: Mapped[str] = mapped_column(String(32))
    key_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    served_model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    deployment: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(32), nullable=True)
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[int] = mapped_column(Integer)
    error_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    guardrail_action: Mapped[str | None] = mapped_column(String(128), nullable=True)
    request_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    request_body: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    response_body: Mapped[Any | None] = mapped_column(JSON, nullable=True)


class BudgetAlert(Base):
    """A budget alert: a key's or team's spend crossed one of its thresholds (or its spend rate was
    anomalous) in one period, and the webhook that tells someone. Unique per (scope, kind, threshold,
    period), so that of several gateway processes detecting the same crossing one inserts the row and
    the alert is sent once. ``claimed_until`` is the delivering process's lease (see
    gateway/services/alerts/store.py); ``give_up_at`` ends the retries (status ``failed``).
    """

    __tablename__ = "budget_alerts"
    __table_args__ = (
        UniqueConstraint("scope_kind", "scope_id", "kind", "threshold", "period"),
        Index("ix_budget_alerts_created_at", "created_at"),
        Index("ix_budget_alerts_scope_kind_scope_id_created_at", "scope_kind", "scope_id", "created_at"),
        Index("ix_budget_alerts_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(8))  # key | team
    scope_id: Mapped[str] = mapped_column(String(40))
    scope_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # threshold | spend_rate
    threshold: Mapped[float] = mapped_column(Float)  # a fraction of the budget; 1.0 for spend_rate
    period: Mapped[str] = mapped_column(String(48))  # day:2026-12-04 | month:2026-12 | window:60m:2026-12-04T13:00Z
    budget_usd: Mapped[Decimal] = mapped_column(USD)  # the budget (spend_rate: the window's limit)
    spend_usd: Mapped[Decimal] = mapped_column(USD)  # the spend when the crossing was seen
    detail: Mapped[dict[str, Any] | None] = mapped_column(TolerantJSON, nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)  # null: the gateway's default
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    give_up_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CacheClear(Base):
    """A DELETE /admin/cache, for the gateway processes that keep their answers in memory (no Redis):
    each reads the rows it has not seen, about once a second, and drops the same answers
    (gateway/services/cache/clears.py). Rows older than a day are deleted by the readers."""

    __tablename__ = "cache_clears"
    __table_args__ = (Index("ix_cache_clears_ts", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)  # null: every model
    team: Mapped[str | None] = mapped_column(String(200), nullable=True)  # null: every team
